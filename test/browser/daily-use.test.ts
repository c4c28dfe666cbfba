// The console for daily use: a start walked with the keyboard alone, the layout on a phone
// (390×844) and a tablet (768×1024), a tenant with 5,000 inventory items paged by the API,
// the searchable tenant switcher and "Go to…" (Ctrl+K). Every page visited here is also
// checked with axe-core (WCAG 2.2 AA) by the harness; screenshots of the narrow layouts go to
// test-results/screenshots/ (docs/screenshots/ shows the phone ones).
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiStart, bootConsole, checkA11y, clickStart, eventually, PHONE, screenshot, TABLET, waitIdle, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;

beforeAll(async () => {
  env = await bootConsole();
  // alpine gets 5,000 inventory items (a real tenant's size), written as SQL.
  const db = env.runtime.database.db;
  const alpine = await db.selectFrom('tenants').select('id').where('slug', '=', 'alpine').executeTakeFirstOrThrow();
  await sql`delete from inventory_items where tenant_id = ${alpine.id}`.execute(db);
  await sql`
    insert into inventory_items (tenant_id, kind, external_id, display_name, data, synced_at)
    select ${alpine.id}, (array['deviceConfiguration','configurationPolicy','compliancePolicy'])[1 + i % 3],
           'device-' || lpad(i::text, 5, '0'), 'Device policy ' || lpad(i::text, 5, '0'), '{}', now() - (i || ' seconds')::interval
    from generate_series(1, 5000) i`.execute(db);
});
afterAll(() => closeAll(env));

