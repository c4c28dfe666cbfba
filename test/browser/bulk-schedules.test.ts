// Fleet operations in a real browser over the demo: a bulk "Sync inventory" on every active
// Contoso tenant answers in one screen (queued for the healthy ones, the others blocked and
// grouped by reason) and follows the accepted runs to the end; hand-picked tenants; who may
// start; schedules created, disabled, enabled, retimed and deleted in the page, a bad cron
// answered next to the cron field, a firing linked to its bulk page, and operators reading
// schedules without controls.
import { sql } from 'kysely';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFINITIONS } from '../../src/operations/registry.ts';
import { fireDueSchedules } from '../../src/schedules/fire.ts';
import { BULK_TYPES, cronInWords } from '../../web/src/fleet.ts';
import { bootConsole, eventually, screenshot, waitIdle, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
let owner: Page;

beforeAll(async () => {
  env = await bootConsole();
  ({ page: owner } = await env.signIn('owner@contoso.example'));
});
afterAll(() => closeAll(env));

const text = async (l: Locator) => ((await l.textContent()) ?? '').trim();
const row = (page: Page, slug: string) => page.locator(`[data-testid="bulk-items"] tr[data-tenant="${slug}"]`);
const count = (page: Page, outcome: string) => text(page.locator(`[data-testid="bulk-counts"] [data-outcome="${outcome}"] dd`));
const progress = (page: Page, key: string) => text(page.locator(`[data-testid="bulk-progress"] [data-progress="${key}"] dd`));
const schedule = (page: Page, name: string) => page.locator(`[data-testid="schedules-table"] tbody[data-schedule="${name}"]`);

describe('the console’s lists', () => {
  it('offers every type that can run on many tenants, and reads common cron shapes', () => {
    const own = new Set(['restore_run', 'onboarding_session']);
    expect(new Set(BULK_TYPES)).toEqual(new Set(DEFINITIONS.filter((d) => !own.has(d.dedupe)).map((d) => d.type)));
    expect(cronInWords('0 2 * * *')).toBe('Every day at 02:00');
    expect(cronInWords('30 6 * * 1')).toBe('Every Monday at 06:30');
    expect(cronInWords('*/15 * * * *')).toBe('Every 15 minutes');
    expect(cronInWords('0 2 1,15 * *')).toBeNull();
  });
});

describe('/admin/bulk', () => {
  it('"Sync inventory on 6 tenants": one screen with every answer, blocked grouped by reason, live progress to 3 succeeded', async () => {
    // Slow enough that the accepted runs are still moving when the answer is shown.
    env.setLatency(300);
    try {
      await owner.goto('/admin/tenants');
      await owner.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Bulk start' }).click();
      await owner.waitForURL(/\/admin\/bulk$/);
      expect(await owner.getByRole('button', { name: 'Start on 6 tenants' }).isDisabled()).toBe(true);
      await owner.getByLabel('Operation').selectOption({ label: 'Sync inventory' });
      await owner.getByRole('button', { name: 'Sync inventory on 6 tenants', exact: true }).click();
      await owner.waitForURL(/\/admin\/bulk\/[0-9a-f-]{36}$/);
      await owner.getByRole('heading', { name: 'Inventory sync on 6 tenants' }).waitFor();

      // Live: the first screen shows runs not yet finished.
      const bar = owner.getByRole('progressbar', { name: 'Runs finished' });
      expect(Number(await bar.getAttribute('aria-valuenow'))).toBeLessThan(3);
      expect(await text(owner.getByTestId('bulk-progress').locator('.live-note'))).toBe('updating live');

      expect(await count(owner, 'accepted')).toBe('3');
      expect(await count(owner, 'blocked')).toBe('3');
      for (const o of ['deduped', 'scope_busy', 'forbidden']) expect(await count(owner, o)).toBe('0');
      expect(await owner.locator('[data-testid="bulk-counts"] dt').allTextContents()).toEqual([
        'queued',
        'already running',
        'scope busy',
        'blocked',
        'forbidden',
      ]);

      for (const slug of ['northwind', 'contoso-lab', 'alpine']) {
        expect(await row(owner, slug).getAttribute('data-outcome')).toBe('accepted');
        expect(await text(row(owner, slug).getByTestId('item-label'))).toBe('queued');
        expect(await row(owner, slug).getByRole('link', { name: 'View run' }).count()).toBe(1);
      }
      for (const slug of ['woodgrove', 'tailspin', 'adatum']) expect(await text(row(owner, slug).getByTestId('item-label'))).toBe('blocked');
      // Suspended: not among "all active tenants".
      expect(await row(owner, 'litware').count()).toBe(0);

      const consent = owner.locator('[data-reason="provider_consent_missing"]');
      expect(await text(consent.locator('.bulk-group-title'))).toBe('1 blocked: Admin consent has not been granted for this connection.');
      expect(await consent.getByRole('link', { name: 'Grant admin consent' }).getAttribute('href')).toMatch(/^\/admin\/provider-connections\//);
      expect(await text(owner.locator('[data-reason="provider_credentials_expired"] .bulk-group-title'))).toMatch(/^1 blocked: /);
      expect(await text(owner.locator('[data-reason="provider_connection_missing"] .bulk-group-title'))).toMatch(/^1 blocked: /);
      expect(await owner.locator('[data-reason]').count()).toBe(3);
      expect(await text(row(owner, 'woodgrove').locator('.cell-reason'))).toBe('Admin consent has not been granted for this connection.');
      expect(await row(owner, 'woodgrove').getByRole('link', { name: 'Grant admin consent' }).count()).toBe(1);

      await eventually(async () => (await progress(owner, 'succeeded')) === '3', 'the progress to reach 3 succeeded', 30_000);
      expect(await bar.getAttribute('aria-valuenow')).toBe('3');
      expect(await progress(owner, 'queued')).toBe('0');
      expect(await progress(owner, 'running')).toBe('0');
      for (const slug of ['northwind', 'contoso-lab', 'alpine']) expect(await text(row(owner, slug).getByTestId('run-state'))).toBe('succeeded');
      await screenshot(owner, 'bulk-answer');
    } finally {
      env.setLatency(50);
    }
  });

  it('the start is listed under recent bulk starts; hand-picked tenants through the filter', async () => {
    await owner.goto('/admin/bulk?type=compliance.snapshot');
    const recent = owner.getByTestId('recent-bulks');
    expect(await text(recent.locator('tbody tr').first())).toContain('3 queued · 3 blocked');
    await recent.getByRole('link', { name: 'Inventory sync' }).first().click();
    await owner.waitForURL(/\/admin\/bulk\/[0-9a-f-]{36}$/);
    await owner.goto('/admin/bulk?type=compliance.snapshot');

    await owner.getByLabel('Choose tenants').check();
    expect(await owner.getByRole('button', { name: 'Take compliance snapshot on 0 tenants' }).isDisabled()).toBe(true);
    const filter = owner.getByLabel('Filter tenants');
    await filter.fill('north');
    expect(await owner.locator('.tenant-pick-list input[type="checkbox"]').count()).toBe(1);
    await owner.locator('input[data-tenant="northwind"]').check();
    await filter.fill('wood');
    await owner.locator('input[data-tenant="woodgrove"]').check();
    await filter.fill('');
    // Archived tenants are not offered; the suspended one is, and says so.
    expect(await owner.locator('.tenant-pick-list li').filter({ hasText: 'Litware' }).locator('.badge').textContent()).toBe('suspended');
    await owner.getByRole('button', { name: 'Take compliance snapshot on 2 tenants' }).click();
    await owner.waitForURL(/\/admin\/bulk\/[0-9a-f-]{36}$/);
    await owner.getByRole('heading', { name: 'Compliance snapshot on 2 tenants' }).waitFor();
    expect(await text(row(owner, 'northwind').getByTestId('item-label'))).toBe('queued');
    expect(await text(row(owner, 'woodgrove').getByTestId('item-label'))).toBe('blocked');
    await eventually(async () => (await progress(owner, 'succeeded')) === '1', 'the snapshot to succeed');
  });

  it('an operator may start; a read-only member sees why not, and the history', async () => {
    const op = await env.signIn('operator@contoso.example');
    const ro = await env.signIn('readonly@contoso.example');
    try {
      await op.page.goto('/admin/bulk?type=inventory.sync');
      await op.page.getByRole('button', { name: 'Sync inventory on 6 tenants' }).waitFor();
      await ro.page.goto('/admin/bulk');
      expect(await text(ro.page.getByTestId('bulk-not-allowed'))).toBe(
        'Your role in Contoso MSP (readonly) cannot start operations on many tenants; owners, managers and operators can. You can still read the bulk starts below.',
      );
      expect(await ro.page.getByRole('button', { name: /on \d+ tenants?$/ }).count()).toBe(0);
      await ro.page.getByTestId('recent-bulks').waitFor();
    } finally {
      await op.context.close();
      await ro.context.close();
    }
  });
});

describe('/admin/schedules', () => {
  it('creates a schedule with its next firing, disables and enables it, and answers a bad cron next to the field', async () => {
    await owner.goto('/admin/bulk');
    await owner.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }).click();
    await owner.waitForURL(/\/admin\/schedules$/);
    const nightly = schedule(owner, 'Nightly inventory');
    expect(await text(nightly.locator('td').nth(2))).toContain('Every day at 02:00');
    expect(await text(nightly.getByTestId('next-fire'))).not.toBe('—');

    // The server's 400s, each beside the field it names.
    const cron = owner.getByLabel('Cron', { exact: true });
    await cron.fill('every day');
    await owner.getByRole('button', { name: 'Create schedule' }).click();
    const cronField = owner.locator('.schedule-form .field').filter({ has: cron });
    await cronField.locator('.field-error').waitFor();
    expect(await text(cronField.locator('.field-error'))).toBe('must have five fields: minute hour day-of-month month day-of-week');
    expect(await cron.getAttribute('aria-invalid')).toBe('true');
    await cron.fill('0 * * * *');
    expect(await text(cronField.locator('.help'))).toBe('Every hour at minute 0');
    await owner.getByLabel('Time zone').fill('Mars/Olympus');
    await owner.getByRole('button', { name: 'Create schedule' }).click();
    const tzField = owner.locator('.schedule-form .field').filter({ has: owner.getByLabel('Time zone') });
    await eventually(async () => (await text(tzField.locator('.field-error'))).startsWith('is not an IANA time zone'), 'the time zone error');
    expect(await cronField.locator('.field-error').count()).toBe(0);

    await owner.getByLabel('Time zone').fill('Europe/Berlin');
    await owner.getByLabel('Name').fill('Hourly snapshot');
    await owner.getByLabel('Operation').selectOption({ label: 'Take compliance snapshot' });
    await owner.getByRole('button', { name: 'Create schedule' }).click();
    const hourly = schedule(owner, 'Hourly snapshot');
    await hourly.waitFor();
    expect(await text(hourly.getByTestId('schedule-state'))).toBe('enabled');
    const when = hourly.locator('td').nth(2);
    expect(await text(when.locator('code'))).toBe('0 * * * *');
    expect(await text(when)).toMatch(/^Every hour at minute 0.*Europe\/Berlin$/);
    expect(await text(hourly.getByTestId('next-fire'))).toMatch(/in \d+ minutes?$|in 1 hour$|just now$/);

    await hourly.getByRole('button', { name: 'Disable' }).click();
    await eventually(async () => (await text(hourly.getByTestId('schedule-state'))) === 'disabled', 'disabled');
    expect(await text(hourly.getByTestId('next-fire'))).toBe('—');
    await hourly.getByRole('button', { name: 'Enable' }).click();
    await eventually(async () => (await text(hourly.getByTestId('schedule-state'))) === 'enabled', 'enabled again');
    expect(await text(hourly.getByTestId('next-fire'))).not.toBe('—');

    // Retiming: a bad cron keeps the form open with the message by the cron field.
    await hourly.getByRole('button', { name: 'Edit' }).click();
    const editCron = hourly.getByLabel('Cron');
    await editCron.fill('61 * * * *');
    await hourly.getByRole('button', { name: 'Save' }).click();
    // The edit form's first field is the cron expression.
    const editCronField = hourly.locator('.schedule-edit .field').first();
    expect(await editCronField.getByLabel('Cron').count()).toBe(1);
    await editCronField.locator('.field-error').waitFor();
    expect(await text(editCronField.locator('.field-error'))).toMatch(/^is not a valid cron expression/);
    await editCron.fill('30 6 * * 1');
    await hourly.getByRole('button', { name: 'Save' }).click();
    await eventually(async () => (await text(hourly.locator('td').nth(2))).startsWith('Every Monday at 06:30'), 'the new timing');
    await screenshot(owner, 'schedules');
  });

  it('a firing shows as the last firing with its answers, linked to its bulk page', async () => {
    const db = env.runtime.database.db;
    await sql`update schedules set next_fire_at = now() - interval '1 minute' where name = 'Hourly snapshot'`.execute(db);
    // This process or the runtime's own ticker fires it: exactly once either way.
    await fireDueSchedules(db, 'bulk-schedules-test');
    await owner.reload();
    const hourly = schedule(owner, 'Hourly snapshot');
    const last = hourly.getByTestId('last-firing');
    await eventually(async () => {
      await owner.reload();
      return (await last.getByRole('link').count()) === 1;
    }, 'the last firing to link its bulk start');
    expect(await text(last.locator('.subtle-note'))).toMatch(/queued/);

    await hourly.getByRole('button', { name: 'Firings' }).click();
    const firings = hourly.getByTestId('firings');
    await firings.waitFor();
    expect(await firings.locator('tbody tr').count()).toBe(1);
    await firings.getByRole('link', { name: 'View answers' }).click();
    await owner.waitForURL(/\/admin\/bulk\/[0-9a-f-]{36}$/);
    await owner.getByRole('heading', { name: /^Compliance snapshot on \d+ tenants$/ }).waitFor();
    expect(await text(owner.getByTestId('bulk-operation').locator('.page-head p.muted'))).toMatch(/^Fired by a schedule/);
    expect(await text(row(owner, 'woodgrove').getByTestId('item-label'))).toBe('blocked');
    for (const slug of ['northwind', 'contoso-lab', 'alpine']) await waitIdle(owner, slug);
  });

  it('an operator reads the schedules without controls', async () => {
    const { context, page } = await env.signIn('operator@contoso.example');
    try {
      await page.goto('/admin/schedules');
      await schedule(page, 'Hourly snapshot').waitFor();
      expect(await text(page.getByTestId('schedules-read-only'))).toBe(
        'Your role in Contoso MSP (operator) can read these schedules; owners and managers can change them.',
      );
      expect(await page.getByRole('button', { name: 'Create schedule' }).count()).toBe(0);
      for (const name of ['Disable', 'Enable', 'Edit', 'Delete']) expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);
      await schedule(page, 'Hourly snapshot').getByRole('button', { name: 'Firings' }).click();
      await schedule(page, 'Hourly snapshot').getByTestId('firings').getByRole('link', { name: 'View answers' }).waitFor();
    } finally {
      await context.close();
    }
  });

  it('deletes a schedule only once confirmed', async () => {
    await owner.goto('/admin/schedules');
    const hourly = schedule(owner, 'Hourly snapshot');
    await hourly.getByRole('button', { name: 'Delete' }).click();
    const confirm = hourly.getByRole('alertdialog');
    expect(await text(confirm)).toContain('Delete the schedule “Hourly snapshot”?');
    await confirm.getByRole('button', { name: 'Keep it' }).click();
    expect(await hourly.count()).toBe(1);
    await hourly.getByRole('button', { name: 'Delete' }).click();
    await hourly.getByRole('alertdialog').getByRole('button', { name: 'Delete schedule' }).click();
    await eventually(async () => (await hourly.count()) === 0, 'the schedule to go');
    expect(await schedule(owner, 'Nightly inventory').count()).toBe(1);
  });
});
