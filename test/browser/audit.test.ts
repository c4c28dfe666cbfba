// The audit log in a real browser: a demo session's sign-in and start appear on /admin/audit,
// filters live in the URL, "Load more" follows the cursor, "Export CSV" downloads the same
// rows; an operator has no entry in the sidebar and reads "no permission".
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootConsole, clickStart, eventually, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
let page: Page;

beforeAll(async () => {
  env = await bootConsole();
  ({ page } = await env.signIn('owner@contoso.example'));
});
afterAll(() => closeAll(env));

const rows = (p: Page) => p.locator('[data-testid="audit-table"] tbody tr');

describe('/admin/audit', () => {
  it("shows the owner's sign-in and the start just made, newest first", async () => {
    await page.goto('/admin/t/northwind');
    await clickStart(page, 'Sync inventory', 'queued');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL(/\/admin\/audit$/);
    await rows(page).first().waitFor();
    const first = (await rows(page).first().textContent()) ?? '';
    expect(first).toContain('operation.start');
    expect(first).toContain('northwind');
    expect(first).toContain('accepted');
    expect(first).toContain('owner@contoso.example');
    await expect.poll(async () => (await rows(page).allTextContents()).some((t) => t.includes('session.sign_in'))).toBe(true);
  });

  it('filters by action through the URL, and "Export CSV" downloads the same rows', async () => {
    await page.getByLabel('Action').fill('session.sign_in');
    await page.getByLabel('Action').press('Enter');
    await page.waitForURL(/action=session\.sign_in/);
    await eventually(
      async () => (await rows(page).allTextContents()).every((t) => t.includes('session.sign_in')) && (await rows(page).count()) > 0,
      'only sign-ins',
    );
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    expect(href).toBe('/api/audit.csv?action=session.sign_in');
    const csv = await (await page.request.get(href!)).text();
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('id,at,actor,action,tenant,outcome,operation_type,run_id,run_url,reason_code,reason_message,details');
    expect(lines.length - 1).toBe(await rows(page).count());
    expect(lines.slice(1).every((l) => l.includes(',session.sign_in,'))).toBe(true);
  });

  it('"Load more" appends the next page until there is no more', async () => {
    const db = env.runtime.database.db;
    const northwind = await db.selectFrom('tenants').select(['id', 'workspace_id']).where('slug', '=', 'northwind').executeTakeFirstOrThrow();
    await db
      .insertInto('audit_log')
      .values(
        Array.from({ length: 60 }, (_, i) => ({
          workspace_id: northwind.workspace_id,
          tenant_id: northwind.id,
          action: 'test.filler',
          details: JSON.stringify({ n: i }),
        })),
      )
      .execute();
    await page.goto('/admin/audit?action=test.filler');
    await eventually(async () => (await rows(page).count()) === 50, 'the first 50 rows');
    await page.getByRole('button', { name: 'Load more' }).click();
    await eventually(async () => (await rows(page).count()) === 60, 'all 60 rows');
    expect(await page.getByText('60 entries — that is all.').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
  });

  it('an operator has no "Audit log" in the sidebar, and the page says they may not see it', async () => {
    const { context, page: op } = await env.signIn('operator@contoso.example');
    try {
      await op.goto('/admin/tenants');
      await op.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tenants' }).waitFor();
      expect(await op.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).count()).toBe(0);
      await op.goto('/admin/audit');
      await op.getByText('You do not have permission to see this.').waitFor();
    } finally {
      await context.close();
    }
  });
});
