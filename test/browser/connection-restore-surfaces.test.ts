// The provider-connection surfaces (list and detail, with management) and the restore run,
// in a real browser: the same start button, the same four answers, the same words.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import {
  BUSY_INVENTORY,
  apiStart,
  bootConsole,
  clickStart,
  connectionId,
  eventually,
  inFirstViewport,
  startButton,
  waitEnabled,
  waitIdle,
  type ConsoleEnv,
} from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
let page: Page;

beforeAll(async () => {
  env = await bootConsole();
  ({ page } = await env.signIn('owner@contoso.example'));
});
afterAll(() => closeAll(env));
afterEach(() => env.setLatency(0));

describe('provider connection /admin/provider-connections/{id}', () => {
  it('answers queued, already running and scope busy on northwind’s connection', async () => {
    const id = await connectionId(page, 'northwind');
    env.setLatency(1500);
    await page.goto(`/admin/provider-connections/${id}`);
    await page.getByRole('heading', { name: 'Readiness' }).waitFor();

    const queued = await clickStart(page, 'Sync inventory', 'queued');
    expect(queued.title).toBe('Inventory sync queued');
    const again = await clickStart(page, 'Sync inventory', 'already running');
    expect(again.title).toBe('Inventory sync already running');
    const busy = await clickStart(page, 'Take compliance snapshot', 'scope busy');
    expect(busy.title).toBe('Compliance snapshot: scope busy');
    expect(await busy.feedback.locator('.start-feedback-reason').textContent()).toMatch(BUSY_INVENTORY);

    // The run shows up in this connection's runs without a reload.
    await eventually(async () => (await page.locator('[data-testid="runs-table"]').textContent())?.includes('Inventory sync'), 'the run in the list');
    env.setLatency(0);
    await waitIdle(page, 'northwind');
  });

  it('answers blocked on woodgrove’s connection; the next step leads to the consent section', async () => {
    const id = await connectionId(page, 'woodgrove');
    await page.goto(`/admin/provider-connections/${id}`);
    const blocked = await clickStart(page, 'Take compliance snapshot', 'blocked');
    expect(blocked.title).toBe('Compliance snapshot blocked');
    const reason = blocked.feedback.locator('.start-feedback-reason');
    expect(await reason.textContent()).toBe('Admin consent has not been granted for this connection.');
    const step = blocked.feedback.getByRole('link', { name: 'Grant admin consent' });
    expect(await inFirstViewport(page, reason)).toBe(true);
    expect(await inFirstViewport(page, step)).toBe(true);
    expect(await step.getAttribute('href')).toMatch(new RegExp(`^/admin/provider-connections/${id}(#consent)?`));
    // "Check connection" refreshes consent facts, so missing consent does not block it.
    const check = page.locator('[data-testid="start-item"][data-action="Check connection"]');
    await eventually(async () => (await check.getAttribute('data-would-be')) === 'accepted', 'Check connection to be ready');
  });

  it('"Grant admin consent" goes to the consent page and back; the verification it starts clears the block', async () => {
    const id = await connectionId(page, 'woodgrove');
    await page.goto(`/admin/provider-connections/${id}#consent`);
    await page.getByRole('button', { name: 'Grant admin consent' }).click();
    // The sandbox cloud's consent page, shaped like Microsoft's.
    await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.waitForURL(new RegExp(`/admin/provider-connections/${id}\\?consent=granted`));
    const result = page.getByTestId('consent-result');
    await result.waitFor();
    await eventually(async () => (await result.textContent())?.includes('Tenant verification succeeded'), 'the verification to succeed', 20_000);
    await eventually(async () => (await page.locator('#consent').textContent())?.includes('Admin consent granted'), 'consent to be recorded');
    const item = page.locator('[data-testid="start-item"][data-action="Sync inventory"]');
    await eventually(async () => (await item.getAttribute('data-would-be')) === 'accepted', 'Sync inventory to be ready');
    await waitIdle(page, 'woodgrove');
    // The start that was blocked, again: queued.
    const queued = await clickStart(page, 'Sync inventory', 'queued');
    expect(queued.title).toBe('Inventory sync queued');
    await waitIdle(page, 'woodgrove');
  });

  it('the list answers blocked for tailspin’s expired secret; rotating it (write-only) clears the block', async () => {
    await page.goto('/admin/provider-connections?tenant=tailspin');
    const table = page.locator('[data-testid="connections-table"]');
    await table.waitFor();
    expect(await table.textContent()).toContain('Tailspin Toys');
    const blocked = await clickStart(page, 'Check connection', 'blocked');
    expect(blocked.title).toBe('Connection check blocked');
    expect(await blocked.feedback.locator('.start-feedback-reason').textContent()).toMatch(/^The client secret expired on \d{4}-\d{2}-\d{2}\.$/);
    await blocked.feedback.getByRole('link', { name: 'Rotate the client secret' }).click();
    await page.waitForURL(/#credentials$/);

    const secret = page.getByLabel('New client secret');
    expect(await secret.getAttribute('type')).toBe('password');
    await secret.fill('a-new-sandbox-secret');
    const nextYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Secret expires on').fill(nextYear);
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByText('Client secret rotated.').waitFor();
    expect(await secret.inputValue()).toBe('');
    await eventually(async () => (await page.locator('#credentials').textContent())?.includes('Secret valid until'), 'the new expiry');
    expect(await page.content()).not.toContain('a-new-sandbox-secret');
    // The preflight hint under the button reads the new facts.
    const item = page.locator('[data-testid="start-item"][data-action="Check connection"]');
    await eventually(async () => (await item.getAttribute('data-would-be')) === 'accepted', 'Check connection to be ready');
    // The same start, again: queued (the check itself then tests the new secret against the cloud).
    const queued = await clickStart(page, 'Check connection', 'queued');
    expect(queued.title).toBe('Connection check queued');
    await waitIdle(page, 'tailspin');
  });
});

describe('adding a connection (the fix for "no connection")', () => {
  it('adatum answers blocked; the next step opens the connections of adatum, where one is added', async () => {
    await page.goto('/admin/t/adatum');
    const blocked = await clickStart(page, 'Sync inventory', 'blocked');
    expect(await blocked.feedback.locator('.start-feedback-reason').textContent()).toBe('This tenant has no default provider connection, and none was chosen.');
    await blocked.feedback.getByRole('link', { name: 'Add or choose a default connection' }).click();
    await page.waitForURL(/\/admin\/provider-connections\?tenant=adatum$/);

    // The workspace has an app (the demo's), offered first: this one is the tenant's own.
    await page.getByLabel('Use an app registration of this tenant').check();
    await page.getByLabel('Application (client) ID').fill('6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a7b');
    await page.getByLabel('Client secret').fill('adatum-new-secret');
    await page.getByLabel('Secret expires on').fill(new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10));
    await page.getByRole('button', { name: 'Add connection' }).click();
    await page.getByText(/^Added Primary\./).waitFor();
    expect(await page.content()).not.toContain('adatum-new-secret');
    // The new default connection has no consent on record yet: the next blocker, in the same words.
    const row = page.locator('[data-testid="connections-table"] tr[data-connection-id]');
    await row.waitFor();
    expect(await row.textContent()).toContain('Primary');
    await page.goto('/admin/t/adatum');
    const next = await clickStart(page, 'Sync inventory', 'blocked');
    expect(await next.feedback.locator('.start-feedback-reason').textContent()).toBe('Admin consent has not been granted for this connection.');
  });
});

