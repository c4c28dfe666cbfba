// Walks every console surface as the demo owner, fails on any uncaught script error, and
// writes a 1400×900 screenshot of each to test-results/screenshots/ (docs/screenshots/ with OPSGATE_SCREENSHOTS=docs/screenshots) for
// the README.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiStart, bootConsole, clickStart, connectionId, eventually, screenshot, SCREENSHOT_DIR, VIEWPORT, waitIdle, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  env = await bootConsole();
  ({ page } = await env.signIn('owner@contoso.example'));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
});
afterAll(() => closeAll(env));

const shot = screenshot;

// A test that slows the cloud puts it back even when it fails (the surfaces after the first run without latency).
afterEach(() => env.setLatency(0));

describe('every surface renders, with a screenshot of each', () => {
  it('sign-in', async () => {
    const context = await env.browser.newContext({ viewport: VIEWPORT, baseURL: env.url });
    const p = await context.newPage();
    p.on('pageerror', (e) => pageErrors.push(e.message));
    await p.goto('/login');
    await p.getByLabel('Email').fill('owner@contoso.example');
    await shot(p, 'login');
    await context.close();
  });

  it('tenants, tenant page with a blocked and a queued start, connections while a run holds the scope', async () => {
    env.setLatency(0);
    // A little history for monitoring and the bell.
    for (const type of ['inventory.sync', 'entra_group_sync', 'directory_role_definitions.sync']) {
      expect((await apiStart(page, 'northwind', { type })).outcome).toBe('accepted');
      await waitIdle(page, 'northwind');
    }
    await page.goto('/admin/t/woodgrove');
    await clickStart(page, 'Sync inventory', 'blocked');
    await shot(page, 'tenant-blocked');

    env.setLatency(1500);
    await page.goto('/admin/t/northwind');
    await clickStart(page, 'Sync inventory', 'queued');
    await eventually(
      async () => (await page.locator('[data-testid="start-item"][data-action="Sync groups"]').getAttribute('data-would-be')) === 'scope_busy',
      'hints',
    );
    await shot(page, 'tenant');

    await page.goto('/admin/tenants');
    await page.locator('[data-testid="tenants-table"]').waitFor();
    await eventually(async () => (await page.locator('tr[data-tenant="northwind"]').textContent())?.includes('Inventory sync'), 'the active run');
    await shot(page, 'tenants');

    await page.goto(`/admin/provider-connections/${await connectionId(page, 'northwind')}`);
    await clickStart(page, 'Take compliance snapshot', 'scope busy');
    await shot(page, 'connection');

    await page.goto('/admin/provider-connections');
    await page.locator('[data-testid="connections-table"]').waitFor();
    await page.locator('[data-would-be="blocked"]').first().waitFor();
    await shot(page, 'connections');
    env.setLatency(0);
    await waitIdle(page, 'northwind');
  });

  it('groups (role definitions and inventory are the same layout)', async () => {
    for (const sub of ['role-definitions', 'inventory', 'groups']) {
      await page.goto(`/admin/t/northwind/${sub}`);
      await page.locator('table tbody tr').first().waitFor();
    }
    await shot(page, 'groups');
  });

  it('restore preview and confirmation', async () => {
    const { items } = (await (await page.request.get('/api/tenants/northwind/restore-runs')).json()) as { items: { id: string }[] };
    await page.goto(`/admin/t/northwind/restore-runs/${items[0]!.id}`);
    await page.locator('[data-testid="restore-preview"]').waitFor();
    await page.getByLabel(/Type the restore run’s name/).fill('Baseline device configurations');
    env.setLatency(800);
    await clickStart(page, 'Execute restore', 'queued');
    await shot(page, 'restore');
    env.setLatency(0);
    await waitIdle(page, 'northwind');
  });

  it('monitoring list and run details', async () => {
    await page.goto('/admin/operations');
    await page.locator('[data-testid="runs-table"]').waitFor();
    await shot(page, 'operations');

    const runs = (await (await page.request.get('/api/operations?tenant=northwind&type=restore.execute')).json()) as { items: { id: string }[] };
    await page.goto(`/admin/operations/${runs.items[0]!.id}`);
    await page.locator('[data-testid="summary-counts"]').waitFor();
    await shot(page, 'run-detail');

    const blocked = (await (await page.request.get('/api/operations?tenant=woodgrove&outcome=blocked')).json()) as { items: { id: string }[] };
    await page.goto(`/admin/operations/${blocked.items[0]!.id}`);
    await page.getByRole('heading', { name: 'Inventory sync blocked' }).waitFor();
    await shot(page, 'run-detail-blocked');
  });

  it('notifications', async () => {
    await page.goto('/admin/operations?tenant=northwind');
    await page.getByTestId('bell-count').waitFor();
    await page.getByTestId('bell').click();
    await page.getByRole('region', { name: 'Notifications' }).locator('.bell-item').first().waitFor();
    await shot(page, 'notifications');
  });

  it('onboarding', async () => {
    await page.goto('/admin/onboarding');
    await page.getByRole('heading', { name: 'Onboarding', exact: true }).waitFor();
    await shot(page, 'onboarding');
  });

  it('not found (a tenant of another workspace)', async () => {
    const outsider = await env.signIn('outsider@fabrikam.example');
    outsider.page.on('pageerror', (e) => pageErrors.push(e.message));
    await outsider.page.goto('/admin/t/northwind');
    await outsider.page.getByTestId('not-found').waitFor();
    await shot(outsider.page, 'not-found');
    await outsider.context.close();
  });

  it('raised no script errors on any surface', () => {
    expect(pageErrors).toEqual([]);
  });
});
