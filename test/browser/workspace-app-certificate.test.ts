// A workspace app with a certificate opsgate generates, in Chromium: the owner adds it on the app
// registrations page (no secret field), the public certificate and its thumbprints are shown once
// to upload and no private key reaches the page (later the row keeps the thumbprint and shows the
// same certificate on demand); the certificate is uploaded to the home app in
// the sandbox cloud (as the operator would upload it to the app registration); a connection on
// the app for adatum walks the consent loop, whose verification and then an inventory sync
// succeed with a signed client assertion; then "Rotate credential" generates a new certificate,
// shown once, and the row still says Certificate.
import { createHash, X509Certificate } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { DEMO_MSP_APP } from '../../src/seed/msp-app.ts';
import { bootConsole, clickStart, eventually, waitIdle, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
let page: Page;
let agent: Agent;
const adatum = DEMO_WORKSPACES.flatMap((w) => w.tenants).find((t) => t.slug === 'adatum')!;
const APP_NAME = 'Contoso MSP certificate app';
const CLIENT_ID = '0ad0ce71-0000-4000-8000-0000000ce7a0';

async function uploadToHomeApp(pem: string): Promise<number> {
  const sb = env.runtime.sandbox!;
  const res = await fetch(`${sb.url}/_sandbox/tenants/${DEMO_MSP_APP.home.id}/apps/${CLIENT_ID}/certificates`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pem }),
  });
  await res.text();
  return res.status;
}

/** The certificate shown once in the notice: its PEM, checked against both thumbprints. */
async function shownCertificate(notice: Locator): Promise<{ pem: string; sha1: string; sha256: string }> {
  const panel = notice.getByTestId('certificate-panel');
  await panel.waitFor();
  const pem = await panel.locator('textarea.pem').inputValue();
  const cert = new X509Certificate(pem);
  const sha1 = createHash('sha1').update(cert.raw).digest('hex').toUpperCase();
  expect(await panel.getByTestId('thumbprint-sha1').textContent()).toBe(sha1);
  const sha256 = createHash('sha256').update(cert.raw).digest('base64url');
  expect(await panel.getByTestId('thumbprint-sha256').textContent()).toBe(sha256);
  expect(await page.content()).not.toContain('PRIVATE KEY');
  return { pem, sha1, sha256 };
}

beforeAll(async () => {
  env = await bootConsole();
  agent = new Agent({ connect: { ca: env.runtime.sandbox!.caPem } });
  ({ page } = await env.signIn('owner@contoso.example'));
  // The MSP registered a second multi-tenant app in its home tenant, with no credential yet.
  env.runtime.sandbox!.state.addApp(DEMO_MSP_APP.home.id, {
    clientId: CLIENT_ID,
    displayName: APP_NAME,
    multiTenant: true,
    consentGranted: true,
    grantedRoles: [...DEMO_MSP_APP.permissions],
  });
});
afterAll(() => closeAll(agent, env));