/** The element that has the keyboard focus, described for assertions. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      tag: el?.tagName ?? '',
      text: (el?.textContent ?? '').trim(),
      testid: el?.getAttribute('data-testid') ?? '',
      inFeedback: !!el?.closest('[data-testid="start-feedback"]'),
    };
  });

describe('keyboard only', () => {
  it('Tab to "Sync inventory", Enter: the outcome is announced (aria-live) and takes the focus; Tab goes on into it', async () => {
    const { page, context } = await env.signIn('owner@contoso.example');
    await page.goto('/admin/t/northwind');
    const button = page.getByRole('button', { name: 'Sync inventory', exact: true });
    await button.waitFor();
    // The outcome region is on the page, empty, before anything is started.
    const region = page.locator('[data-testid="start-outcome"]').first();
    expect(await region.getAttribute('role')).toBe('status');
    expect(await region.getAttribute('aria-live')).toBe('polite');
    expect((await region.textContent())?.trim()).toBe('');
    const regionHandle = await region.elementHandle();

    let presses = 0;
    while (!(await button.evaluate((b) => b === document.activeElement))) {
      await page.keyboard.press('Tab');
      if (++presses > 80) throw new Error(`"Sync inventory" was not reached with Tab; the focus is on ${JSON.stringify(await focused(page))}`);
    }
    await page.keyboard.press('Enter');
    const feedback = page.locator('[data-testid="start-feedback"][data-outcome="accepted"]');
    await feedback.waitFor();
    // Announced: the answer is inside the live region that was there before the start.
    expect(await regionHandle!.evaluate((r) => !!r.querySelector('[data-testid="start-feedback"]'))).toBe(true);
    expect(await region.textContent()).toContain('queued');
    // Focusable, and focused: the answer (named by its title) holds the focus now.
    await eventually(async () => (await focused(page)).testid === 'start-feedback', 'the answer to take the focus');
    expect(await feedback.getAttribute('aria-labelledby')).toBeTruthy();
    await page.keyboard.press('Tab');
    const next = await focused(page);
    expect(next.inFeedback, `Tab after the answer lands in it (${JSON.stringify(next)})`).toBe(true);
    await waitIdle(page, 'northwind');
    await context.close();
  });
});

describe('narrow screens', () => {
  for (const [name, viewport] of [
    ['phone', PHONE],
    ['tablet', TABLET],
  ] as const) {
    it(`${name} (${viewport.width}×${viewport.height}): a menu button instead of the sidebar, no page wider than the screen, starts and their outcome readable`, async () => {
      const { page, context } = await env.signIn('owner@contoso.example', { viewport });
      const noSideways = async (what: string) => {
        const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
        expect(scroll, `${what}: the page is no wider than the screen`).toBeLessThanOrEqual(width);
      };
      const inside = async (what: string, locator: ReturnType<Page['locator']>) => {
        const box = await locator.boundingBox();
        expect(box, what).not.toBeNull();
        expect(box!.x, `${what} starts on screen`).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width, `${what} ends on screen`).toBeLessThanOrEqual(viewport.width + 0.5);
      };

      await page.goto('/admin/tenants');
      await page.getByTestId('tenants-table').waitFor();
      await noSideways('tenants');
      await screenshot(page, `${name}-tenants`);

      // The sidebar is a menu: closed, then opened by its button, closed again by Escape.
      const menu = page.getByRole('button', { name: 'Menu' });
      const nav = page.getByRole('navigation', { name: 'Main' });
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      expect(await nav.isVisible()).toBe(false);
      await menu.click();
      expect(await menu.getAttribute('aria-expanded')).toBe('true');
      await nav.waitFor({ state: 'visible' });
      expect(await page.evaluate(() => document.activeElement?.closest('nav')?.getAttribute('aria-label'))).toBe('Main');
      await checkA11y(page, `menu open at ${viewport.width}px`);
      await screenshot(page, `${name}-menu`);
      await page.keyboard.press('Escape');
      await nav.waitFor({ state: 'hidden' });
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      expect(await menu.evaluate((b) => b === document.activeElement)).toBe(true);
      // Following a link closes it.
      await menu.click();
      await nav.getByRole('link', { name: 'Operations' }).click();
      await page.waitForURL(/\/admin\/operations$/);
      await nav.waitFor({ state: 'hidden' });
      await page.getByTestId('runs-table').or(page.getByText('No runs yet')).first().waitFor();
      await noSideways('operations');

      // A start and its outcome stay readable.
      await page.goto('/admin/t/northwind');
      const start = page.getByRole('button', { name: 'Sync inventory', exact: true });
      await start.waitFor();
      await inside('"Sync inventory"', start);
      await noSideways('tenant page');
      const { feedback } = await clickStart(page, 'Sync inventory', 'queued');
      await inside('the outcome', feedback);
      await inside('the outcome title', feedback.locator('.start-feedback-title'));
      await noSideways('tenant page with an outcome');
      await screenshot(page, `${name}-tenant-start`);
      await waitIdle(page, 'northwind');

      // A long list: stacked rows on a phone, a table on a tablet; never wider than the screen.
      await page.goto('/admin/t/alpine/inventory');
      const table = page.getByTestId('inventory-table');
      await table.locator('tbody tr').first().waitFor();
      await noSideways('inventory');
      const display = await table
        .locator('tbody tr')
        .first()
        .evaluate((tr) => getComputedStyle(tr).display);
      expect(display).toBe(viewport.width < 640 ? 'block' : 'table-row');
      await inside('an inventory row', table.locator('tbody tr').first());
      await screenshot(page, `${name}-inventory`);

      await page.goto('/admin/t/woodgrove');
      await clickStart(page, 'Sync inventory', 'blocked');
      const blocked = page.locator('[data-testid="start-feedback"][data-outcome="blocked"]');
      await inside('the blocked outcome', blocked);
      await inside('its next step', blocked.locator('.next-step-link').first());
      await noSideways('blocked outcome');
      await screenshot(page, `${name}-tenant-blocked`);
      await context.close();
    });
  }
});

describe('long lists', () => {
  it('a tenant with 5,000 inventory items: opening its inventory fetches one page of 50, then pages, sorts and searches on the server', async () => {
    // How fast that first page shows is measured by `npm run bench -- --console` (docs/BENCHMARKS.md):
    // timing belongs in the benchmark, where a baseline of the same rounds absorbs the machine's load.
    // Here, what makes it fast: opened directly, the page asks the API for one page, not the list.
    const { page, context } = await env.signIn('readonly@contoso.example');
    const isInventory = (url: string) => new URL(url).pathname === '/api/tenants/alpine/inventory';
    const asked: string[] = [];
    page.on('request', (req) => {
      if (isInventory(req.url())) asked.push(new URL(req.url()).search);
    });
    const answered = page.waitForResponse((res) => isInventory(res.url()));
    await page.goto('/admin/t/alpine/inventory');
    await page.getByTestId('pager-status').getByText('1–50 of 5,000 items').waitFor();
    expect(asked).toEqual(['?limit=50']);
    const firstPage = (await (await answered).json()) as { items: unknown[]; total: number; next: string | null };
    expect(firstPage.items).toHaveLength(50);
    expect(firstPage.total).toBe(5000);
    expect(firstPage.next).toBeTruthy();

    const rows = page.getByTestId('inventory-table').locator('tbody tr');
    expect(await rows.count()).toBe(50);
    const status = page.getByTestId('pager-status');
    expect(await status.textContent()).toBe('1–50 of 5,000 items');
    await page
      .getByRole('heading', { name: /^Items/ })
      .getByText('5,000')
      .waitFor();
    const firstName = await rows.first().locator('th').textContent();
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('51–100 of 5,000 items').waitFor();
    expect(await rows.first().locator('th').textContent()).not.toBe(firstName);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByText('1–50 of 5,000 items').waitFor();
    expect(await rows.first().locator('th').textContent()).toBe(firstName);

    // Sorted by name, descending: the server's order, the header says so.
    const nameHeader = page.getByRole('columnheader', { name: /Name/ });
    await nameHeader.getByRole('button').click();
    await page.waitForURL(/sort=name/);
    await nameHeader.getByRole('button').click();
    await page.waitForURL(/sort=-name/);
    expect(await nameHeader.getAttribute('aria-sort')).toBe('descending');
    await eventually(async () => (await rows.first().locator('th').textContent()) === 'Device policy 05000', 'the last name first');

    // Search: counted on the server, kept in the address; nothing found says so.
    await page.getByLabel('Search items').fill('policy 0499');
    await page.getByText('1–10 of 10 items matching “policy 0499”').waitFor();
    expect(page.url()).toContain('q=policy+0499');
    await page.getByLabel('Search items').fill('no such policy');
    await page.getByText('No items match “no such policy”').waitFor();
    await checkA11y(page, 'inventory with nothing found');
    await page.getByRole('button', { name: 'Clear the search' }).click();
    await page.getByText('1–50 of 5,000 items').waitFor();
    await context.close();
  });
});

describe('finding things fast', () => {
  it('the tenant switcher searches by name or slug and keeps the section', async () => {
    const { page, context } = await env.signIn('owner@contoso.example');
    await page.goto('/admin/t/northwind/inventory');
    const switcher = page.getByRole('combobox', { name: 'Tenant' });
    await switcher.click();
    await switcher.fill('contoso');
    const option = page.getByRole('option', { name: /Contoso Lab/ });
    await option.waitFor();
    await checkA11y(page, 'tenant switcher open');
    // The first tenant found is the one Enter opens; the arrows move from there.
    expect(await option.getAttribute('aria-selected')).toBe('true');
    await switcher.press('ArrowUp');
    expect(await page.getByRole('option', { name: 'All tenants' }).getAttribute('aria-selected')).toBe('true');
    await switcher.press('ArrowDown');
    await switcher.press('Enter');
    await page.waitForURL(/\/admin\/t\/contoso-lab\/inventory$/);
    await eventually(async () => (await switcher.inputValue()) === 'Contoso Lab', 'the switcher to show the tenant');
    await context.close();
  });

  it('Ctrl+K: a tenant by name or slug, a run by its id, a page; Escape gives the focus back', async () => {
    const { page, context } = await env.signIn('owner@contoso.example');
    const run = await apiStart(page, 'alpine', { type: 'directory_role_definitions.sync' });
    await page.goto('/admin/tenants');
    await page.getByTestId('tenants-table').waitFor();

    const search = page.getByLabel('Search tenants');
    await search.focus();
    await page.keyboard.press('Control+k');
    const dialog = page.getByRole('dialog', { name: 'Go to a tenant, a run or a page' });
    await dialog.waitFor();
    const field = dialog.getByRole('combobox');
    expect(await field.evaluate((f) => f === document.activeElement)).toBe(true);
    await field.fill('tailsp');
    await dialog.getByRole('option', { name: /Tailspin/ }).waitFor();
    await checkA11y(page, 'Go to… with results');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/t\/tailspin$/);
    expect(await dialog.count()).toBe(0);

    await page.keyboard.press('Control+k');
    await field.fill(`  ${run.run!.id} `);
    await dialog.getByRole('option', { name: `Open run ${run.run!.id}` }).waitFor();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/admin/operations/${run.run!.id}$`));

    await page.keyboard.press('Control+k');
    await field.fill('audit');
    await dialog.getByRole('option', { name: 'Audit log' }).waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await waitIdle(page, 'alpine');
    await context.close();
  });
});
