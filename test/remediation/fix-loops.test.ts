// Every blocked reason's next step leads to a fix, and after the fix the same start is
// accepted — over real HTTP, with the sandbox cloud and a worker.
import type { AddressInfo } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.ts';
import { clearTokenClientCache } from '../../src/provider/microsoft/index.ts';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { call, login } from '../http/helpers.ts';
import { testBox } from '../helpers/seed.ts';
import { createWorkerEnv, waitForRun, type WorkerEnv } from '../helpers/worker-env.ts';

let env: WorkerEnv;
let base: string;
let owner: string;
let close: () => Promise<void>;
const fixture = (slug: string) => DEMO_WORKSPACES[0]!.tenants.find((t) => t.slug === slug)!;

beforeAll(async () => {
  env = await createWorkerEnv();
  await env.startWorker();
  const app = await buildServer({ db: env.tdb.db, box: testBox, authorityFor: (c) => (c === 'sandbox' ? env.sandbox.url : null) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  close = () => app.close();
  owner = await login(base, 'owner@contoso.example');
});
afterAll(async () => {
  await close();
  await env.close();
});

const startOp = (slug: string, type: string) => call(base, 'POST', `/api/tenants/${slug}/operations`, { cookie: owner, body: { type } });
async function waitOk(runId: string) {
  return waitForRun(env.tdb.db, runId);
}

/** Follows the consent link through the sandbox's consent page and back to our callback. */
async function consent(connectionId: string, decision: 'accept' | 'cancel', roles?: string[]): Promise<URL> {
  const begin = await call(base, 'POST', `/api/provider-connections/${connectionId}/admin-consent`, { cookie: owner, body: {} });
  expect(begin.status).toBe(200);
  const url = new URL(begin.body.url);
  const dispatcher = new Agent({ connect: { ca: env.sandbox.caPem } });
  const page = await undiciFetch(url, { dispatcher });
  expect(page.status).toBe(200);
  const form = new URLSearchParams({ ...Object.fromEntries(url.searchParams), decision });
  for (const r of roles ?? []) form.append('role', r);
  const decided = await undiciFetch(url, { method: 'POST', body: form, redirect: 'manual', dispatcher });
  const callback = decided.headers.get('location')!;
  expect(callback.startsWith(`${base}/admin/consent/callback?`)).toBe(true);
  const back = await fetch(callback, { headers: { cookie: owner }, redirect: 'manual' });
  expect(back.status).toBe(302);
  return new URL(back.headers.get('location')!, base);
}

describe('provider_consent_missing: woodgrove', () => {
  it('blocked -> "Grant admin consent" -> consent page -> callback verifies -> the same start is queued', async () => {
    const blocked = await startOp('woodgrove', 'inventory.sync');
    expect(blocked.status).toBe(409);
    expect(blocked.body.reason.code).toBe('provider_consent_missing');
    const step = blocked.body.nextSteps[0];
    expect(step.label).toBe('Grant admin consent');
    const connectionId = blocked.body.providerConnection.id;
    expect(step.url).toBe(`/admin/provider-connections/${connectionId}#consent`);

    // Denied first: nothing changes, the page says so.
    const denied = await consent(connectionId, 'cancel');
    expect(denied.pathname).toBe(`/admin/provider-connections/${connectionId}`);
    expect(denied.searchParams.get('consent')).toBe('denied');
    expect((await startOp('woodgrove', 'inventory.sync')).body.outcome).toBe('blocked');

    const granted = await consent(connectionId, 'accept', [...fixture('woodgrove').connections[0]!.permissions]);
    expect(granted.searchParams.get('consent')).toBe('granted');
    expect(granted.searchParams.get('verification')).toBe('accepted');
    expect(await waitOk(granted.searchParams.get('run')!)).toMatchObject({ outcome: 'succeeded', type: 'tenant.verification' });
    const again = await startOp('woodgrove', 'inventory.sync');
    expect([again.status, again.body.outcome, again.body.label]).toEqual([202, 'accepted', 'queued']);
    await waitOk(again.body.run.id);
  });
});

describe('provider_permission_missing: alpine', () => {
  it('blocked naming Group.Read.All -> consent with the permission added -> "Sync groups" queued', async () => {
    const blocked = await startOp('alpine', 'entra_group_sync');
    expect(blocked.body.reason).toMatchObject({ code: 'provider_permission_missing', message: expect.stringContaining('Group.Read.All') });
    expect(blocked.body.nextSteps.map((s: { label: string }) => s.label)).toEqual(['Grant the missing permissions', 'Verify tenant']);
    const connectionId = blocked.body.providerConnection.id;
    const all = [...fixture('alpine').connections[0]!.permissions, 'Group.Read.All'];
    const back = await consent(connectionId, 'accept', all);
    expect(await waitOk(back.searchParams.get('run')!)).toMatchObject({ outcome: 'succeeded' });
    const again = await startOp('alpine', 'entra_group_sync');
    expect(again.body.outcome).toBe('accepted');
    expect(await waitOk(again.body.run.id)).toMatchObject({ outcome: 'succeeded' });
  });
});

describe('credentials, connection and state', () => {
  it('provider_credentials_expired: tailspin -> rotate the secret -> verify -> queued', async () => {
    const blocked = await startOp('tailspin', 'compliance.snapshot');
    expect(blocked.body.reason.code).toBe('provider_credentials_expired');
    expect(blocked.body.nextSteps[0].label).toBe('Rotate the client secret');
    const connectionId = blocked.body.providerConnection.id;
    // The customer's admin issues a new secret in the sandbox; the operator pastes it in.
    const f = fixture('tailspin');
    const expires = new Date(Date.now() + 180 * 86_400_000).toISOString();
    env.sandbox.state.updateApp(f.entraTenantId, f.connections[0]!.clientId, { secret: 'tailspin-rotated-secret', secretExpiresAt: expires });
    clearTokenClientCache();
    const rotated = await call(base, 'PATCH', `/api/provider-connections/${connectionId}`, {
      cookie: owner,
      body: { clientSecret: 'tailspin-rotated-secret', secretExpiresAt: expires },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.text).not.toContain('tailspin-rotated-secret');
    const verify = await startOp('tailspin', 'tenant.verification');
    expect(await waitOk(verify.body.run.id)).toMatchObject({ outcome: 'succeeded' });
    expect((await startOp('tailspin', 'compliance.snapshot')).body.outcome).toBe('accepted');
  });

  it('provider_connection_missing: adatum -> add a connection -> queued', async () => {
    const blocked = await startOp('adatum', 'inventory.sync');
    expect(blocked.body.reason.code).toBe('provider_connection_missing');
    expect(blocked.body.nextSteps[0].url).toBe('/admin/provider-connections?tenant=adatum');
    const tenant = fixture('adatum');
    // The customer tenant exists in the cloud; its admin registers an app for opsgate.
    const { app, secret } = env.sandbox.state.addApp(tenant.entraTenantId, {
      consentGranted: true,
      grantedRoles: [...fixture('northwind').connections[0]!.permissions],
    });
    const added = await call(base, 'POST', '/api/tenants/adatum/provider-connections', {
      cookie: owner,
      body: {
        name: 'Primary',
        clientId: app.clientId,
        clientSecret: secret,
        secretExpiresAt: new Date(Date.now() + 86_400_000 * 90).toISOString(),
        cloud: 'sandbox',
      },
    });
    expect([added.status, added.body.isDefault, added.body.consentStatus]).toEqual([201, true, 'unknown']);
    // Unverified: consent is not known yet, so the next step is verification.
    expect((await startOp('adatum', 'inventory.sync')).body.reason.code).toBe('provider_consent_missing');
    expect(await waitOk((await startOp('adatum', 'tenant.verification')).body.run.id)).toMatchObject({ outcome: 'succeeded' });
    expect((await startOp('adatum', 'inventory.sync')).body.outcome).toBe('accepted');
  });

  it('provider_connection_disabled -> enable -> queued', async () => {
    const conn = (await call(base, 'GET', '/api/tenants/contoso-lab/provider-connections', { cookie: owner })).body.items[0];
    try {
      await call(base, 'PATCH', `/api/provider-connections/${conn.id}`, { cookie: owner, body: { enabled: false } });
      const blocked = await startOp('contoso-lab', 'entra_group_sync');
      expect(blocked.body.reason.code).toBe('provider_connection_disabled');
      expect(blocked.body.nextSteps[0]).toEqual({ label: 'Enable the connection', url: `/admin/provider-connections/${conn.id}` });
      // An operator cannot enable it: the step reads as whom to ask, not as a link to a 403.
      const operator = await login(base, 'operator@contoso.example');
      const asOperator = await call(base, 'POST', '/api/tenants/contoso-lab/operations', { cookie: operator, body: { type: 'entra_group_sync' } });
      expect(asOperator.body.nextSteps[0]).toMatchObject({ url: null, hint: expect.stringContaining('owner or manager') });
      await call(base, 'PATCH', `/api/provider-connections/${conn.id}`, { cookie: owner, body: { enabled: true } });
      expect((await startOp('contoso-lab', 'entra_group_sync')).body.outcome).toBe('accepted');
    } finally {
      // Enabled again even when an assertion above failed (the fix itself is the PATCH above).
      await env.tdb.db.updateTable('provider_connections').set({ enabled: true }).where('id', '=', conn.id).execute();
    }
  });

  it('tenant_not_operable: litware explains the state and who may change it', async () => {
    const blocked = await startOp('litware', 'inventory.sync');
    expect(blocked.body.reason).toMatchObject({ code: 'tenant_not_operable', message: expect.stringContaining('suspended') });
    expect(blocked.body.nextSteps[0].url).toBe('/admin/t/litware#status');
    const tenant = await call(base, 'GET', '/api/tenants/litware', { cookie: owner });
    expect(tenant.body.statusNote).toEqual({
      message: expect.stringMatching(/^This tenant is suspended: .* An owner of this tenant \(owner@contoso\.example\) can reactivate it\.$/),
      owners: ['owner@contoso.example'],
    });
  });

  it('scope_busy: points to the holding run with the expected wait; once it ends the same start is queued', async () => {
    // History: one inventory sync on northwind, so there is a typical duration to expect.
    const first = await startOp('northwind', 'inventory.sync');
    await waitOk(first.body.run.id);
    const f = fixture('northwind');
    env.sandbox.state.setTenantFaults(f.entraTenantId, { latencyMs: 300 });
    try {
      const holder = await startOp('northwind', 'inventory.sync');
      const busy = await startOp('northwind', 'compliance.snapshot');
      expect([busy.status, busy.body.label]).toEqual([409, 'scope busy']);
      expect(busy.body.reason.message).toMatch(/Another operation \(Inventory sync\) is using this provider connection\. It should finish in about \d+ s\./);
      expect(busy.body.nextSteps[0]).toEqual({ label: 'View the running operation', url: `/admin/operations/${holder.body.run.id}` });
      const run = await call(base, 'GET', `/api/operations/${holder.body.run.id}`, { cookie: owner });
      expect(['queued', 'running']).toContain(run.body.status);
      await waitOk(holder.body.run.id);
    } finally {
      env.sandbox.state.setTenantFaults(f.entraTenantId, {});
    }
    expect((await startOp('northwind', 'compliance.snapshot')).body.outcome).toBe('accepted');
  });

  it('every fix is audited', async () => {
    const rows = await env.tdb.db.selectFrom('audit_log').select('action').distinct().execute();
    const actions = rows.map((r) => r.action);
    for (const a of [
      'provider_connection.consent_granted',
      'provider_connection.consent_denied',
      'provider_connection.credential_rotated',
      'provider_connection.created',
      'provider_connection.enabled_changed',
    ]) {
      expect(actions).toContain(a);
    }
  });
});