describe('a workspace app with a certificate', () => {
  let firstSha256 = '';

  it('added on the app registrations page: the certificate and thumbprints shown once, never a private key; uploaded to the home app', async () => {
    await page.goto('/admin/settings/app-registrations');
    const form = page.getByRole('form', { name: 'Add an app registration' });
    await form.getByLabel('App name').fill(APP_NAME);
    await form.getByLabel('Application (client) ID').fill(CLIENT_ID);
    await form.getByLabel('Cloud').selectOption('sandbox');
    await form.getByLabel('Credential').selectOption({ label: 'Certificate (opsgate generates it)' });
    expect(await form.getByLabel('Client secret').count()).toBe(0);
    await form.getByRole('button', { name: 'Add app registration' }).click();

    const notice = page.getByTestId('apps-notice');
    const { pem, sha1, sha256 } = await shownCertificate(notice);
    firstSha256 = sha256;
    const row = page.locator(`[data-testid="apps-table"] tbody[data-app="${APP_NAME}"]`);
    expect(await row.textContent()).toContain('Certificate');
    expect(await row.getByTestId('app-connections').textContent()).toBe('No connection yet');
    // The upload notice is shown once: after a reload only the row remains, with the thumbprint
    // the portal lists, and the same public certificate on demand (to upload again).
    await page.reload();
    await row.waitFor();
    expect(await page.getByTestId('certificate-panel').count()).toBe(0);
    expect(await row.getByTestId('app-thumbprint').textContent()).toBe(sha1);
    await row.getByRole('button', { name: 'Show certificate' }).click();
    const again = await shownCertificate(row);
    expect(again).toEqual({ pem, sha1, sha256 });
    expect(await row.getByRole('button', { name: 'Hide certificate' }).getAttribute('aria-expanded')).toBe('true');
    await row.getByRole('button', { name: 'Hide certificate' }).click();
    expect(await page.getByTestId('certificate-panel').count()).toBe(0);

    expect(await uploadToHomeApp(pem)).toBe(201);
  });

  it('a connection on it for adatum: the consent loop, whose verification succeeds with the certificate, then the sync succeeds', async () => {
    await page.goto('/admin/provider-connections?tenant=adatum#add-connection');
    await page.getByLabel('Use a workspace app').check();
    const select = page.getByLabel('Workspace app', { exact: true });
    const value = await select.locator('option', { hasText: APP_NAME }).getAttribute('value');
    await select.selectOption(value!);
    expect(await page.locator('#ac-secret').count()).toBe(0);
    await page.getByLabel('Connection name').fill('Certificate automation');
    await page.getByRole('button', { name: 'Add connection' }).click();
    await page.getByTestId('connection-added').waitFor();

    await page.goto('/admin/t/adatum');
    const blocked = await clickStart(page, 'Sync inventory', 'blocked');
    await blocked.feedback.getByRole('link', { name: 'Grant admin consent' }).click();
    await page.waitForURL(/\/admin\/provider-connections\/[0-9a-f-]+#consent$/);
    expect(await page.getByTestId('app-credential').textContent()).toContain(APP_NAME);
    await page.getByRole('button', { name: 'Grant admin consent' }).click();
    await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.waitForURL(/\/admin\/provider-connections\/[0-9a-f-]+\?consent=granted/);
    await eventually(
      async () => (await page.getByTestId('consent-result').textContent())?.includes('Tenant verification succeeded'),
      'the verification',
      20_000,
    );

    await page.goto('/admin/t/adatum');
    const queued = await clickStart(page, 'Sync inventory', 'queued');
    expect(queued.title).toBe('Inventory sync queued');
    await waitIdle(page, 'adatum');
    const runs = (await (await page.request.get('/api/operations?tenant=adatum&limit=1')).json()) as {
      items: { type: string; outcome: string; providerConnection: { name: string } | null }[];
    };
    expect(runs.items[0]).toMatchObject({ type: 'inventory.sync', outcome: 'succeeded', providerConnection: { name: 'Certificate automation' } });
    // The app has no secret anywhere: the tokens could only come from the certificate.
    const sp = env.runtime.sandbox!.state.getApp(adatum.entraTenantId, CLIENT_ID);
    expect(sp).toMatchObject({ homeTenantId: DEMO_MSP_APP.home.id, consentGranted: true });
  });

  it('"Rotate credential" generates a new certificate, shown once; the row still says Certificate, with its one connection', async () => {
    await page.goto('/admin/settings/app-registrations');
    const row = page.locator(`[data-testid="apps-table"] tbody[data-app="${APP_NAME}"]`);
    await row.getByRole('button', { name: 'Rotate credential' }).click();
    const rotate = page.getByRole('form', { name: `Rotate the credential of ${APP_NAME}` });
    await rotate.getByLabel('New credential').selectOption({ label: 'Certificate (opsgate generates it)' });
    await rotate.getByRole('button', { name: 'Rotate' }).click();
    const notice = page.getByTestId('apps-notice');
    await eventually(async () => (await notice.textContent())?.includes(`New certificate for ${APP_NAME}`), 'the rotation notice');
    const { sha1, sha256 } = await shownCertificate(notice);
    expect(sha256).not.toBe(firstSha256);
    // The row's thumbprint follows the rotation once the list reloads.
    await eventually(async () => (await row.getByTestId('app-thumbprint').textContent()) === sha1, 'the new thumbprint on the row');
    expect(await row.textContent()).toContain('Certificate');
    expect(await row.getByTestId('app-connections').textContent()).toContain('1 connection');
  });
});
