// Needs attention and webhooks in a real browser over the demo: the sidebar's count, the page
// grouped by tenant and by reason with each item's next step (a link for the owner, a hint for
// a read-only member), and an owner adding a webhook whose delivery log then shows a blocked
// start delivered to a local receiver.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiStart, bootConsole, eventually, screenshot, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
let owner: Page;
// Undefined in afterAll if beforeAll failed before starting it.
let server: http.Server | undefined;
let receiverUrl = '';
const bodies: string[] = [];

beforeAll(async () => {
  env = await bootConsole();
  ({ page: owner } = await env.signIn('owner@contoso.example'));
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(204).end();
    });
  });
  server = receiver;
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await closeAll(env);
});

const items = (page: Page) => page.locator('.attention-item');

describe('/admin/attention', () => {
  it('the sidebar counts the items; the page lists them by tenant, critical first, with next steps', async () => {
    await owner.goto('/admin/tenants');
    const count = owner.getByTestId('attention-count');
    await eventually(async () => (await count.textContent()) === '6', 'the count of 6');
    await owner.getByRole('link', { name: /^Needs attention/ }).click();
    await owner.waitForURL(/\/admin\/attention$/);
    await owner.getByRole('heading', { name: 'Needs attention', exact: true }).waitFor();
    await eventually(async () => (await items(owner).count()) === 6, 'six items');
    const tenants = await owner.locator('[data-attention-group]').evaluateAll((els) => els.map((e) => e.getAttribute('data-attention-group')));
    // Groups follow the items: the critical ones (adatum, tailspin, woodgrove) before the warnings.
    expect(new Set(tenants.slice(0, 3))).toEqual(new Set(['adatum', 'tailspin', 'woodgrove']));
    expect(new Set(tenants.slice(3))).toEqual(new Set(['alpine', 'contoso-lab', 'litware']));
    const expiring = owner.locator('.attention-item[data-code="provider_credentials_expiring"]');
    expect(await expiring.locator('.attention-message').textContent()).toMatch(/^The client secret expires in 1[12] days/);
    await screenshot(owner, 'attention-by-tenant');

    await owner.getByRole('button', { name: 'Reason', exact: true }).click();
    await owner.waitForURL(/group=reason/);
    const consent = owner.locator('[data-attention-group="provider_consent_missing"]');
    expect(await consent.locator('.attention-group-title').textContent()).toContain('Admin consent missing');
    await consent.getByRole('link', { name: 'Grant admin consent' }).click();
    await owner.waitForURL(/\/admin\/provider-connections\/[0-9a-f-]+#consent$/);
  });

  it('a read-only member reads who can take a step instead of a link', async () => {
    const { page, context } = await env.signIn('readonly@contoso.example');
    try {
      await page.goto('/admin/attention');
      const consent = page.locator('.attention-item[data-code="provider_consent_missing"]');
      await consent.waitFor();
      expect(await consent.getByRole('link', { name: 'Grant admin consent' }).count()).toBe(0);
      expect(await consent.locator('.next-step-hint').first().textContent()).toContain('provider_connection.manage');
      // Webhooks are for owners: no entry in the sidebar, and the page reads as not found.
      expect(await page.getByRole('link', { name: 'Webhooks' }).count()).toBe(0);
      await page.goto('/admin/settings/webhooks');
      await page.getByTestId('not-found').waitFor();
    } finally {
      await context.close();
    }
  });
});

describe('/admin/settings/webhooks', () => {
  it('the owner adds a webhook with a generated secret; a blocked start shows up delivered in its log', async () => {
    await owner.goto('/admin/tenants');
    await owner.getByRole('link', { name: 'Webhooks' }).click();
    await owner.waitForURL(/\/admin\/settings\/webhooks$/);
    await owner.getByLabel('URL', { exact: true }).fill('ftp://nope.example');
    await owner.getByRole('button', { name: 'Generate' }).click();
    expect((await owner.getByLabel('Signing secret').inputValue()).length).toBe(48);
    await owner.getByRole('button', { name: 'Add webhook' }).click();
    expect(await owner.getByRole('alert').textContent()).toBe('url: must be an http or https URL');

    await owner.getByLabel('URL', { exact: true }).fill(receiverUrl);
    await owner.getByRole('button', { name: 'Add webhook' }).click();
    await owner.getByTestId('webhooks-table').waitFor();
    expect(await owner.locator('[data-testid="webhooks-table"] code').first().textContent()).toBe(receiverUrl);
    // The secret is gone from the form and from every answer the page got.
    expect(await owner.getByLabel('Signing secret').inputValue()).toBe('');

    const start = await apiStart(owner, 'woodgrove', { type: 'inventory.sync' });
    expect(start.outcome).toBe('blocked');
    const delivered = owner.locator('[data-testid="deliveries-table"] tr[data-status="delivered"]');
    await eventually(async () => (await delivered.count()) >= 1, 'a delivered row', 30_000);
    expect(await delivered.first().locator('.delivery-text').textContent()).toBe(
      'Inventory sync blocked: Woodgrove Bank. Admin consent has not been granted for this connection. Next step: Grant admin consent.',
    );
    expect(bodies.some((b) => JSON.parse(b).run?.id === start.run!.id)).toBe(true);
    await screenshot(owner, 'webhooks-deliveries');

    owner.once('dialog', (d) => void d.accept());
    await owner.getByRole('button', { name: 'Delete' }).click();
    await owner.getByText('No webhooks yet').waitFor();
  });
});
