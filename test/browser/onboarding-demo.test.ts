// The demo's onboarding walk in a real browser, exactly as a new user finds it after
// `npm start`: the wizard offers the sandbox's Fourth Coffee (a tenant the cloud holds and the
// console does not), one click fills each step, the verification really gets a token from the
// sandbox and the three first operations run one after the other to "succeeded".
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOURTH_COFFEE } from '../../src/seed/fourth-coffee.ts';
import { bootConsole, clickStart, eventually, getRun, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
let page: Page;
const PRESET = "Use the sandbox's Fourth Coffee";
const THREE = ['inventory.sync', 'entra_group_sync', 'directory_role_definitions.sync'] as const;

beforeAll(async () => {
  env = await bootConsole();
  ({ page } = await env.signIn('owner@contoso.example'));
});
afterAll(() => closeAll(env));

const selectionState = (type: string) => page.locator(`[data-testid="bootstrap-selections"] tr[data-type="${type}"]`).getAttribute('data-state');

interface SessionJson {
  verification: { run: { id: string }; status: string; outcome: string } | null;
  selections: { type: string; state: string; run: { id: string } | null }[];
}

describe('the demo onboarding walk: Fourth Coffee → verification → three first operations', () => {
  it('is offered, verified against the sandbox, and bootstrapped to the end', async () => {
    // Only the cloud knows Fourth Coffee; the console does not, yet.
    const before = (await (await page.request.get('/api/tenants')).json()) as { items: { name: string }[] };
    expect(before.items.map((t) => t.name)).not.toContain('Fourth Coffee');

    await page.goto('/admin/onboarding');
    await page.getByRole('button', { name: PRESET }).click();
    expect(await page.getByLabel('Display name').inputValue()).toBe('Fourth Coffee');
    expect(await page.getByLabel('Slug').inputValue()).toBe('fourth-coffee');
    expect(await page.getByLabel('Entra tenant ID').inputValue()).toBe(FOURTH_COFFEE.entraTenantId);
    await page.getByRole('button', { name: 'Start onboarding' }).click();
    await page.waitForURL(/\/admin\/onboarding\/[0-9a-f-]{36}$/);
    const sessionId = page.url().split('/').pop()!;
    await page.getByRole('heading', { name: /Fourth Coffee/ }).waitFor();

    // The connection step: the same offer fills the app registration, on the sandbox cloud.
    await page.getByRole('button', { name: PRESET }).click();
    expect(await page.getByLabel('Application (client) ID').inputValue()).toBe(FOURTH_COFFEE.connection.clientId);
    expect(await page.getByLabel('Cloud').inputValue()).toBe('sandbox');
    expect(await page.getByLabel('Secret expires on').inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await page.getByRole('button', { name: 'Save connection' }).click();
    const summary = page.locator('.connection-summary');
    await summary.waitFor();
    expect(await summary.textContent()).toContain('sandbox cloud');
    expect(await page.content()).not.toContain(FOURTH_COFFEE.connection.secret);

    // Verification goes through the gate and really asks the sandbox's token endpoint.
    const tokenPath = `/${FOURTH_COFFEE.entraTenantId}/oauth2/v2.0/token`;
    const tokensBefore = env.runtime.sandbox!.state.count('POST', tokenPath);
    const queued = await clickStart(page, 'Verify connection', 'queued');
    expect(queued.title).toBe('Onboarding verification queued');
    const verification = page.locator('[data-testid="verification-status"] [data-testid="run-state"]');
    await eventually(async () => (await verification.textContent()) === 'succeeded', 'the verification to succeed in the wizard', 30_000);
    expect(env.runtime.sandbox!.state.count('POST', tokenPath)).toBeGreaterThan(tokensBefore);

    // Three first operations, chosen in the wizard (two are pre-ticked, compliance is not).
    const checks = page.locator('fieldset.checks');
    for (const label of ['Sync inventory', 'Sync groups', 'Sync role definitions']) await checks.getByLabel(label).check();
    expect(await checks.getByLabel('Take compliance snapshot').isChecked()).toBe(false);
    // Its answer is the bootstrap's own (the verification's answer may still be on screen).
    await page.getByRole('button', { name: 'Start selected operations' }).click();
    const started = page.locator('.bootstrap [data-testid="start-feedback"][data-outcome="accepted"] .start-feedback-title');
    await started.waitFor();
    expect(await started.textContent()).toBe('Inventory sync queued');

    // One at a time, to the end, shown live without a reload.
    for (const type of THREE) {
      await eventually(async () => (await selectionState(type)) === 'succeeded', `${type} to succeed in the wizard`, 60_000);
    }
    const rows = page.locator('[data-testid="bootstrap-selections"] tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.locator('.badge').allTextContents()).toEqual(['succeeded', 'succeeded', 'succeeded']);

    // The runs the wizard links to completed succeeded, with the sandbox tenant's counts.
    const session = (await (await page.request.get(`/api/onboarding/${sessionId}`)).json()) as SessionJson;
    expect(session.verification?.outcome).toBe('succeeded');
    const runs = await Promise.all(THREE.map(async (type) => getRun(page, session.selections.find((s) => s.type === type)!.run!.id)));
    expect(runs.map((r) => [r.type, r.status, r.outcome])).toEqual(THREE.map((t) => [t, 'completed', 'succeeded']));
    const counts = await Promise.all(
      runs.map(async (r) => ((await (await page.request.get(`/api/operations/${r.id}`)).json()) as { summaryCounts: Record<string, number> }).summaryCounts),
    );
    const c = FOURTH_COFFEE.counts;
    expect(counts[0]).toMatchObject({
      deviceConfigurations: c.deviceConfigurations,
      configurationPolicies: c.configurationPolicies,
      compliancePolicies: c.deviceCompliancePolicies,
    });
    expect(counts[1]).toMatchObject({ groupsSynced: c.groups });
    expect(counts[2]).toMatchObject({ roleDefinitionsSynced: c.roleDefinitions });

    await page.getByRole('button', { name: 'Finish onboarding' }).click();
    await page.waitForURL(/\/admin\/t\/fourth-coffee$/);
    await page.getByRole('heading', { name: /Fourth Coffee/ }).waitFor();
  });

  it('offers Fourth Coffee again under a free slug, and never to a member who cannot onboard', async () => {
    const again = (await (await page.request.get('/api/onboarding/demo-presets')).json()) as { items: { tenant: { slug: string } }[] };
    expect(again.items.map((p) => p.tenant.slug)).toEqual(['fourth-coffee-2']);

    const readonly = await env.signIn('readonly@contoso.example');
    const res = await readonly.page.request.get('/api/onboarding/demo-presets');
    expect(await res.json()).toEqual({ items: [] });
    await readonly.page.goto('/admin/onboarding');
    await readonly.page.getByText('Only owners and managers can onboard tenants.').waitFor();
    expect(await readonly.page.getByRole('button', { name: PRESET }).count()).toBe(0);
    await readonly.context.close();
  });
});
