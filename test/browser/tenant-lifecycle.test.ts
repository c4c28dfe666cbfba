// A tenant's lifecycle in a real browser: the owner follows tenant_not_operable's next step to
// the status control, reactivates, and the same start is queued; archiving asks first and
// takes the tenant out of lists; a non-owner reads who can change it. Also the shell: the
// dark sidebar fills the page on a long page. Fixture changes are put back in `finally`.
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootConsole, clickStart, eventually, inViewport, VIEWPORT, waitIdle, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
let page: Page;

beforeAll(async () => {
  env = await bootConsole();
  ({ page } = await env.signIn('owner@contoso.example'));
});
afterAll(() => closeAll(env));

const setStatus = (slug: string, status: string) => sql`update tenants set status = ${status} where slug = ${slug}`.execute(env.runtime.database.db);
const statusBadge = (p: Page) => p.locator('.tenant .page-head h1 .badge');

describe('tenant_not_operable: litware (suspended)', () => {
  it('"Sync inventory" blocked -> "Change tenant status" lands on the control -> "Reactivate tenant" -> the same start is queued', async () => {
    try {
      await page.goto('/admin/t/litware');
      const blocked = await clickStart(page, 'Sync inventory', 'blocked');
      expect(await blocked.feedback.locator('.start-feedback-reason').textContent()).toBe(
        'This tenant is suspended, so no provider operation can start for it.',
      );
      await blocked.feedback.getByRole('link', { name: 'Change tenant status' }).click();
      await page.waitForURL(/\/admin\/t\/litware#status$/);

      // Landed on the control itself: on screen and holding the keyboard focus.
      const reactivate = page.getByTestId('tenant-status-note').getByRole('button', { name: 'Reactivate tenant' });
      await eventually(() => reactivate.evaluate((el) => el === document.activeElement), 'focus on "Reactivate tenant"');
      expect(await inViewport(reactivate)).toBe(true);
      await reactivate.click();
      await eventually(async () => (await statusBadge(page).textContent()) === 'active', 'litware to read active');
      expect(await page.getByTestId('tenant-status-note').count()).toBe(0);

      const queued = await clickStart(page, 'Sync inventory', 'queued');
      expect(queued.title).toBe('Inventory sync queued');
      await waitIdle(page, 'litware');
    } finally {
      await setStatus('litware', 'suspended');
    }
  });

  it('a non-owner reads who can change it and gets no controls', async () => {
    const { context, page: op } = await env.signIn('operator@contoso.example');
    try {
      await op.goto('/admin/t/litware#status');
      const note = op.getByTestId('tenant-status-note');
      expect(await note.textContent()).toContain('An owner of this tenant (owner@contoso.example) can reactivate it.');
      expect(await note.getByRole('button').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});

describe('suspend and rename: northwind', () => {
  it('"Suspend tenant" -> "Sync inventory" blocked -> "Reactivate tenant" -> queued; "Rename tenant" renames it; each change audited', async () => {
    const db = env.runtime.database.db;
    const { id, name } = await db.selectFrom('tenants').select(['id', 'name']).where('slug', '=', 'northwind').executeTakeFirstOrThrow();
    const since = new Date();
    try {
      await page.goto('/admin/t/northwind');
      // Suspending asks nothing: one click undoes it, unlike archiving.
      await page.getByTestId('tenant-status').getByRole('button', { name: 'Suspend tenant' }).click();
      await eventually(async () => (await statusBadge(page).textContent()) === 'suspended', 'northwind to read suspended');
      const blocked = await clickStart(page, 'Sync inventory', 'blocked');
      expect(await blocked.feedback.locator('.start-feedback-reason').textContent()).toBe(
        'This tenant is suspended, so no provider operation can start for it.',
      );
      await page.getByTestId('tenant-status-note').getByRole('button', { name: 'Reactivate tenant' }).click();
      await eventually(async () => (await statusBadge(page).textContent()) === 'active', 'northwind to read active');
      const queued = await clickStart(page, 'Sync inventory', 'queued');
      expect(queued.title).toBe('Inventory sync queued');
      await waitIdle(page, 'northwind');

      await page.getByRole('button', { name: 'Rename tenant' }).click();
      await page.getByLabel('Tenant name').fill('Northwind Renamed');
      await page.getByRole('button', { name: 'Save name' }).click();
      await eventually(async () => ((await page.locator('.tenant .page-head h1').textContent()) ?? '').startsWith('Northwind Renamed'), 'the new name');

      // Each change is audited, from what to what.
      const audit = await db
        .selectFrom('audit_log')
        .select(['action', 'details'])
        .where('tenant_id', '=', id)
        .where('action', 'in', ['tenant.status_changed', 'tenant.renamed'])
        .where('created_at', '>=', since)
        .orderBy('created_at')
        .execute();
      expect(audit).toEqual([
        { action: 'tenant.status_changed', details: { from: 'active', to: 'suspended' } },
        { action: 'tenant.status_changed', details: { from: 'suspended', to: 'active' } },
        { action: 'tenant.renamed', details: { from: name, to: 'Northwind Renamed' } },
      ]);
    } finally {
      await sql`update tenants set status = 'active', name = ${name} where slug = 'northwind'`.execute(db);
    }
  });
});

describe('archive: adatum', () => {
  it('asks first, then the tenant leaves the tenant list and the switcher; "Show archived" and "Reactivate tenant" bring it back', async () => {
    try {
      await page.goto('/admin/t/adatum');
      await page.getByRole('button', { name: 'Archive tenant' }).click();
      const confirm = page.getByRole('alertdialog');
      expect(await confirm.textContent()).toContain('Archive Adatum Corporation?');
      // Nothing happens until confirmed.
      await confirm.getByRole('button', { name: 'Keep it' }).click();
      expect(await statusBadge(page).textContent()).toBe('active');
      await page.getByRole('button', { name: 'Archive tenant' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Archive Adatum Corporation' }).click();
      await eventually(async () => (await statusBadge(page).textContent()) === 'archived', 'adatum to read archived');

      await page.goto('/admin/tenants');
      await page.getByTestId('tenants-table').waitFor();
      expect(await page.locator('[data-tenant="adatum"]').count()).toBe(0);
      // The switcher searches the tenant list: an archived tenant is not offered.
      const switcher = page.getByRole('combobox', { name: 'Tenant' });
      await switcher.fill('adatum');
      await page.getByText('No tenant matches “adatum”').waitFor();
      expect(await page.getByRole('option', { name: /Adatum/ }).count()).toBe(0);
      await switcher.press('Escape');
      // Nor by the pickers: the bulk start's tenant list and the connections page's tenant filter.
      await page.goto('/admin/bulk?type=inventory.sync');
      await page.getByLabel('Choose tenants').check();
      await page.locator('.tenant-pick-list input[data-tenant="northwind"]').waitFor();
      expect(await page.locator('.tenant-pick-list input[data-tenant="adatum"]').count()).toBe(0);
      await page.goto('/admin/provider-connections');
      const filter = page.getByLabel('Tenant', { exact: true }).and(page.locator('select'));
      await filter.locator('option', { hasText: 'Northwind' }).waitFor({ state: 'attached' });
      expect(await filter.locator('option', { hasText: 'Adatum' }).count()).toBe(0);
      await page.goto('/admin/tenants');
      await page.getByTestId('tenants-table').waitFor();
      // A click, then the row: under load the controlled checkbox can re-render after the click,
      // which check() reads as "did not change its state".
      await page.getByLabel('Show archived').click();
      await page.locator('[data-tenant="adatum"]').waitFor({ timeout: 20_000 });
      await page.locator('[data-tenant="adatum"] a', { hasText: 'Adatum Corporation' }).click();
      await page.getByTestId('tenant-status-note').getByRole('button', { name: 'Reactivate tenant' }).click();
      await eventually(async () => (await statusBadge(page).textContent()) === 'active', 'adatum to read active');
    } finally {
      await setStatus('adatum', 'active');
    }
  });
});

describe('the shell', () => {
  it('the dark sidebar fills a long page (1400×900) and its navigation stays in view at the bottom', async () => {
    await page.goto('/admin/t/northwind');
    await page.getByRole('heading', { name: 'Recent runs' }).waitFor();
    await page
      .locator('.state-loading')
      .first()
      .waitFor({ state: 'detached' })
      .catch(() => undefined);
    const scrollHeight = await page.evaluate(() => document.documentElement.scrollHeight);
    expect(scrollHeight, 'a page longer than the window').toBeGreaterThan(VIEWPORT.height);
    const sidebar = await page.locator('aside.sidebar').boundingBox();
    // scrollHeight is rounded to whole pixels, the box is not.
    expect(Math.ceil(sidebar!.height)).toBeGreaterThanOrEqual(scrollHeight);
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    expect(await inViewport(page.getByRole('navigation', { name: 'Main' }))).toBe(true);
  });
});
