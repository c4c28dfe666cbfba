// The onboarding wizard in a real browser, against a tenant the sandbox cloud knows: the
// wizard's starts answer through the same StartFeedback with the same four outcomes, and the
// bootstrap chain moves on by itself, one operation at a time.
import crypto from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALL_PERMISSIONS } from '../../src/operations/permissions.ts';
import { BUSY_INVENTORY, bootConsole, clickStart, eventually, inViewport, screenshot, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
let page: Page;
const entraTenantId = crypto.randomUUID();
const clientId = crypto.randomUUID();
const secret = `sandbox-tailwind-${crypto.randomBytes(8).toString('hex')}~secret`;

beforeAll(async () => {
  env = await bootConsole();
  // The customer's tenant and app registration exist in the (sandbox) cloud already; consent
  // has been granted there, which opsgate only learns by verifying.
  const state = env.runtime.sandbox!.state;
  state.addTenant({ id: entraTenantId, displayName: 'Tailwind Traders' });
  state.addApp(entraTenantId, { clientId, secret, consentGranted: true, grantedRoles: [...ALL_PERMISSIONS] });
  ({ page } = await env.signIn('owner@contoso.example'));
});
afterAll(() => closeAll(env));
afterEach(() => env.setLatency(0));

const selectionState = (type: string) => page.locator(`[data-testid="bootstrap-selections"] tr[data-type="${type}"]`).getAttribute('data-state');

describe('onboarding /admin/onboarding and /admin/onboarding/{id}', () => {
  it('walks a new tenant from identity to active, with the four outcomes in the same words', async () => {
    await page.goto('/admin/onboarding');
    await page.getByLabel('Display name').fill('Tailwind Traders');
    expect(await page.getByLabel('Slug').inputValue()).toBe('tailwind-traders');
    await page.getByLabel('Entra tenant ID').fill(entraTenantId);
    await page.getByRole('button', { name: 'Start onboarding' }).click();
    await page.waitForURL(/\/admin\/onboarding\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: /Tailwind Traders/ }).waitFor();

    // The app registration, with a write-only secret.
    // The workspace has an app (the demo's), offered first: this one is the tenant's own.
    await page.getByLabel('Use an app registration of this tenant').check();
    await page.getByLabel('Application (client) ID').fill(clientId);
    await page.getByLabel('Cloud').selectOption('sandbox');
    await page.getByLabel('Client secret').fill(secret);
    await page.getByLabel('Secret expires on').fill(new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10));
    await page.getByRole('button', { name: 'Save connection' }).click();
    await page.locator('.connection-summary').waitFor();
    expect(await page.content()).not.toContain(secret);

    // queued, then already running.
    env.setLatency(1500);
    const queued = await clickStart(page, 'Verify connection', 'queued');
    expect(queued.title).toBe('Onboarding verification queued');
    const again = await clickStart(page, 'Verify connection', 'already running');
    expect(again.title).toBe('Onboarding verification already running');

    // blocked: nothing is known about consent until the verification says so.
    await page.getByRole('button', { name: 'Start selected operations' }).click();
    const blocked = page.locator('[data-testid="start-feedback"][data-outcome="blocked"]');
    await blocked.waitFor();
    expect(await blocked.locator('.start-feedback-title').textContent()).toBe('Inventory sync blocked');
    const reason = blocked.locator('.start-feedback-reason');
    expect(await reason.textContent()).toBe('Admin consent has not been granted for this connection.');
    // The click was at the bottom of the wizard: the answer is on screen where it happened.
    expect(await inViewport(reason)).toBe(true);
    await eventually(async () => (await selectionState('inventory.sync')) === 'blocked', 'the blocked step in the table');
    expect(await selectionState('entra_group_sync')).toBe('pending');

    // The verification succeeds; a successful verification is the fix, so the chain admits
    // inventory by itself. While it holds the connection, verifying again is scope busy.
    await eventually(async () => ['queued', 'running'].includes((await selectionState('inventory.sync')) ?? ''), 'the chain to admit inventory', 20_000);
    const busy = await clickStart(page, 'Verify connection', 'scope busy');
    expect(busy.title).toBe('Onboarding verification: scope busy');
    expect(await busy.feedback.locator('.start-feedback-reason').textContent()).toMatch(BUSY_INVENTORY);

    // One at a time, to the end, without a reload.
    env.setLatency(0);
    await eventually(async () => (await selectionState('entra_group_sync')) === 'succeeded', 'the chain to finish', 30_000);
    expect(await selectionState('inventory.sync')).toBe('succeeded');

    const dismiss = page.getByRole('button', { name: 'Dismiss' });
    while ((await dismiss.count()) > 0) await dismiss.first().click();
    await page.locator('[data-testid="bootstrap-selections"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'onboarding-wizard');
    await page.getByRole('button', { name: 'Finish onboarding' }).click();
    await page.waitForURL(/\/admin\/t\/tailwind-traders$/);
    await page.getByRole('heading', { name: /Tailwind Traders/ }).waitFor();
    expect(await page.locator('.page-head .badge').first().textContent()).toBe('active');
  });

  it('lists the session; a readonly member cannot start onboarding', async () => {
    await page.goto('/admin/onboarding');
    await page.getByRole('link', { name: 'Tailwind Traders' }).waitFor();
    const readonly = await env.signIn('readonly@contoso.example');
    await readonly.page.goto('/admin/onboarding');
    await readonly.page.getByText('Only owners and managers can onboard tenants.').waitFor();
    expect(await readonly.page.getByRole('button', { name: 'Start onboarding' }).isDisabled()).toBe(true);
    await readonly.context.close();
  });
});
