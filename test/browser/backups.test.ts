// Backups in a real browser: an owner captures a backup of northwind, picks two of its items
// on the tenant's backups page, creates a restore run from them, lands on its preview and
// executes it with the typed confirmation — the whole way through the same start button.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootConsole, clickStart, eventually, startButton, waitEnabled, waitIdle, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
let page: Page;

beforeAll(async () => {
  env = await bootConsole();
  ({ page } = await env.signIn('owner@contoso.example'));
});
afterAll(() => closeAll(env));

const itemCount = async () => Number((await page.locator('#backup-items-title .count').textContent()) ?? 0);

describe('capture → create restore run → execute', () => {
  it('an owner captures northwind, picks two items, creates a restore run and lands on its preview', async () => {
    await page.goto('/admin/t/northwind');
    const queued = await clickStart(page, 'Capture backup', 'queued');
    expect(queued.title).toBe('Backup capture queued');

    await page.getByRole('link', { name: 'Backups →' }).click();
    await page.waitForURL(/\/admin\/t\/northwind\/backups$/);
    await page.getByRole('heading', { name: /^Backup items/ }).waitFor();
    // The seed's 4 items, then the capture's 250 once its run completes (the page follows it).
    // The items are written before the run ends, so its status may still read "running" then.
    await eventually(async () => (await itemCount()) === 254, 'the captured items', 20_000);
    await eventually(async () => ((await page.getByText('Last backup capture:').textContent()) ?? '').includes('succeeded'), 'the capture succeeded', 20_000);
    expect(await page.locator('[data-testid="backup-items"] tbody tr:not(:has(th))').count()).toBe(100);

    const create = page.getByRole('button', { name: 'Create restore run' });
    expect(await create.isDisabled()).toBe(true);
    const rows = page.locator('[data-testid="backup-items"] tbody tr:has(input[type="checkbox"])');
    const names = [(await rows.nth(3).locator('td').nth(1).textContent())!, (await rows.nth(0).locator('td').nth(1).textContent())!];
    // Picked in this order: the restore writes them in this order.
    await rows.nth(3).getByRole('checkbox').check();
    await rows.nth(0).getByRole('checkbox').check();
    expect(await page.getByTestId('restore-selection').textContent()).toMatch(/^2 items selected/);

    // A selection survives paging.
    await page.getByRole('button', { name: 'Older' }).click();
    await page.getByText('101–200 of 254').waitFor();
    await page.getByRole('button', { name: 'Newer' }).click();
    await page.getByText('1–100 of 254').waitFor();
    expect(await page.getByTestId('restore-selection').textContent()).toMatch(/^2 items selected/);

    await page.getByLabel('Restore run name').fill('Two from today');
    await waitEnabled(create, 2000);
    await create.click();

    await page.waitForURL(/\/admin\/t\/northwind\/restore-runs\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: 'What will be written' }).waitFor();
    await page.getByRole('heading', { name: 'Two from today' }).waitFor();
    const preview = page.locator('[data-testid="restore-preview"] tbody tr');
    expect(await preview.count()).toBe(2);
    expect(await preview.nth(0).locator('td').nth(1).textContent()).toBe(names[0]);
    expect(await preview.nth(1).locator('td').nth(1).textContent()).toBe(names[1]);

    // Executing needs the name typed again, then it is an ordinary start.
    const execute = startButton(page, 'Execute restore');
    expect(await execute.isDisabled()).toBe(true);
    await page.getByLabel(/Type the restore run’s name/).fill('Two from today');
    await waitEnabled(execute, 2000);
    const restore = await clickStart(page, 'Execute restore', 'queued');
    expect(restore.title).toBe('Restore queued');
    // Both configurations still exist in the tenant: the restore updates them.
    await eventually(async () => (await preview.allTextContents()).every((t) => t.includes('updated')), 'both items updated', 20_000);
    await waitIdle(page, 'northwind');
  });

  it('a name already used is refused on the page, naming the field', async () => {
    await page.goto('/admin/t/northwind/backups');
    const first = page.locator('[data-testid="backup-items"] tbody tr:has(input[type="checkbox"])').first();
    await first.getByRole('checkbox').check();
    await page.getByLabel('Restore run name').fill('two FROM today');
    await page.getByRole('button', { name: 'Create restore run' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('name: already used by another restore run of this tenant');
    expect(page.url()).toMatch(/\/backups$/);
  });

  it('an operator sees the backups but neither the checkboxes nor the form', async () => {
    const op = await env.signIn('operator@contoso.example');
    await op.page.goto('/admin/t/northwind/backups');
    await op.page.locator('[data-testid="backup-items"]').waitFor();
    expect(await op.page.locator('[data-testid="backup-items"] input[type="checkbox"]').count()).toBe(0);
    expect(await op.page.getByRole('button', { name: 'Create restore run' }).count()).toBe(0);
    expect(await startButton(op.page, 'Capture backup').isDisabled()).toBe(true);
    await op.context.close();
  });
});
