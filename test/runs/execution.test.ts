// Accepted runs really run: against the sandbox cloud over HTTPS, with real msal-node
// tokens, on the connection pinned at admission.
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { start } from '../../src/gate/start.ts';
import type { StartInput } from '../../src/gate/result.ts';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { clearTokenClientCache } from '../../src/provider/microsoft/index.ts';
import { connectionOf, tenantBySlug, userByEmail } from '../helpers/seed.ts';
import { createWorkerEnv, waitForRun, type WorkerEnv } from '../helpers/worker-env.ts';

let env: WorkerEnv;
let operatorId: string;
const fixture = (slug: string) => DEMO_WORKSPACES.flatMap((w) => w.tenants).find((t) => t.slug === slug)!;

beforeAll(async () => {
  env = await createWorkerEnv();
  operatorId = (await userByEmail(env.tdb.db, 'operator@contoso.example')).id;
  await env.startWorker();
});
afterAll(async () => env.close());
beforeEach(() => env.sandbox.state.resetCounters());

async function run(slug: string, type: StartInput['type'], extra: Partial<StartInput> = {}) {
  const tenant = await tenantBySlug(env.tdb.db, slug);
  const r = await start(env.tdb.db, { type, tenantId: tenant.id, trigger: 'operator', initiatorUserId: operatorId, ...extra });
  expect(r.outcome).toBe('accepted');
  return waitForRun(env.tdb.db, r.run.id);
}

