// The first run in a real browser: no demo, no user. The printed setup URL opens a labelled
// form; creating the workspace lands signed in on an empty tenants page that leads to
// onboarding, which the new owner may use without owning any tenant yet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootConsole, screenshot, VIEWPORT, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;

beforeAll(async () => {
  env = await bootConsole({ seed: 'none' });
});
afterAll(() => closeAll(env));

describe('/setup', () => {
  it('without the token it says where the link comes from; with a wrong one the form says it is not valid', async () => {
    const context = await env.browser.newContext({ viewport: VIEWPORT, baseURL: env.url });
    const page = await context.newPage();
    await page.goto('/setup');
    await page.getByRole('alert').filter({ hasText: 'Open the setup link the server printed' }).waitFor();

    await page.goto('/setup?token=wrong-token');
    await page.getByLabel('Workspace name').fill('Acme IT');
    await page.getByLabel('Your name').fill('Alex Admin');
    await page.getByLabel('Email').fill('alex@acme.example');
    await page.getByLabel('Password', { exact: true }).fill('a long enough password');
    await page.getByLabel('Confirm password').fill('a long enough password');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.getByRole('alert').filter({ hasText: 'This setup link is not valid' }).waitFor();
    await context.close();
  });

  it('creates the workspace and its owner and lands signed in on an empty tenants page that links to onboarding', async () => {
    const setupUrl = env.runtime.setupUrl;
    expect(setupUrl).toMatch(/\/setup\?token=[A-Za-z0-9_-]{43}$/);
    const context = await env.browser.newContext({ viewport: VIEWPORT, baseURL: env.url });
    const page = await context.newPage();
    await page.goto(new URL(setupUrl!).pathname + new URL(setupUrl!).search);
    await page.getByRole('heading', { name: 'Set up opsgate' }).waitFor();
    await page.getByLabel('Workspace name').fill('Acme IT');
    await page.getByLabel('Your name').fill('Alex Admin');
    await page.getByLabel('Email').fill('alex@acme.example');
    // A short password is caught before the request.
    await page.getByLabel('Password', { exact: true }).fill('too short');
    await page.getByLabel('Confirm password').fill('too short');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.getByRole('alert').filter({ hasText: 'at least 12 characters' }).waitFor();
    await page.getByLabel('Password', { exact: true }).fill('a long enough password');
    await page.getByLabel('Confirm password').fill('a long enough password');
    await screenshot(page, 'setup');
    await page.getByRole('button', { name: 'Create workspace' }).click();

    await page.waitForURL(/\/admin\/tenants$/);
    await page.getByText('No tenants yet').waitFor();
    expect(await page.getByTestId('user-email').textContent()).toBe('alex@acme.example');
    await page.getByText('Acme IT', { exact: true }).first().waitFor();
    await screenshot(page, 'tenants-empty');

    await page.getByRole('link', { name: 'Onboard your first tenant' }).click();
    await page.waitForURL(/\/admin\/onboarding$/);
    await page.getByRole('heading', { name: 'Onboarding', exact: true }).waitFor();
    expect(await page.getByText('Only owners and managers can onboard tenants.').count()).toBe(0);
    expect(await page.getByLabel('Entra tenant ID').isEnabled()).toBe(true);
    await context.close();
  });

  it('once set up, /setup says so and offers sign-in', async () => {
    const context = await env.browser.newContext({ viewport: VIEWPORT, baseURL: env.url });
    const page = await context.newPage();
    await page.goto('/setup?token=anything');
    await page.getByRole('heading', { name: 'Already set up' }).waitFor();
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(/\/login/);
    await context.close();
  });
});
