// Who sees what, in a real browser: signing in, "not found" for a tenant the user may not
// see (the same page as for one that does not exist), readonly members see no enabled start
// buttons, and next steps a member cannot take read as hints instead of links.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootConsole, clickStart, connectionId, VIEWPORT, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;

beforeAll(async () => {
  env = await bootConsole();
});
afterAll(() => closeAll(env));

const START_LABELS = [
  'Verify tenant',
  'Check connection',
  'Sync inventory',
  'Take compliance snapshot',
  'Execute restore',
  'Sync groups',
  'Sync role definitions',
  'Capture backup',
];

async function startButtonsState(page: Page): Promise<{ total: number; enabled: number }> {
  let total = 0;
  let enabled = 0;
  for (const label of START_LABELS) {
    for (const b of await page.getByRole('button', { name: label, exact: true }).all()) {
      total += 1;
      if (await b.isEnabled()) enabled += 1;
    }
  }
  return { total, enabled };
}

describe('sign in', () => {
  it('sends a signed-out visitor to /login and back to the page they asked for', async () => {
    const context = await env.browser.newContext({ viewport: VIEWPORT, baseURL: env.url });
    const page = await context.newPage();
    await page.goto('/admin/t/northwind');
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Email').fill('owner@contoso.example');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Email or password is incorrect.' }).waitFor();
    await page.getByLabel('Password').fill('opsgate-demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin\/t\/northwind$/);
    await page.getByRole('heading', { name: /Northwind Traders/ }).waitFor();
    expect(await page.getByTestId('user-email').textContent()).toBe('owner@contoso.example');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
    await context.close();
  });
});

describe('tenant isolation', () => {
  it('the outsider gets the same "not found" page for northwind as for a tenant that does not exist', async () => {
    const { page, context } = await env.signIn('outsider@fabrikam.example');
    await page.goto('/admin/t/northwind');
    await page.getByTestId('not-found').waitFor();
    const forbidden = await page.locator('main').textContent();
    expect(await page.getByText('Northwind').count()).toBe(0);

    await page.goto('/admin/t/no-such-tenant');
    await page.getByTestId('not-found').waitFor();
    expect(await page.locator('main').textContent()).toBe(forbidden);

    // Deep links into the tenant read the same.
    await page.goto('/admin/t/northwind/groups');
    await page.getByTestId('not-found').waitFor();
    const owner = await env.signIn('owner@contoso.example');
    const id = await connectionId(owner.page, 'northwind');
    await owner.context.close();
    await page.goto(`/admin/provider-connections/${id}`);
    await page.getByTestId('not-found').waitFor();
    expect(await page.locator('main').textContent()).toBe(forbidden);

    // Their own tenant is fine, and only it is offered.
    await page.goto('/admin/tenants');
    await page.locator('[data-testid="tenants-table"]').waitFor();
    expect(await page.locator('[data-testid="tenants-table"] tbody tr').count()).toBe(1);
    expect(await page.locator('[data-testid="tenants-table"]').textContent()).toContain('Fabrikam Retail');
    await context.close();
  });
});

describe('roles', () => {
  it('readonly sees every start button, none of them enabled, on every surface', async () => {
    const { page, context } = await env.signIn('readonly@contoso.example');
    const id = await connectionId(page, 'northwind');
    const restores = (await (await page.request.get('/api/tenants/northwind/restore-runs')).json()) as { items: { id: string }[] };
    const surfaces: [string, number][] = [
      ['/admin/t/northwind', 5],
      ['/admin/t/northwind/groups', 1],
      ['/admin/t/northwind/role-definitions', 1],
      ['/admin/t/northwind/inventory', 1],
      ['/admin/t/northwind/backups', 1],
      [`/admin/t/northwind/restore-runs/${restores.items[0]!.id}`, 1],
      [`/admin/provider-connections/${id}`, 3],
      ['/admin/provider-connections', 7],
    ];
    for (const [path, expected] of surfaces) {
      await page.goto(path);
      await page.locator('[data-testid="start-item"]').first().waitFor();
      expect(await startButtonsState(page), path).toEqual({ total: expected, enabled: 0 });
    }
    await context.close();
  });

  it('an operator sees a blocked next step they cannot take as a hint naming who can, not a link', async () => {
    const { page, context } = await env.signIn('operator@contoso.example');
    await page.goto('/admin/t/woodgrove');
    const blocked = await clickStart(page, 'Sync inventory', 'blocked');
    const steps = blocked.feedback.locator('.next-steps');
    expect(await steps.getByRole('link', { name: 'Grant admin consent' }).count()).toBe(0);
    expect(await steps.textContent()).toContain('Grant admin consent');
    expect(await steps.textContent()).toMatch(/Ask an owner or manager/);
    // Verifying is theirs to do: that step stays a link.
    expect(await steps.getByRole('link', { name: 'Verify tenant' }).count()).toBe(1);

    // Restores need restore.execute, which operators lack.
    const restores = (await (await page.request.get('/api/tenants/northwind/restore-runs')).json()) as { items: { id: string }[] };
    await page.goto(`/admin/t/northwind/restore-runs/${restores.items[0]!.id}`);
    await page.locator('[data-testid="start-item"]').waitFor();
    expect(await startButtonsState(page)).toEqual({ total: 1, enabled: 0 });
    await context.close();
  });
});
