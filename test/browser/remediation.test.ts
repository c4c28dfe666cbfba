// The blocked reasons not walked elsewhere, in a real browser: start -> blocked -> follow the
// next step -> fix -> the same start is queued (permission missing), the explanation of a
// tenant's state and who may change it (not operable), and scope busy's holding run with
// its live progress and expected wait.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootConsole, clickStart, connectionId, eventually, inFirstViewport, waitIdle, type ConsoleEnv } from './harness.ts';

let env: ConsoleEnv;
let page: Page;

beforeAll(async () => {
  env = await bootConsole();
  ({ page } = await env.signIn('owner@contoso.example'));
});
afterAll(async () => env?.close());

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
    await eventually(async () => (await page.getByTestId('consent-result').textContent())?.includes('Tenant verification succeeded'), 'the verification', 20_000);
    await page.goto('/admin/t/alpine/groups');
    const queued = await clickStart(page, 'Sync groups', 'queued');
    expect(queued.title).toBe('Group sync queued');
    await waitIdle(page, 'alpine');
  });
});

describe('tenant_not_operable: litware', () => {
  it('the next step opens the tenant page, which explains the state and who may change it', async () => {
    await page.goto('/admin/t/litware');
    const blocked = await clickStart(page, 'Sync inventory', 'blocked');
    expect(await blocked.feedback.locator('.start-feedback-reason').textContent()).toBe('This tenant is suspended, so no provider operation can start for it.');
    await blocked.feedback.getByRole('link', { name: 'Review tenant status' }).click();
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
      expect(await busy.feedback.locator('.start-feedback-reason').textContent()).toMatch(/^Another operation \(Inventory sync\) is using this provider connection\. It should finish in about \d+ s\.$/);
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
