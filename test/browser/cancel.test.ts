// "Cancel run" in a real browser: a queued run ends cancelled at once; a running run shows
// "cancel requested" and ends cancelled at its next checkpoint.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiStart, bootConsole, eventually, getRun, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
let page: Page;

beforeAll(async () => {
  env = await bootConsole();
  ({ page } = await env.signIn('owner@contoso.example'));
});
afterAll(() => closeAll(env));

async function outcomeShown(runId: string, outcome: string) {
  await eventually(async () => (await page.locator(`[data-run-outcome="${outcome}"]`).count()) > 0, `run ${runId} shown ${outcome}`, 20_000);
}

// A test that slows the cloud puts it back even when it fails.
afterEach(() => env.setLatency(0));

describe('Cancel run', () => {
  it('a queued run (both workers busy) ends cancelled at once; a running one at its next checkpoint', async () => {
    // Slow cloud: the worker's two slots stay busy with the first two runs.
    env.setLatency(1500);
    const a = await apiStart(page, 'northwind', { type: 'inventory.sync' });
    const b = await apiStart(page, 'contoso-lab', { type: 'inventory.sync' });
    await eventually(
      async () => (await getRun(page, a.run!.id)).status === 'running' && (await getRun(page, b.run!.id)).status === 'running',
      'two running',
      20_000,
    );
    const queued = await apiStart(page, 'alpine', { type: 'inventory.sync' });
    expect(queued.outcome).toBe('accepted');
    await page.goto(`/admin/operations/${queued.run!.id}`);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await outcomeShown(queued.run!.id, 'cancelled');
    expect(await page.locator('.run-reason-message').textContent()).toBe('owner@contoso.example cancelled this run before it finished.');
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);

    // A running one: asked to stop, then cancelled at its next checkpoint.
    await page.goto(`/admin/operations/${a.run!.id}`);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await eventually(
      async () => (await page.getByTestId('cancel-requested').count()) > 0 || (await page.locator('[data-run-outcome="cancelled"]').count()) > 0,
      'cancel requested',
      10_000,
    );
    await outcomeShown(a.run!.id, 'cancelled');
    expect((await getRun(page, a.run!.id)).outcome).toBe('cancelled');
    env.setLatency(0);
    await eventually(async () => (await getRun(page, b.run!.id)).status === 'completed', 'the other run ends', 30_000);
  });

  it('another operator reads the run but gets no "Cancel run"; its initiator (the owner) does', async () => {
    env.setLatency(3000);
    const run = await apiStart(page, 'northwind', { type: 'inventory.sync' });
    expect(run.outcome).toBe('accepted');
    const op = await env.signIn('operator@contoso.example');
    try {
      await op.page.goto(`/admin/operations/${run.run!.id}`);
      await op.page.locator('[data-run-status="queued"], [data-run-status="running"]').waitFor();
      expect(await op.page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    } finally {
      await op.context.close();
    }
    await page.goto(`/admin/operations/${run.run!.id}`);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await outcomeShown(run.run!.id, 'cancelled');
  });
});