describe('restore run /admin/t/{slug}/restore-runs/{id}', () => {
  async function openRestore(): Promise<void> {
    const res = await page.request.get('/api/tenants/northwind/restore-runs');
    const { items } = (await res.json()) as { items: { id: string }[] };
    await page.goto(`/admin/t/northwind/restore-runs/${items[0]!.id}`);
    await page.getByRole('heading', { name: 'What will be written' }).waitFor();
  }

  it('previews, needs the typed confirmation, then answers scope busy, queued and already running', async () => {
    env.setLatency(1500);
    const holder = await apiStart(page, 'northwind', { type: 'inventory.sync' });
    expect(holder.outcome).toBe('accepted');
    await openRestore();
    expect(await page.locator('[data-testid="restore-preview"] tbody tr').count()).toBe(4);
    const button = startButton(page, 'Execute restore');
    expect(await button.isDisabled()).toBe(true);
    await page.getByLabel(/Type the restore run’s name/).fill('Baseline device configurations');
    await waitEnabled(button, 2000);

    const busy = await clickStart(page, 'Execute restore', 'scope busy');
    expect(busy.title).toBe('Restore: scope busy');
    env.setLatency(0);
    await waitIdle(page, 'northwind');

    env.setLatency(1500);
    const queued = await clickStart(page, 'Execute restore', 'queued');
    expect(queued.title).toBe('Restore queued');
    const again = await clickStart(page, 'Execute restore', 'already running');
    expect(again.title).toBe('Restore already running');
    env.setLatency(0);
    // The preview shows what the execution did, live.
    await eventually(async () => (await page.locator('[data-testid="restore-preview"]').textContent())?.match(/created|updated/), 'item results', 20_000);
    await waitIdle(page, 'northwind');
  });

  it('answers blocked when the connection is disabled; the next step leads to where it is enabled again', async () => {
    const id = await connectionId(page, 'northwind');
    await page.goto(`/admin/provider-connections/${id}`);
    await page.getByRole('button', { name: 'Disable connection' }).click();
    await page.getByText('Primary is disabled.').waitFor();

    await openRestore();
    await page.getByLabel(/Type the restore run’s name/).fill('Baseline device configurations');
    const blocked = await clickStart(page, 'Execute restore', 'blocked');
    expect(blocked.title).toBe('Restore blocked');
    const reason = blocked.feedback.locator('.start-feedback-reason');
    expect(await reason.textContent()).toBe('The provider connection is disabled.');
    const step = blocked.feedback.getByRole('link', { name: 'Enable the connection' });
    expect(await inFirstViewport(page, reason)).toBe(true);
    expect(await inFirstViewport(page, step)).toBe(true);
    await step.click();
    await page.waitForURL(new RegExp(`/admin/provider-connections/${id}`));
    await page.getByRole('button', { name: 'Enable connection' }).click();
    await page.getByText('Primary is enabled.').waitFor();
    // The same start, again: queued.
    await openRestore();
    await page.getByLabel(/Type the restore run’s name/).fill('Baseline device configurations');
    const queued = await clickStart(page, 'Execute restore', 'queued');
    expect(queued.title).toBe('Restore queued');
    await waitIdle(page, 'northwind');
  });

  it('a failed execution is no longer "executing": the page says it failed, and why', async () => {
    const northwind = DEMO_WORKSPACES.flatMap((w) => w.tenants).find((t) => t.slug === 'northwind')!;
    const sandbox = env.runtime.sandbox!.state;
    // Graph answers 5xx to everything the restore asks, so its run fails provider_unavailable.
    sandbox.setAppFaults(northwind.entraTenantId, northwind.connections[0]!.clientId, { serverErrorsNext: 1000 });
    try {
      await waitIdle(page, 'northwind');
      await openRestore();
      await page.getByLabel(/Type the restore run’s name/).fill('Baseline device configurations');
      await clickStart(page, 'Execute restore', 'queued');
      const failure = page.getByTestId('restore-failure');
      await failure.waitFor({ timeout: 30_000 });
      expect(await failure.textContent()).toBe('The last execution did not complete: Microsoft Graph was unavailable or did not answer in time. View run');
      expect(
        await page
          .locator('.badge', { hasText: /^failed$/ })
          .first()
          .isVisible(),
      ).toBe(true);
    } finally {
      sandbox.setAppFaults(northwind.entraTenantId, northwind.connections[0]!.clientId, {});
    }
  });
});
