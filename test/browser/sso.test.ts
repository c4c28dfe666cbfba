// "Sign in with Microsoft" in a real browser, the whole loop as `npm start` runs it: the
// console's /login offers it, the sandbox cloud's sign-in page takes the demo password, the
// browser comes back signed in — for every demo user. A person the console does not know sees
// a clear refusal and is not signed in. And the built console passes its Content-Security-
// Policy: no page of it reports a violation.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { DEMO_SSO } from '../../src/seed/sso-demo.ts';
import { bootConsole, screenshot, VIEWPORT, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;

beforeAll(async () => {
  env = await bootConsole();
});
afterAll(() => closeAll(env));

/** A fresh browser that records every Content-Security-Policy violation its pages report. */
async function watchedContext(): Promise<{ context: BrowserContext; page: Page; violations: string[] }> {
  const context = await env.browser.newContext({ viewport: VIEWPORT, baseURL: env.url });
  context.setDefaultTimeout(10_000);
  const violations: string[] = [];
  await context.exposeBinding('reportCspViolation', ({ page }, text: string) => void violations.push(`${page.url()}: ${text}`));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { reportCspViolation(t: string): void }).reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) violations.push(`${page.url()}: ${msg.text()}`);
  });
  return { context, page, violations };
}

async function signInWithMicrosoft(page: Page, email: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.getByRole('link', { name: 'Sign in with Microsoft' }).click();
  await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const DEMO_USERS = DEMO_WORKSPACES.flatMap((ws) => ws.members.map((m) => m.email));

describe('Sign in with Microsoft (npm start: against its own sandbox cloud)', () => {
  it('/login offers it; the sandbox sign-in page takes the demo password; the browser lands signed in', async () => {
    const { context, page, violations } = await watchedContext();
    await page.goto('/login');
    const button = page.getByRole('link', { name: 'Sign in with Microsoft' });
    await button.waitFor();
    await screenshot(page, 'login-sso');
    await button.click();
    await page.waitForURL(new RegExp(`/${DEMO_SSO.tenant.id}/oauth2/v2\\.0/authorize`));
    await page.getByText('Contoso MSP').first().waitFor();
    await page.getByLabel('Email').fill('owner@contoso.example');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Your account or password is incorrect.' }).waitFor();
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin\/tenants$/);
    await page.getByTestId('tenants-table').waitFor();
    const me = (await (await page.request.get('/api/session')).json()) as { user: { email: string } };
    expect(me.user.email).toBe('owner@contoso.example');
    expect(violations).toEqual([]);
    await context.close();
  });

  it('works for every demo user, and brings them back to the page they asked for', async () => {
    expect(DEMO_USERS.length).toBeGreaterThanOrEqual(5);
    for (const email of DEMO_USERS) {
      const { context, page } = await watchedContext();
      await page.goto('/admin/operations');
      await page.waitForURL(/\/login\?next=/);
      await page.getByRole('link', { name: 'Sign in with Microsoft' }).click();
      await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/admin\/operations$/);
      const me = (await (await page.request.get('/api/session')).json()) as { user: { email: string } };
      expect(me.user.email, email).toBe(email);
      await context.close();
    }
    // A whole browser sign-in per demo user, each page also checked by axe: 50 s and more on a
    // loaded two-core machine, close to the default minute.
  }, 180_000);

  it('a person of the directory whom the console does not know sees why, and is not signed in', async () => {
    env.runtime.sandbox!.state.directory.add(DEMO_SSO.tenant.id, {
      userPrincipalName: 'stranger@contoso.example',
      displayName: 'Sam Stranger',
      password: 'stranger-password',
    });
    const { context, page, violations } = await watchedContext();
    await signInWithMicrosoft(page, 'stranger@contoso.example', 'stranger-password');
    const refusal = page.getByTestId('sso-refusal');
    await refusal.getByRole('heading', { name: 'No opsgate account for stranger@contoso.example' }).waitFor();
    await refusal.getByText('Ask an owner of your workspace to invite you').waitFor();
    await screenshot(page, 'sso-refused');
    expect((await page.request.get('/api/session')).status()).toBe(401);
    expect((await context.cookies()).some((c) => c.name === 'opsgate_session')).toBe(false);
    await refusal.getByRole('link', { name: 'Back to sign in' }).click();
    await page.waitForURL(/\/login$/);
    expect(violations).toEqual([]);
    await context.close();
  });
});

describe('the console under its Content-Security-Policy', () => {
  it('no page reports a violation', async () => {
    const { context, page, violations } = await watchedContext();
    const login = await page.goto('/login');
    expect(login?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await page.getByLabel('Email').fill('owner@contoso.example');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/\/admin\/tenants$/);
    for (const path of [
      '/admin/tenants',
      '/admin/t/northwind',
      '/admin/t/northwind/groups',
      '/admin/t/northwind/backups',
      '/admin/provider-connections',
      '/admin/onboarding',
      '/admin/operations',
      '/admin/members',
      '/admin/audit',
      '/admin/attention',
      '/admin/bulk',
      '/admin/schedules',
      '/admin/settings/webhooks',
      '/admin/t/no-such-tenant',
    ]) {
      await page.goto(path);
      await page.waitForLoadState('networkidle');
      await page.locator('h1').first().waitFor();
    }
    expect(violations).toEqual([]);
    await context.close();
  });
});
