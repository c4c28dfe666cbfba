// Members and invitations in a real browser, from a first run without demo data: the owner
// invites a colleague as operator on two of three tenants from /admin/members, the colleague
// accepts at /invite/{token} and sees exactly those two; changing, the last owner, removing
// (signed out at once) and re-inviting an existing account (which accepts with its password).
import crypto from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootConsole, screenshot, VIEWPORT, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
let owner: { context: BrowserContext; page: Page };
let colleague: { context: BrowserContext; page: Page };
let inviteLink = '';
const COLLEAGUE = 'cora@acme.example';
const COLLEAGUE_PASSWORD = 'cora has a long password';

const newContext = async () => {
  const context = await env.browser.newContext({ viewport: VIEWPORT, baseURL: env.url });
  context.setDefaultTimeout(10_000);
  return { context, page: await context.newPage() };
};
const tenantRows = async (page: Page) => {
  await page.getByTestId('tenants-table').waitFor();
  return (await page.locator('[data-testid="tenants-table"] tr[data-tenant]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-tenant')))).sort();
};

async function invite(page: Page, email: string, role: string, tenants: 'all' | string[]): Promise<string> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role', { exact: true }).first().selectOption({ label: role });
  if (tenants === 'all') await page.getByLabel('All tenants, also ones added later').first().check();
  else {
    await page.getByLabel('Only these tenants:').first().check();
    for (const name of tenants) await page.getByRole('group', { name: 'Chosen tenants' }).first().getByLabel(name).check();
  }
  await page.getByRole('button', { name: 'Create invitation' }).click();
  const link = page.getByLabel('Invitation link');
  await link.waitFor();
  return link.inputValue();
}

beforeAll(async () => {
  env = await bootConsole({ seed: 'none' });
  owner = await newContext();
  const token = new URL(env.runtime.setupUrl!).searchParams.get('token');
  const setup = await owner.context.request.post('/api/setup', {
    data: { token, workspaceName: 'Acme IT', email: 'alex@acme.example', displayName: 'Alex Owner', password: 'alex has a long password' },
  });
  expect(setup.status()).toBe(201);
  for (const name of ['Alpha Co', 'Beta Co', 'Gamma Co']) {
    const r = await owner.context.request.post('/api/onboarding', {
      data: { name, slug: name.toLowerCase().replace(' ', '-'), entraTenantId: crypto.randomUUID() },
    });
    expect(r.status()).toBe(201);
  }
});
afterAll(() => closeAll(env));

describe('/admin/members and /invite/{token}', () => {
  it('the owner invites a colleague as operator on two tenants; the link is shown once', async () => {
    const { page } = owner;
    await page.goto('/admin/tenants');
    await page.getByRole('link', { name: 'Members' }).click();
    await page.waitForURL(/\/admin\/members$/);
    await page.getByRole('heading', { name: 'Members', exact: true }).waitFor();
    await page.locator('[data-member="alex@acme.example"]').getByText('Owner', { exact: true }).waitFor();
    inviteLink = await invite(page, COLLEAGUE, 'Operator — verify, sync, snapshots', ['Alpha Co', 'Beta Co']);
    expect(inviteLink).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
    await page.getByTestId('invitations-table').getByText(COLLEAGUE).waitFor();
    await screenshot(page, 'members');
  });

  it('the colleague accepts, lands signed in and sees exactly those two tenants, and no Members page', async () => {
    colleague = await newContext();
    const { page } = colleague;
    await page.goto(new URL(inviteLink).pathname);
    await page.getByRole('heading', { name: 'Join Acme IT' }).waitFor();
    await page.getByText(`${COLLEAGUE} is invited as`).waitFor();
    await page.getByLabel('Your name').fill('Cora Colleague');
    await page.getByLabel('Password', { exact: true }).fill(COLLEAGUE_PASSWORD);
    await page.getByLabel('Confirm password').fill(COLLEAGUE_PASSWORD);
    await screenshot(page, 'invite');
    await page.getByRole('button', { name: 'Create account and join' }).click();
    await page.waitForURL(/\/admin\/tenants$/);
    expect(await tenantRows(page)).toEqual(['alpha-co', 'beta-co']);
    expect(await page.getByRole('link', { name: 'Members' }).count()).toBe(0);

    // The link worked once.
    const again = await newContext();
    await again.page.goto(new URL(inviteLink).pathname);
    await again.page.getByRole('alert').filter({ hasText: 'already used' }).waitFor();
    await again.context.close();
  });

  it("the owner changes the colleague's role; the last owner cannot demote themselves", async () => {
    const { page } = owner;
    await page.reload();
    await page.getByRole('button', { name: `Change ${COLLEAGUE}` }).click();
    await page
      .getByRole('group', { name: `Change ${COLLEAGUE}` })
      .getByLabel('Role')
      .selectOption('manager');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator(`[data-member="${COLLEAGUE}"]`).getByText('Manager', { exact: true }).waitFor();

    await page.getByRole('button', { name: 'Change alex@acme.example' }).click();
    await page.getByRole('group', { name: 'Change alex@acme.example' }).getByLabel('Role').selectOption('operator');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('alert').filter({ hasText: 'last owner' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('removing the colleague signs them out at once; re-invited, their existing account accepts with its password', async () => {
    const { page } = owner;
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: `Remove ${COLLEAGUE}` }).click();
    await page.locator(`[data-member="${COLLEAGUE}"]`).waitFor({ state: 'detached' });
    await colleague.page.goto('/admin/tenants');
    await colleague.page.waitForURL(/\/login/);

    const link = await invite(page, COLLEAGUE, 'Read-only — sees, starts nothing', 'all');
    await colleague.page.goto(new URL(link).pathname);
    await colleague.page.getByText('You already have an opsgate account').waitFor();
    await colleague.page.getByLabel('Password').fill('wrong password');
    await colleague.page.getByRole('button', { name: 'Sign in and accept' }).click();
    await colleague.page.getByRole('alert').filter({ hasText: 'not the password' }).waitFor();
    await colleague.page.getByLabel('Password').fill(COLLEAGUE_PASSWORD);
    await colleague.page.getByRole('button', { name: 'Sign in and accept' }).click();
    await colleague.page.waitForURL(/\/admin\/tenants$/);
    expect(await tenantRows(colleague.page)).toEqual(['alpha-co', 'beta-co', 'gamma-co']);
  });
});
