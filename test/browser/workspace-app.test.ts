// The workspace app in the demo, in Chromium: adatum (no connection today) gets a connection on
// "Contoso MSP automation" with no secret, a start is blocked on consent, the consent loop
// ("Grant admin consent" -> the sandbox's consent page naming the app's publisher -> back, the
// verification runs) ends with the same start queued, and the sync succeeds against the
// sandbox. Then the app's secret expires: the start is blocked, needs attention names the app
// once, one rotation on the app registrations page unblocks it, and the run uses the new secret.
// Last, onboarding a new tenant offers the app first: no secret, only its admin's consent, after
// which the wizard's verification succeeds.
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { DEMO_MSP_APP } from '../../src/seed/msp-app.ts';
import { bootConsole, clickStart, eventually, waitIdle, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
let page: Page;

beforeAll(async () => {
  env = await bootConsole();
  ({ page } = await env.signIn('owner@contoso.example'));
});
afterAll(() => closeAll(env));

async function lastRun(tenant: string): Promise<{ type: string; outcome: string; providerConnection: { name: string } | null }> {
  const body = (await (await page.request.get(`/api/operations?tenant=${tenant}&limit=1`)).json()) as {
    items: { type: string; outcome: string; providerConnection: { name: string } | null }[];
  };
  return body.items[0]!;
}

describe('"Contoso MSP automation" on adatum', () => {
  it('the app registrations page lists the demo app, with no connection yet', async () => {
    await page.goto('/admin/tenants');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'App registrations' }).click();
    await page.waitForURL(/\/admin\/settings\/app-registrations$/);
    const row = page.locator(`[data-testid="apps-table"] tbody[data-app="${DEMO_MSP_APP.name}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(DEMO_MSP_APP.clientId);
    expect(await row.getByTestId('app-connections').textContent()).toBe('No connection yet');
  });

  it('a connection on the workspace app, no secret; blocked on consent; the consent loop; the same start queued; the sync succeeds', async () => {
    await page.goto('/admin/t/adatum');
    await page.getByRole('link', { name: 'Add connection' }).click();
    await page.waitForURL(/\/admin\/provider-connections\?tenant=adatum#add-connection$/);
    // The workspace's app comes first.
    const useApp = page.getByLabel('Use a workspace app');
    await useApp.waitFor();
    expect(await useApp.isChecked()).toBe(true);
    expect(await page.locator('#ac-secret').count()).toBe(0);
    expect(await page.getByLabel('Workspace app').locator('option:checked').textContent()).toContain(DEMO_MSP_APP.name);
    await page.getByLabel('Connection name').fill('Automation');
    await page.getByRole('button', { name: 'Add connection' }).click();
    await page.getByTestId('connection-added').waitFor();
    const kind = page.locator('[data-testid="connections-table"] [data-testid="connection-kind"]');
    await eventually(async () => (await kind.textContent())?.includes(DEMO_MSP_APP.name), 'the connection row naming the app');
    expect(await kind.getAttribute('data-kind')).toBe('workspace_app');

    await page.goto('/admin/t/adatum');
    const blocked = await clickStart(page, 'Sync inventory', 'blocked');
    expect(await blocked.feedback.locator('.start-feedback-reason').textContent()).toBe('Admin consent has not been granted for this connection.');
    await blocked.feedback.getByRole('link', { name: 'Grant admin consent' }).click();
    await page.waitForURL(/\/admin\/provider-connections\/[0-9a-f-]+#consent$/);
    expect(await page.getByTestId('app-credential').textContent()).toContain(DEMO_MSP_APP.name);
    await page.getByRole('button', { name: 'Grant admin consent' }).click();

    // The sandbox's consent page, for adatum's directory, names the app's publisher.
    await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
    expect(page.url()).toMatch(/\/v2\.0\/adminconsent\?/);
    const publisher = await page.locator('[data-publisher]').textContent();
    expect(publisher).toContain(DEMO_MSP_APP.home.displayName);
    expect(await page.locator('.card').textContent()).toContain('Adatum');
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
    expect(await lastRun('adatum')).toMatchObject({ type: 'inventory.sync', outcome: 'succeeded', providerConnection: { name: 'Automation' } });
    // Adatum's admin consent created the app's service principal there; tokens were asked of
    // adatum's own authority (with the home app's secret).
    const adatum = DEMO_WORKSPACES.flatMap((w) => w.tenants).find((t) => t.slug === 'adatum')!;
    const sandbox = env.runtime.sandbox!.state;
    expect(sandbox.getApp(adatum.entraTenantId, DEMO_MSP_APP.clientId)).toMatchObject({ homeTenantId: DEMO_MSP_APP.home.id, consentGranted: true });
    expect(sandbox.count('POST', `/${adatum.entraTenantId}/oauth2/v2.0/token`)).toBeGreaterThan(0);
  });

  it("the app's secret expires: blocked, needs attention names the app once; one rotation on its page unblocks the start, which uses the new secret", async () => {
    const db = env.runtime.database.db;
    await sql`update app_registrations set credential_expires_at = now() - interval '1 day' where name = ${DEMO_MSP_APP.name}`.execute(db);
    await page.goto('/admin/t/adatum');
    const blocked = await clickStart(page, 'Sync inventory', 'blocked');
    expect(await blocked.feedback.locator('.start-feedback-reason').textContent()).toMatch(/^The client secret expired on \d{4}-\d{2}-\d{2}\.$/);

    await page.goto('/admin/attention');
    const item = page.locator('.attention-item[data-app]');
    await item.first().waitFor();
    expect(await item.count()).toBe(1);
    expect(await item.textContent()).toContain(`The client secret of the workspace app “${DEMO_MSP_APP.name}” expired`);
    expect(await item.textContent()).toContain('— 1 tenant.');
    await item.getByRole('link', { name: "Rotate the app's client secret" }).click();
    await page.waitForURL(/\/admin\/settings\/app-registrations#app-/);

    // The MSP issues a new secret for its app (in its own tenant), then pastes it here, once.
    const next = 'contoso-msp-automation-rotated-secret';
    const expires = new Date(Date.now() + 180 * 86_400_000);
    env.runtime.sandbox!.state.updateApp(DEMO_MSP_APP.home.id, DEMO_MSP_APP.clientId, { secret: next, secretExpiresAt: expires.toISOString() });
    const form = page.getByRole('form', { name: `Rotate the credential of ${DEMO_MSP_APP.name}` });
    await form.getByLabel('New client secret').fill(next);
    await form.getByLabel('New secret expires on').fill(expires.toISOString().slice(0, 10));
    await form.getByRole('button', { name: 'Rotate' }).click();
    await page.getByTestId('apps-notice').getByText(`Rotated the client secret of ${DEMO_MSP_APP.name}, for its 1 connection.`).waitFor();
    expect(await page.content()).not.toContain(next);
    // The list is loaded anew with the new expiry; the form the rotation closed stays closed (the
    // #app- link opened it once on arrival, not again on every reload of the list).
    const appRow = page.locator(`[data-testid="apps-table"] tbody[data-app="${DEMO_MSP_APP.name}"]`);
    await eventually(async () => (await appRow.textContent())?.includes('Secret valid until'), 'the reloaded list');
    expect(await form.count()).toBe(0);

    await page.goto('/admin/t/adatum');
    expect((await clickStart(page, 'Sync inventory', 'queued')).title).toBe('Inventory sync queued');
    await waitIdle(page, 'adatum');
    expect(await lastRun('adatum')).toMatchObject({ type: 'inventory.sync', outcome: 'succeeded' });
  });

  it('deleting the app while adatum uses it is refused, with the reason shown', async () => {
    await page.goto('/admin/settings/app-registrations');
    const row = page.locator(`[data-testid="apps-table"] tbody[data-app="${DEMO_MSP_APP.name}"]`);
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Delete' }).click();
    const notice = page.getByTestId('apps-notice');
    await notice.waitFor();
    expect(await notice.textContent()).toContain(`${DEMO_MSP_APP.name} is used by 1 connection`);
    expect(await row.getByTestId('app-connections').textContent()).toContain('1 connection');
    // With the tenant that uses it, linked to its connections.
    expect(await row.getByTestId('app-connections').getByRole('link').textContent()).toMatch(/^Adatum/);
  });

  it('onboarding offers the workspace app first: a new tenant needs no secret, only its admin’s consent, and the wizard’s verification then succeeds', async () => {
    // A customer tenant the cloud knows, where the MSP's app was never consented.
    const state = env.runtime.sandbox!.state;
    const trey = state.addTenant({ displayName: 'Trey Research' });
    await page.goto('/admin/onboarding');
    await page.getByLabel('Display name').fill('Trey Research');
    await page.getByLabel('Entra tenant ID').fill(trey.id);
    await page.getByRole('button', { name: 'Start onboarding' }).click();
    await page.waitForURL(/\/admin\/onboarding\/[0-9a-f-]{36}$/);
    const sessionId = page.url().split('/').pop()!;
    await page.getByRole('heading', { name: /Trey Research/ }).waitFor();

    const useApp = page.getByLabel('Use a workspace app');
    await useApp.waitFor();
    expect(await useApp.isChecked()).toBe(true);
    expect(await page.getByLabel('Client secret').count()).toBe(0);
    expect(await page.getByLabel('Workspace app').locator('option:checked').textContent()).toContain(DEMO_MSP_APP.name);
    await page.getByRole('button', { name: 'Save connection' }).click();
    const summary = page.locator('.connection-summary');
    await summary.waitFor();
    expect(await summary.textContent()).toContain(DEMO_MSP_APP.name);

    // The verification is not blocked by consent facts (it is what records them): it asks Trey's
    // authority, which answers that the app is not in its directory — consent missing.
    await clickStart(page, 'Verify connection', 'queued');
    const status = page.getByTestId('verification-status');
    await eventually(async () => !!(await status.getByRole('link', { name: 'Grant admin consent' }).count()), 'the failed verification', 30_000);
    await status.getByRole('link', { name: 'Grant admin consent' }).click();
    await page.waitForURL(/\/admin\/provider-connections\/[0-9a-f-]+#consent$/);
    await page.getByRole('button', { name: 'Grant admin consent' }).click();
    await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
    expect(await page.locator('[data-publisher]').textContent()).toContain(DEMO_MSP_APP.home.displayName);
    expect(await page.locator('.card').textContent()).toContain('Trey Research');
    await page.getByRole('button', { name: 'Accept' }).click();

    // Back in the wizard, whose verification ran again through the gate.
    await page.waitForURL(new RegExp(`/admin/onboarding/${sessionId}\\?consent=granted`));
    const run = page.locator('[data-testid="verification-status"] [data-testid="run-state"]');
    await eventually(async () => (await run.textContent()) === 'succeeded', 'the verification after consent', 30_000);
    expect(state.getApp(trey.id, DEMO_MSP_APP.clientId)).toMatchObject({ homeTenantId: DEMO_MSP_APP.home.id, consentGranted: true });
  });
});