describe('every job on a healthy tenant', () => {
  it('inventory sync pages through every collection and stores the items', async () => {
    const done = await run('northwind', 'inventory.sync');
    expect(done).toMatchObject({ outcome: 'succeeded', reason_code: null });
    expect(done.summary_counts).toMatchObject({ deviceConfigurations: 250, configurationPolicies: 120, compliancePolicies: 80, itemsSynced: 450 });
    // 250 device configurations at 100 a page is three pages.
    expect(env.sandbox.state.count('GET', '/beta/deviceManagement/deviceConfigurations')).toBe(3);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from inventory_items where tenant_id = ${done.tenant_id}`.execute(env.tdb.db);
    expect(rows[0]!.n).toBe(450);
  });

  it('compliance snapshot stores the summary and every device', async () => {
    const done = await run('northwind', 'compliance.snapshot');
    expect(done.outcome).toBe('succeeded');
    expect(done.summary_counts.devicesRecorded).toBe(300);
    const snap = await env.tdb.db.selectFrom('compliance_snapshots').selectAll().where('run_id', '=', done.id).executeTakeFirstOrThrow();
    expect(snap.devices).toHaveLength(300);
    expect(Object.keys(snap.counts)).toContain('compliantDevices');
  });

  it('group sync and role definitions sync mirror the directory', async () => {
    const groups = await run('northwind', 'entra_group_sync');
    expect(groups).toMatchObject({ outcome: 'succeeded', summary_counts: { groupsSynced: 180 } });
    const roles = await run('northwind', 'directory_role_definitions.sync');
    expect(roles).toMatchObject({ outcome: 'succeeded', summary_counts: { roleDefinitionsSynced: 60 } });
    const { rows } = await sql<{
      g: number;
      r: number;
    }>`select (select count(*)::int from entra_groups) g, (select count(*)::int from role_definitions) r`.execute(env.tdb.db);
    expect(rows[0]).toEqual({ g: 180, r: 60 });
  });

  it('restore writes items back: updates those that exist, creates the rest, restores assignments', async () => {
    const rr = await env.tdb.db.selectFrom('restore_runs').selectAll().executeTakeFirstOrThrow();
    const done = await run('northwind', 'restore.execute', { target: { restoreRunId: rr.id, confirm: rr.name } });
    expect(done).toMatchObject({ outcome: 'succeeded', summary_counts: { itemsUpdated: 2, itemsCreated: 2, itemsFailed: 0, assignmentsRestored: 4 } });
    const items = await env.tdb.db.selectFrom('restore_run_items').selectAll().where('restore_run_id', '=', rr.id).execute();
    expect(items.map((i) => i.result).sort()).toEqual(['created', 'created', 'updated', 'updated']);
    expect((await env.tdb.db.selectFrom('restore_runs_with_status').select('status').where('id', '=', rr.id).executeTakeFirstOrThrow()).status).toBe(
      'completed',
    );
  });

  it('verification stores consent, permissions and verification time on the connection', async () => {
    const done = await run('alpine', 'tenant.verification');
    expect(done).toMatchObject({ outcome: 'partially_succeeded', reason_code: 'provider_permission_missing' });
    expect(done.reason_params).toEqual({ missing: ['Group.Read.All'] });
    const conn = await connectionOf(env.tdb.db, 'alpine');
    expect(conn).toMatchObject({ consent_status: 'granted', verification_status: 'succeeded' });
    expect(conn.granted_permissions).not.toContain('Group.Read.All');
    expect(conn.last_verified_at!.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('provider faults map to the shared reasons', () => {
  // The stored facts say "healthy", the cloud disagrees: the gate accepts, the run fails with the cloud's reason.
  async function tamper(slug: string, patch: Record<string, unknown>) {
    const f = fixture(slug);
    env.sandbox.state.updateApp(f.entraTenantId, f.connections[0]!.clientId, patch);
    // Like a real tenant: a changed grant applies to tokens issued after it.
    env.sandbox.state.revokeTokens(f.entraTenantId, f.connections[0]!.clientId);
    clearTokenClientCache();
  }

  it('consent revoked -> provider_consent_missing, and verification stores it', async () => {
    await tamper('contoso-lab', { consentGranted: false });
    try {
      expect(await run('contoso-lab', 'inventory.sync')).toMatchObject({ outcome: 'failed', reason_code: 'provider_consent_missing' });
      expect(await run('contoso-lab', 'tenant.verification')).toMatchObject({ outcome: 'failed', reason_code: 'provider_consent_missing' });
      expect(await connectionOf(env.tdb.db, 'contoso-lab')).toMatchObject({ consent_status: 'missing', granted_permissions: [] });
      // Now the gate knows it at click time: blocked, not another failed run.
      const tenant = await tenantBySlug(env.tdb.db, 'contoso-lab');
      expect(await start(env.tdb.db, { type: 'inventory.sync', tenantId: tenant.id, trigger: 'operator', initiatorUserId: operatorId })).toMatchObject({
        outcome: 'blocked',
        reason: { code: 'provider_consent_missing' },
      });
    } finally {
      await tamper('contoso-lab', { consentGranted: true });
      await run('contoso-lab', 'tenant.verification');
    }
  });

  it('expired and wrong secrets, missing app -> credential and unusable reasons', async () => {
    await tamper('contoso-lab', { secretExpiresAt: new Date(Date.now() - 86_400_000).toISOString() });
    expect(await run('contoso-lab', 'entra_group_sync')).toMatchObject({ outcome: 'failed', reason_code: 'provider_credentials_expired' });
    await tamper('contoso-lab', { secretExpiresAt: null, secret: 'not-the-stored-one' });
    expect(await run('contoso-lab', 'entra_group_sync')).toMatchObject({ outcome: 'failed', reason_code: 'provider_credentials_invalid' });
    await tamper('contoso-lab', { secret: fixture('contoso-lab').connections[0]!.secret, appExists: false });
    const unusable = await run('contoso-lab', 'provider_connection.check');
    expect(unusable).toMatchObject({ outcome: 'failed', reason_code: 'provider_connection_unusable' });
    expect(await connectionOf(env.tdb.db, 'contoso-lab')).toMatchObject({ verification_status: 'unusable' });
    await tamper('contoso-lab', { appExists: true });
    expect(await run('contoso-lab', 'provider_connection.check')).toMatchObject({ outcome: 'succeeded' });
  });

  it('a role the token lacks -> provider_permission_missing naming it', async () => {
    const all = fixture('contoso-lab').connections[0]!.permissions;
    await tamper('contoso-lab', { grantedRoles: all.filter((p) => p !== 'RoleManagement.Read.Directory') });
    try {
      const done = await run('contoso-lab', 'directory_role_definitions.sync');
      expect(done).toMatchObject({ outcome: 'failed', reason_code: 'provider_permission_missing' });
      expect(done.reason_params).toEqual({ missing: ['RoleManagement.Read.Directory'] });
    } finally {
      await tamper('contoso-lab', { grantedRoles: [...all] });
    }
  });

  it('429 with Retry-After, then success; 5xx and throttling that never stop -> unavailable / throttled', async () => {
    const f = fixture('contoso-lab');
    const app = [f.entraTenantId, f.connections[0]!.clientId] as const;
    try {
      env.sandbox.state.setAppFaults(...app, { throttleNext: 2, retryAfterSeconds: 1 });
      expect(await run('contoso-lab', 'entra_group_sync')).toMatchObject({ outcome: 'succeeded' });
      env.sandbox.state.setAppFaults(...app, { serverErrorsNext: 1000 });
      expect(await run('contoso-lab', 'entra_group_sync')).toMatchObject({ outcome: 'failed', reason_code: 'provider_unavailable' });
      env.sandbox.state.setAppFaults(...app, { throttleNext: 1000 });
      expect(await run('contoso-lab', 'entra_group_sync')).toMatchObject({ outcome: 'failed', reason_code: 'provider_throttled' });
    } finally {
      env.sandbox.state.setAppFaults(...app, {});
    }
  });
});
