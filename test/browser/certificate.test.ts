// A certificate connection walked in a real browser: adatum (no connection today) gets one
// from its tenant page with "Certificate (opsgate generates it)"; the operator copies the
// shown certificate into the sandbox app (as they would upload it to the app registration),
// "Check connection" succeeds with a signed client assertion, and an inventory sync on it
// succeeds. Then deleting it: refused while a run holds it (the run linked), done after.
import { createHash, X509Certificate } from 'node:crypto';
import type { Page } from 'playwright-core';
import { Agent, fetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { bootConsole, clickStart, getRun, waitIdle, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
let page: Page;
let agent: Agent;
const adatum = DEMO_WORKSPACES.flatMap((w) => w.tenants).find((t) => t.slug === 'adatum')!;
const CLIENT_ID = '0ad0ce71-0000-4000-8000-00000000ce71';

/** The sandbox's control API over HTTPS, trusting its CA as a script outside opsgate would. */
async function sandboxControl(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const sb = env.runtime.sandbox!;
  const res = await fetch(`${sb.url}/_sandbox${path}`, {
    method,
    dispatcher: agent,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

beforeAll(async () => {
  env = await bootConsole();
  agent = new Agent({ connect: { ca: env.runtime.sandbox!.caPem } });
  ({ page } = await env.signIn('owner@contoso.example'));
  // The customer's admin registered an app for opsgate and consented to it; no credential yet.
  const app = await sandboxControl('POST', `/tenants/${adatum.entraTenantId}/apps`, {
    clientId: CLIENT_ID,
    displayName: 'opsgate - Adatum',
    consentGranted: true,
    grantedRoles: ['DeviceManagementConfiguration.ReadWrite.All', 'DeviceManagementManagedDevices.Read.All', 'Group.Read.All', 'RoleManagement.Read.Directory'],
  });
  expect(app.status).toBe(201);
});
afterAll(async () => {
  await closeAll(agent, env);
});

// A test that slows the cloud puts it back (the console's 50 ms) even when it fails.
afterEach(() => env.setLatency(50));

describe('certificate connection on adatum', () => {
  let connectionId = '';

  it('added from the tenant page; the certificate is shown for upload, never a private key', async () => {
    await page.goto('/admin/t/adatum');
    await page.getByRole('link', { name: 'Add connection' }).click();
    await page.waitForURL(/\/admin\/provider-connections\?tenant=adatum#add-connection$/);
    // The workspace has an app (the demo's), offered first: this one is the tenant's own.
    await page.getByLabel('Use an app registration of this tenant').check();
    await page.getByLabel('Application (client) ID').fill(CLIENT_ID);
    await page.getByLabel('Credential').selectOption({ label: 'Certificate (opsgate generates it)' });
    expect(await page.locator('#ac-secret').count()).toBe(0);
    await page.getByLabel('Cloud').selectOption('sandbox');
    await page.getByRole('button', { name: 'Add connection' }).click();

    const added = page.getByTestId('certificate-added');
    await added.waitFor();
    const pem = await added.locator('textarea.pem').inputValue();
    const cert = new X509Certificate(pem);
    expect(await added.getByTestId('thumbprint-sha1').textContent()).toBe(createHash('sha1').update(cert.raw).digest('hex').toUpperCase());
    expect(await added.getByTestId('thumbprint-sha256').textContent()).toBe(createHash('sha256').update(cert.raw).digest('base64url'));
    expect(await page.content()).not.toContain('PRIVATE KEY');
    connectionId = (await added.getByRole('link', { name: 'Primary' }).getAttribute('href'))!.split('/').pop()!;

    // The operator uploads the certificate to the app registration.
    const upload = await sandboxControl('POST', `/tenants/${adatum.entraTenantId}/apps/${CLIENT_ID}/certificates`, { pem });
    expect(upload.status).toBe(201);

    const checked = await clickStart(page, 'Check connection', 'queued', added);
    expect(checked.title).toBe('Connection check queued');
    await waitIdle(page, 'adatum');
    const runId = (await checked.feedback.getByRole('link', { name: 'View run' }).getAttribute('href'))!.split('/').pop()!;
    const run = await getRun(page, runId);
    expect({ outcome: run.outcome, reason: run.reason }).toEqual({ outcome: 'succeeded', reason: null });
  });

  it('the connection page shows the certificate; "Sync inventory" on it succeeds', async () => {
    await page.goto(`/admin/provider-connections/${connectionId}`);
    const card = page.locator('#credentials');
    await card.getByRole('heading', { name: 'Certificate' }).waitFor();
    expect(await card.textContent()).toMatch(/Certificate valid until/);
    const synced = await clickStart(page, 'Sync inventory', 'queued');
    expect(synced.title).toBe('Inventory sync queued');
    await waitIdle(page, 'adatum');
    const runs = (await (await page.request.get('/api/operations?tenant=adatum&type=inventory.sync&limit=1')).json()) as {
      items: { outcome: string; providerConnection: { id: string } }[];
    };
    expect(runs.items[0]).toMatchObject({ outcome: 'succeeded', providerConnection: { id: connectionId } });
    // Tokens came from the token endpoint, with assertions only: the sandbox app has no secret opsgate knows.
    const counters = (await sandboxControl('GET', '/counters')).json as { byRoute: Record<string, number> };
    expect(counters.byRoute[`POST /${adatum.entraTenantId}/oauth2/v2.0/token`]).toBeGreaterThanOrEqual(1);
  });

  it('"Delete connection": refused while a run holds it (the run linked), then deleted with a typed confirmation', async () => {
    env.setLatency(1500);
    await page.goto(`/admin/provider-connections/${connectionId}`);
    await clickStart(page, 'Sync inventory', 'queued');
    const confirm = page.getByLabel(/Type the connection name/);
    const remove = page.getByRole('button', { name: 'Delete connection' });
    expect(await remove.isDisabled()).toBe(true);
    await confirm.fill('Primary');
    await remove.click();
    const refused = page.getByTestId('delete-refused');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('Primary is in use by a queued or running run (Inventory sync,');
    const link = refused.getByRole('link', { name: 'View the run using this connection' });
    expect(await link.getAttribute('href')).toMatch(/^\/admin\/operations\/[0-9a-f-]+$/);

    env.setLatency(50);
    await waitIdle(page, 'adatum', 40_000);
    await remove.click();
    await page.waitForURL(/\/admin\/provider-connections\?tenant=adatum$/);
    await page.getByTestId('connection-deleted').waitFor();
    expect(await page.getByTestId('connection-deleted').textContent()).toContain('Deleted the connection Primary.');
    const past = (await (await page.request.get('/api/operations?tenant=adatum&type=inventory.sync&limit=1')).json()) as {
      items: { providerConnection: unknown }[];
    };
    expect(past.items[0]!.providerConnection).toEqual({ id: connectionId, name: 'Primary', deleted: true });
  });
});
