// The blocked reasons not walked elsewhere, in a real browser: start -> blocked -> follow the
// next step -> fix -> the same start is queued (permission missing, credentials missing), the
// explanation of a tenant's state and who may change it (not operable), and scope busy's
// holding run with its live progress and expected wait.
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { bootConsole, clickStart, connectionId, eventually, inFirstViewport, waitIdle, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
let page: Page;

beforeAll(async () => {
  env = await bootConsole();
  ({ page } = await env.signIn('owner@contoso.example'));
});
afterAll(() => closeAll(env));

describe('provider_permission_missing: alpine', () => {
  it('"Sync groups" blocked -> "Grant the missing permissions" -> consent with Group.Read.All -> "Sync groups" queued', async () => {
    await page.goto('/admin/t/alpine/groups');
    const blocked = await clickStart(page, 'Sync groups', 'blocked');
    expect(await blocked.feedback.locator('.start-feedback-reason').textContent()).toBe('The connection lacks the Graph permission Group.Read.All.');
    await blocked.feedback.getByRole('link', { name: 'Grant the missing permissions' }).click();
    await page.waitForURL(/\/admin\/provider-connections\/[0-9a-f-]+#permissions$/);
    // The page lists what each feature needs and what is missing.
    const permissions = page.locator('.permissions-table');
    await eventually(async () => (await permissions.textContent())?.includes('Group.Read.All'), 'the permissions table');
    await page.getByRole('button', { name: 'Grant the missing permissions' }).click();
    await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
    await page.getByRole('checkbox', { name: /Group\.Read\.All/ }).check();
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.waitForURL(/\?consent=granted/);
    await eventually(
      async () => (await page.getByTestId('consent-result').textContent())?.includes('Tenant verification succeeded'),
      'the verification',
      20_000,
    );
    await page.goto('/admin/t/alpine/groups');
    const queued = await clickStart(page, 'Sync groups', 'queued');
    expect(queued.title).toBe('Group sync queued');
    await waitIdle(page, 'alpine');
  });
});

describe('provider_credentials_missing: contoso-lab', () => {
  it('"Sync inventory" blocked -> "Add a client secret" -> the secret is stored (write-only) -> "Sync inventory" queued', async () => {
    // The connection lost its stored secret (no demo tenant starts that way).
    const lab = DEMO_WORKSPACES.flatMap((w) => w.tenants).find((t) => t.slug === 'contoso-lab')!;
    await sql`update provider_connections c set secret_ciphertext = null
                from tenants t where t.id = c.tenant_id and t.slug = 'contoso-lab' and c.is_default`.execute(env.runtime.database.db);
    await page.goto('/admin/t/contoso-lab');
    const blocked = await clickStart(page, 'Sync inventory', 'blocked');
    expect(await blocked.feedback.locator('.start-feedback-reason').textContent()).toBe('The provider connection has no client secret or certificate.');
    await blocked.feedback.getByRole('link', { name: 'Add a client secret' }).click();
    await page.waitForURL(/\/admin\/provider-connections\/[0-9a-f-]+#credentials$/);
    // The customer's admin issues a secret for the app in the (sandbox) cloud; the operator pastes it in.
    const expires = new Date(Date.now() + 180 * 86_400_000);
    env.runtime.sandbox!.state.updateApp(lab.entraTenantId, lab.connections[0]!.clientId, {
      secret: 'contoso-lab-new-secret',
      secretExpiresAt: expires.toISOString(),
    });
    const secret = page.getByLabel('New client secret');
    expect(await secret.getAttribute('type')).toBe('password');
    await secret.fill('contoso-lab-new-secret');
    await page.getByLabel('Secret expires on').fill(expires.toISOString().slice(0, 10));
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByText('Client secret rotated.').waitFor();
    expect(await page.content()).not.toContain('contoso-lab-new-secret');
    await page.goto('/admin/t/contoso-lab');
    const queued = await clickStart(page, 'Sync inventory', 'queued');
    expect(queued.title).toBe('Inventory sync queued');
    await waitIdle(page, 'contoso-lab');
    const runs = (await (await page.request.get('/api/operations?tenant=contoso-lab&limit=1')).json()) as { items: { outcome: string }[] };
    expect(runs.items[0]!.outcome).toBe('succeeded');
  });
});

describe('tenant_not_operable: litware', () => {
  it('the next step opens the tenant page, which explains the state and who may change it', async () => {
    await page.goto('/admin/t/litware');
    const blocked = await clickStart(page, 'Sync inventory', 'blocked');
    expect(await blocked.feedback.locator('.start-feedback-reason').textContent()).toBe('This tenant is suspended, so no provider operation can start for it.');
    await blocked.feedback.getByRole('link', { name: 'Change tenant status' }).click();
    await page.waitForURL(/\/admin\/t\/litware#status$/);
    const note = page.getByTestId('tenant-status-note');
    expect(await note.textContent()).toContain('An owner of this tenant (owner@contoso.example) can reactivate it.');
    expect(await inFirstViewport(page, note)).toBe(true);
  });
});

describe('scope_busy: northwind', () => {
  it('"View the running operation" shows the holding run progressing live; afterwards the start is queued', async () => {
    // History first, so the expected wait can be told. Both starts live on the connection page.
    const id = await connectionId(page, 'northwind');
    await page.goto(`/admin/provider-connections/${id}`);
    await clickStart(page, 'Sync inventory', 'queued');
    await waitIdle(page, 'northwind');
    env.setLatency(700);
    try {
      await page.reload();
      await clickStart(page, 'Sync inventory', 'queued');
      const busy = await clickStart(page, 'Take compliance snapshot', 'scope busy');
      expect(await busy.feedback.locator('.start-feedback-reason').textContent()).toMatch(
        /^Another operation \(Inventory sync\) is using this provider connection\. It should finish in about \d+ s\.$/,
      );
      await busy.feedback.getByRole('link', { name: 'View the running operation' }).click();
      await page.waitForURL(/\/admin\/operations\/[0-9a-f-]+$/);
      // Live: the page moves on to completed without a reload.
      await eventually(async () => (await page.locator('body').textContent())?.match(/Inventory sync (queued|running)/), 'the holding run in progress');
      env.setLatency(0);
      await eventually(async () => (await page.locator('body').textContent())?.includes('Inventory sync succeeded'), 'the holding run to complete', 30_000);
    } finally {
      env.setLatency(0);
    }
    await page.goto(`/admin/provider-connections/${id}`);
    expect((await clickStart(page, 'Take compliance snapshot', 'queued')).title).toBe('Compliance snapshot queued');
    await waitIdle(page, 'northwind');
  });
});
