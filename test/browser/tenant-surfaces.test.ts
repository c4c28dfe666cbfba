// The tenant surfaces in a real browser: the tenant page, groups and role definitions, and
// monitoring. Every start shows the one StartFeedback with the public wording; a blocked
// start's reason and next step are on screen without scrolling; runs update live.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUSY_INVENTORY, apiStart, bootConsole, clickStart, eventually, getRun, inFirstViewport, waitIdle, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
let page: Page;

beforeAll(async () => {
  env = await bootConsole();
  ({ page } = await env.signIn('owner@contoso.example'));
});
afterAll(() => closeAll(env));
// A failed test must not leave the sandbox slow for the next one.
afterEach(() => env.setLatency(0));

const RUN_URL = /^\/admin\/operations\/[0-9a-f-]{36}$/;

describe('tenant page /admin/t/{slug}', () => {
  it('answers queued, already running and scope busy on northwind, in the presenter’s words', async () => {
    env.setLatency(1500);
    await page.goto('/admin/t/northwind');
    await page.getByRole('heading', { name: /Northwind Traders/ }).waitFor();

    const queued = await clickStart(page, 'Sync inventory', 'queued');
    expect(queued.title).toBe('Inventory sync queued');
    const runHref = await queued.feedback.getByRole('link', { name: 'View run' }).getAttribute('href');
    expect(runHref).toMatch(RUN_URL);
    expect(await queued.feedback.textContent()).toContain('Connection: Primary');

    const again = await clickStart(page, 'Sync inventory', 'already running');
    expect(again.title).toBe('Inventory sync already running');
    // The deduped answer points to the run the first click queued.
    expect(await again.feedback.getByRole('link', { name: 'View run' }).getAttribute('href')).toBe(runHref);

    const busy = await clickStart(page, 'Sync groups', 'scope busy');
    expect(busy.title).toContain('scope busy');
    expect(await busy.feedback.locator('.start-feedback-reason').textContent()).toMatch(BUSY_INVENTORY);
    expect(await busy.feedback.getByRole('link', { name: 'View the running operation' }).getAttribute('href')).toBe(runHref);

    // While the sync runs, the other buttons say so before anyone clicks.
    const hint = page.locator('[data-testid="start-item"][data-action="Sync role definitions"]');
    await eventually(async () => (await hint.getAttribute('data-would-be')) === 'scope_busy', 'the preflight hint to say scope busy');
    expect(await hint.textContent()).toContain('scope busy');

    env.setLatency(0);
    await waitIdle(page, 'northwind');
  });

  it('answers blocked on woodgrove with the reason and next step in the first viewport, and the next step opens the fix', async () => {
    await page.goto('/admin/t/woodgrove');
    // Before the click, the preflight already says what would happen.
    const item = page.locator('[data-testid="start-item"][data-action="Sync inventory"]');
    await eventually(async () => (await item.getAttribute('data-would-be')) === 'blocked', 'the preflight hint');
    expect(await item.locator('[data-testid="preflight-hint"]').textContent()).toContain('Admin consent has not been granted for this connection.');

    const blocked = await clickStart(page, 'Sync inventory', 'blocked');
    expect(blocked.title).toBe('Inventory sync blocked');
    const reason = blocked.feedback.locator('.start-feedback-reason');
    expect(await reason.textContent()).toBe('Admin consent has not been granted for this connection.');
    const step = blocked.feedback.getByRole('link', { name: 'Grant admin consent' });
    expect(await inFirstViewport(page, reason)).toBe(true);
    expect(await inFirstViewport(page, step)).toBe(true);
    // The recorded blocked run is linked; it was never queued.
    const runHref = await blocked.feedback.getByRole('link', { name: 'View run' }).getAttribute('href');
    expect(runHref).toMatch(RUN_URL);
    const run = await getRun(page, runHref!.split('/').pop()!);
    expect([run.status, run.outcome]).toEqual(['completed', 'blocked']);

    await step.click();
    await page.waitForURL(/\/admin\/provider-connections\/[0-9a-f-]{36}#consent$/);
    await page.getByRole('heading', { name: 'Readiness' }).waitFor();
    expect(await page.locator('#consent').textContent()).toContain('Admin consent missing');
    expect(await page.locator('.eyebrow').first().textContent()).toContain('Woodgrove Bank');
  });
});

describe('groups and role definitions /admin/t/{slug}/groups', () => {
  it('answers scope busy, queued and already running on northwind, and the list fills in live', async () => {
    env.setLatency(1500);
    const holder = await apiStart(page, 'northwind', { type: 'inventory.sync' });
    expect(holder.outcome).toBe('accepted');
    await page.goto('/admin/t/northwind/groups');
    await page.getByRole('heading', { name: 'Entra groups' }).waitFor();
    await page.getByText('No groups synced yet').waitFor();

    const busy = await clickStart(page, 'Sync groups', 'scope busy');
    expect(busy.title).toBe('Group sync: scope busy');
    env.setLatency(0);
    await waitIdle(page, 'northwind');

    env.setLatency(1500);
    const queued = await clickStart(page, 'Sync groups', 'queued');
    expect(queued.title).toBe('Group sync queued');
    const again = await clickStart(page, 'Sync groups', 'already running');
    expect(again.title).toBe('Group sync already running');
    env.setLatency(0);
    // No reload: the page follows the run and reloads the groups when it completes.
    await eventually(async () => (await page.locator('table tbody tr').count()) > 0, 'the synced groups to appear', 20_000);
    expect(await page.getByText('No groups synced yet').count()).toBe(0);
    await waitIdle(page, 'northwind');
  });

  it('answers blocked on alpine naming the missing permission, linking to the permissions', async () => {
    await page.goto('/admin/t/alpine/groups');
    const blocked = await clickStart(page, 'Sync groups', 'blocked');
    expect(blocked.title).toBe('Group sync blocked');
    const reason = blocked.feedback.locator('.start-feedback-reason');
    expect(await reason.textContent()).toBe('The connection lacks the Graph permission Group.Read.All.');
    const step = blocked.feedback.getByRole('link', { name: 'Grant the missing permissions' });
    expect(await inFirstViewport(page, reason)).toBe(true);
    expect(await inFirstViewport(page, step)).toBe(true);
    await step.click();
    await page.waitForURL(/#permissions$/);
    await page.getByRole('heading', { name: 'Permissions by feature' }).waitFor();
    expect(await page.locator('.perm-missing').allTextContents()).toEqual([expect.stringContaining('Group.Read.All')]);
  });

  it('"Sync role definitions" uses the same button and answer on its sub-route', async () => {
    await page.goto('/admin/t/northwind/role-definitions');
    const queued = await clickStart(page, 'Sync role definitions', 'queued');
    expect(queued.title).toBe('Role definitions sync queued');
    await eventually(async () => (await page.locator('table tbody tr').count()) > 0, 'role definitions to appear', 45_000);
    await waitIdle(page, 'northwind', 45_000);
  });
});

describe('monitoring /admin/operations', () => {
  it('keeps the tenant filter in the URL when opened from a tenant', async () => {
    await page.goto('/admin/t/northwind');
    await page.getByRole('link', { name: 'All runs in monitoring →' }).click();
    await page.waitForURL(/\/admin\/operations\?tenant=northwind$/);
    await page.locator('[data-testid="runs-table"]').waitFor();
    expect(await page.locator('#f-tenant').inputValue()).toBe('northwind');
    const tenants = await page.locator('[data-testid="runs-table"] tbody tr td:nth-child(2)').allTextContents();
    expect(tenants.length).toBeGreaterThan(0);
    expect(new Set(tenants)).toEqual(new Set(['Northwind Traders']));
    // Another filter joins the tenant one in the URL.
    await page.getByLabel('Outcome').selectOption('succeeded');
    await page.waitForURL(/tenant=northwind&outcome=succeeded|outcome=succeeded&tenant=northwind/);
  });

  it('shows a blocked start as blocked — prevented from starting — with the start’s reason and next step', async () => {
    await page.goto('/admin/operations?tenant=woodgrove&outcome=blocked');
    const row = page.locator('[data-testid="runs-table"] tbody tr').first();
    await row.waitFor();
    expect(await row.textContent()).toContain('blocked');
    expect(await row.textContent()).toContain('never queued');
    expect(await row.textContent()).toContain('Admin consent has not been granted for this connection.');
    await row.getByRole('link', { name: 'Inventory sync' }).click();
    await page.getByRole('heading', { name: 'Inventory sync blocked' }).waitFor();
    const message = page.locator('.run-reason-message');
    expect(await message.textContent()).toBe('Admin consent has not been granted for this connection.');
    expect(await inFirstViewport(page, message)).toBe(true);
    expect(await inFirstViewport(page, page.locator('.run-reason').getByRole('link', { name: 'Grant admin consent' }))).toBe(true);
    expect(await page.locator('details.diagnostics').getAttribute('open')).toBeNull();
  });

  it('follows a run from queued to completed without a reload, and the bell announces it', async () => {
    env.setLatency(1000);
    await page.goto('/admin/t/northwind');
    const queued = await clickStart(page, 'Verify tenant', 'queued');
    expect(queued.title).toBe('Tenant verification queued');
    await queued.feedback.getByRole('link', { name: 'View run' }).click();
    const detail = page.locator('.run-detail');
    await detail.waitFor();
    const seen: string[] = [];
    await eventually(
      async () => {
        const s = await detail.getAttribute('data-run-status');
        if (s && seen[seen.length - 1] !== s) seen.push(s);
        return s === 'completed';
      },
      'the run to complete on screen',
      20_000,
    );
    expect(seen[0]).not.toBe('completed');
    expect(seen[seen.length - 1]).toBe('completed');
    await page.getByRole('heading', { name: 'Tenant verification succeeded' }).waitFor();
    env.setLatency(0);

    // The bell picks up the terminal notification by itself.
    await eventually(async () => Number((await page.getByTestId('bell-count').textContent({ timeout: 500 })) ?? 0) > 0, 'the bell count', 10_000);
    await page.getByTestId('bell').click();
    const panel = page.getByRole('region', { name: 'Notifications' });
    await eventually(async () => (await panel.textContent())?.includes('Tenant verification succeeded'), 'the notification in the bell');
  });
});
