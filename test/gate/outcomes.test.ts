import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { preflight, start } from '../../src/gate/start.ts';
import type { StartInput } from '../../src/gate/result.ts';
import { OPERATION_TYPES } from '../../src/operations/definition.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { connectionOf, countRows, seedDemoData, tenantBySlug, userByEmail } from '../helpers/seed.ts';

let tdb: TestDatabase;
let operatorId: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  await seedDemoData(tdb.db);
  operatorId = (await userByEmail(tdb.db, 'operator@contoso.example')).id;
});
afterAll(async () => tdb.close());

// Each test starts from no active runs, so outcomes do not leak between tests.
beforeEach(async () => {
  await sql`update operation_runs set status = 'completed', outcome = 'cancelled', completed_at = now() where status <> 'completed'`.execute(tdb.db);
  await sql`delete from graphile_worker._private_jobs`.execute(tdb.db);
});

async function input(slug: string, type: StartInput['type'], extra: Partial<StartInput> = {}): Promise<StartInput> {
  const tenant = await tenantBySlug(tdb.db, slug);
  return { type, tenantId: tenant.id, trigger: 'operator', initiatorUserId: operatorId, ...extra };
}

async function jobFor(runId: string) {
  const { rows } = await sql<{ task_identifier: string; payload: { runId: string } }>`
    select t.identifier as task_identifier, j.payload from graphile_worker._private_jobs j
      join graphile_worker._private_tasks t on t.id = j.task_id where j.key = ${runId}`.execute(tdb.db);
  return rows;
}

describe('the four outcomes', () => {
  it('accepts a ready start: run queued with the default connection pinned, job enqueued, audited', async () => {
    const conn = await connectionOf(tdb.db, 'northwind');
    const r = await start(tdb.db, await input('northwind', 'inventory.sync'));
    expect(r.outcome).toBe('accepted');
    if (r.outcome !== 'accepted') return;
    expect(r.providerConnection).toEqual({ id: conn.id, name: 'Primary' });
    const run = await tdb.db.selectFrom('operation_runs').selectAll().where('id', '=', r.run.id).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'queued', outcome: 'pending', provider_connection_id: conn.id, initiator_user_id: operatorId, trigger: 'operator' });
    expect(run.context).toMatchObject({ providerConnectionName: 'Primary' });
    expect(await jobFor(r.run.id)).toEqual([{ task_identifier: 'inventory.sync', payload: { runId: r.run.id } }]);
    const audit = await tdb.db.selectFrom('audit_log').selectAll().where('run_id', '=', r.run.id).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'operation.start', outcome: 'accepted', operation_type: 'inventory.sync', actor_user_id: operatorId });
  });

  it('dedupes the same operation on the same target to the active run, without a new run or job', async () => {
    const first = await start(tdb.db, await input('northwind', 'inventory.sync'));
    const before = await countRows(tdb.db);
    const second = await start(tdb.db, await input('northwind', 'inventory.sync'));
    expect(second.outcome).toBe('deduped');
    expect(second.run.id).toBe(first.run.id);
    const after = await countRows(tdb.db);
    expect(after).toEqual({ runs: before.runs, jobs: before.jobs, audit: before.audit + 1 });
  });

  it('answers scope busy when another operation holds the connection, pointing to it', async () => {
    const holder = await start(tdb.db, await input('northwind', 'inventory.sync'));
    const r = await start(tdb.db, await input('northwind', 'compliance.snapshot'));
    expect(r.outcome).toBe('scope_busy');
    expect(r.run).toEqual({ id: holder.run.id, type: 'inventory.sync', tenantId: holder.tenantId });
    const audit = await tdb.db
      .selectFrom('audit_log')
      .selectAll()
      .where('operation_type', '=', 'compliance.snapshot')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ outcome: 'scope_busy', reason_code: 'scope_busy', run_id: holder.run.id });
  });

  it('the same tenant work on another connection is deduped to the active run (tenant + type identity)', async () => {
    const secondary = await connectionOf(tdb.db, 'contoso-lab', 'Secondary');
    for (const type of ['inventory.sync', 'compliance.snapshot', 'entra_group_sync', 'directory_role_definitions.sync'] as const) {
      const a = await start(tdb.db, await input('contoso-lab', type));
      const b = await start(tdb.db, await input('contoso-lab', type, { providerConnectionId: secondary.id }));
      expect([type, a.outcome, b.outcome]).toEqual([type, 'accepted', 'deduped']);
      expect(b.run.id).toBe(a.run.id);
      // The answer names the connection the active run uses, not the one asked for.
      expect(b.providerConnection?.name).toBe('Primary');
      const pre = await preflight(tdb.db, await input('contoso-lab', type, { providerConnectionId: secondary.id }));
      expect(pre).toMatchObject({ wouldBe: 'deduped', run: { id: a.run.id }, providerConnection: { name: 'Primary' } });
      await sql`update operation_runs set status = 'completed', outcome = 'cancelled', completed_at = now() where id = ${a.run.id}`.execute(tdb.db);
    }
    // A restore run's identity is the restore run itself, whatever the connection.
    const lab = await tenantBySlug(tdb.db, 'contoso-lab');
    const rr = await tdb.db.insertInto('restore_runs').values({ tenant_id: lab.id, name: 'Lab restore' }).returning('id').executeTakeFirstOrThrow();
    const target = { restoreRunId: rr.id, confirm: 'Lab restore' };
    const r1 = await start(tdb.db, await input('contoso-lab', 'restore.execute', { target }));
    const r2 = await start(tdb.db, await input('contoso-lab', 'restore.execute', { target, providerConnectionId: secondary.id }));
    expect([r1.outcome, r2.outcome, r2.run.id]).toEqual(['accepted', 'deduped', r1.run.id]);
  });

  it('another connection of the same tenant is another scope: a different operation on it is accepted', async () => {
    const a = await start(tdb.db, await input('contoso-lab', 'inventory.sync'));
    const secondary = await connectionOf(tdb.db, 'contoso-lab', 'Secondary');
    const b = await start(tdb.db, await input('contoso-lab', 'compliance.snapshot', { providerConnectionId: secondary.id }));
    expect([a.outcome, b.outcome]).toEqual(['accepted', 'accepted']);
    expect(b.providerConnection?.id).toBe(secondary.id);
    // Connection checks stay per connection: each connection is its own work.
    const c = await start(tdb.db, await input('contoso-lab', 'tenant.verification', { providerConnectionId: secondary.id }));
    expect(c.outcome).toBe('scope_busy');
  });

  it('blocks and records the refusal as a completed blocked run that was never enqueued', async () => {
    const before = await countRows(tdb.db);
    const r = await start(tdb.db, await input('woodgrove', 'inventory.sync'));
    expect(r.outcome).toBe('blocked');
    if (r.outcome !== 'blocked') return;
    expect(r.reason).toEqual({ code: 'provider_consent_missing', params: { consentStatus: 'missing' } });
    const run = await tdb.db.selectFrom('operation_runs').selectAll().where('id', '=', r.run.id).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'completed', outcome: 'blocked', reason_code: 'provider_consent_missing', started_at: null });
    expect(await jobFor(r.run.id)).toEqual([]);
    const after = await countRows(tdb.db);
    expect(after.jobs).toBe(before.jobs);
    const audit = await tdb.db.selectFrom('audit_log').selectAll().where('run_id', '=', r.run.id).execute();
    expect(audit.map((a) => [a.outcome, a.reason_code])).toEqual([['blocked', 'provider_consent_missing']]);
  });

  it('a blocked start dominates a busy scope: one result, one next step', async () => {
    await sql`update provider_connections set enabled = false where tenant_id = (select id from tenants where slug = 'contoso-lab') and name = 'Primary'`.execute(
      tdb.db,
    );
    try {
      const r = await start(tdb.db, await input('contoso-lab', 'inventory.sync'));
      expect(r.outcome).toBe('blocked');
    } finally {
      await sql`update provider_connections set enabled = true where name = 'Primary'`.execute(tdb.db);
    }
  });
});

describe('every blocked reason, from stored facts only', () => {
  const cases: [string, string, StartInput['type'], string, Record<string, unknown>?][] = [
    ['suspended tenant', 'litware', 'inventory.sync', 'tenant_not_operable', { status: 'suspended' }],
    ['no connection at all', 'adatum', 'inventory.sync', 'provider_connection_missing'],
    ['expired secret', 'tailspin', 'inventory.sync', 'provider_credentials_expired'],
    ['consent missing', 'woodgrove', 'compliance.snapshot', 'provider_consent_missing'],
    ['permission missing', 'alpine', 'entra_group_sync', 'provider_permission_missing', { missing: ['Group.Read.All'] }],
    ['verification still needs credentials', 'tailspin', 'tenant.verification', 'provider_credentials_expired'],
    ['verification needs an operable tenant', 'litware', 'tenant.verification', 'tenant_not_operable'],
  ];
  it.each(cases)('%s (%s, %s) -> %s', async (_name, slug, type, code, params) => {
    const r = await start(tdb.db, await input(slug, type));
    expect(r.outcome).toBe('blocked');
    if (r.outcome !== 'blocked') return;
    expect(r.reason.code).toBe(code);
    if (params) expect(r.reason.params).toMatchObject(params);
  });

  it('disabled, credential-less and unusable connections', async () => {
    const conn = await connectionOf(tdb.db, 'contoso-lab', 'Secondary');
    const go = () => input('contoso-lab', 'inventory.sync', { providerConnectionId: conn.id });
    const set = (s: string) => sql`update provider_connections set ${sql.raw(s)} where id = ${conn.id}`.execute(tdb.db);
    await set('enabled = false');
    expect(await start(tdb.db, await go())).toMatchObject({ outcome: 'blocked', reason: { code: 'provider_connection_disabled' } });
    await set('enabled = true, secret_ciphertext = null');
    expect(await start(tdb.db, await go())).toMatchObject({ outcome: 'blocked', reason: { code: 'provider_credentials_missing' } });
    await set(`secret_ciphertext = 'x', verification_status = 'unusable', verification_reason_code = 'provider_connection_unusable'`);
    expect(await start(tdb.db, await go())).toMatchObject({ outcome: 'blocked', reason: { code: 'provider_connection_unusable' } });
    // Verification is how an unusable connection is re-checked: it must not be blocked by that fact.
    expect((await start(tdb.db, await input('contoso-lab', 'provider_connection.check', { providerConnectionId: conn.id }))).outcome).toBe('accepted');
    await set(`secret_ciphertext = ${"'"}${conn.secret_ciphertext}${"'"}, verification_status = 'succeeded', verification_reason_code = null`);
  });

  it('an explicit connection of another tenant resolves to nothing, like an unknown id', async () => {
    const foreign = await connectionOf(tdb.db, 'fabrikam-retail');
    const r = await start(tdb.db, await input('northwind', 'inventory.sync', { providerConnectionId: foreign.id }));
    expect(r).toMatchObject({ outcome: 'blocked', reason: { code: 'provider_connection_missing' }, providerConnection: null });
  });

  it('verification is not blocked by missing consent or permissions: it is how they get refreshed', async () => {
    expect((await start(tdb.db, await input('woodgrove', 'tenant.verification'))).outcome).toBe('accepted');
    expect((await start(tdb.db, await input('alpine', 'tenant.verification'))).outcome).toBe('accepted');
  });

  it('repeated identical blocked clicks reuse the latest blocked record', async () => {
    const a = await start(tdb.db, await input('adatum', 'compliance.snapshot'));
    const b = await start(tdb.db, await input('adatum', 'compliance.snapshot'));
    expect(b.run.id).toBe(a.run.id);
    expect(b).toMatchObject({ reusedRecord: true });
    const run = await tdb.db.selectFrom('operation_runs').select('attempt_count').where('id', '=', a.run.id).executeTakeFirstOrThrow();
    expect(run.attempt_count).toBe(2);
    // Every attempt is still audited.
    const audits = await tdb.db.selectFrom('audit_log').select('id').where('run_id', '=', a.run.id).execute();
    expect(audits).toHaveLength(2);
    // A different person's click is a different record.
    const owner = await userByEmail(tdb.db, 'owner@contoso.example');
    const c = await start(tdb.db, await input('adatum', 'compliance.snapshot', { initiatorUserId: owner.id }));
    expect(c.run.id).not.toBe(a.run.id);
  });

  it('a scheduled start is blocked the same way, with no initiator', async () => {
    const r = await start(tdb.db, await input('woodgrove', 'inventory.sync', { trigger: 'scheduled', initiatorUserId: null }));
    expect(r).toMatchObject({ outcome: 'blocked', reason: { code: 'provider_consent_missing' } });
    const run = await tdb.db.selectFrom('operation_runs').selectAll().where('id', '=', r.run.id).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ trigger: 'scheduled', initiator_user_id: null });
  });
});

describe('pinning', () => {
  it('changing the default after acceptance leaves the run on the connection chosen at the click', async () => {
    const primary = await connectionOf(tdb.db, 'contoso-lab', 'Primary');
    const secondary = await connectionOf(tdb.db, 'contoso-lab', 'Secondary');
    const r = await start(tdb.db, await input('contoso-lab', 'entra_group_sync'));
    expect(r.outcome).toBe('accepted');
    await tdb.db.transaction().execute(async (tx) => {
      await tx.updateTable('provider_connections').set({ is_default: false }).where('id', '=', primary.id).execute();
      await tx.updateTable('provider_connections').set({ is_default: true }).where('id', '=', secondary.id).execute();
    });
    try {
      const run = await tdb.db.selectFrom('operation_runs').selectAll().where('id', '=', r.run.id).executeTakeFirstOrThrow();
      expect(run.provider_connection_id).toBe(primary.id);
      // A new start now resolves the new default: another scope, so it is accepted too.
      const next = await start(tdb.db, await input('contoso-lab', 'compliance.snapshot'));
      expect(next).toMatchObject({ outcome: 'accepted', providerConnection: { id: secondary.id, name: 'Secondary' } });
    } finally {
      await tdb.db.transaction().execute(async (tx) => {
        await tx.updateTable('provider_connections').set({ is_default: false }).where('id', '=', secondary.id).execute();
        await tx.updateTable('provider_connections').set({ is_default: true }).where('id', '=', primary.id).execute();
      });
    }
  });
});

describe('atomicity of run and job', () => {
  it('when the enqueue fails inside the transaction, no run row remains', async () => {
    await sql`create function fail_enqueue() returns trigger language plpgsql as $$ begin raise exception 'queue refused'; end $$`.execute(tdb.db);
    await sql`create trigger fail_enqueue before insert on graphile_worker._private_jobs for each row execute function fail_enqueue()`.execute(tdb.db);
    try {
      const before = await countRows(tdb.db);
      await expect(start(tdb.db, await input('northwind', 'inventory.sync'))).rejects.toThrow(/queue refused/);
      expect(await countRows(tdb.db)).toEqual(before);
    } finally {
      await sql`drop trigger fail_enqueue on graphile_worker._private_jobs`.execute(tdb.db);
      await sql`drop function fail_enqueue()`.execute(tdb.db);
    }
  });

  it('when the run insert fails, no job is enqueued', async () => {
    await sql`create function fail_run() returns trigger language plpgsql as $$ begin raise exception 'run refused'; end $$`.execute(tdb.db);
    await sql`create trigger fail_run before insert on operation_runs for each row when (new.status = 'queued') execute function fail_run()`.execute(tdb.db);
    try {
      const before = await countRows(tdb.db);
      await expect(start(tdb.db, await input('northwind', 'inventory.sync'))).rejects.toThrow(/run refused/);
      expect(await countRows(tdb.db)).toEqual(before);
    } finally {
      await sql`drop trigger fail_run on operation_runs`.execute(tdb.db);
      await sql`drop function fail_run()`.execute(tdb.db);
    }
  });
});

describe('preflight', () => {
  it('answers what a start would do for every outcome and writes nothing', async () => {
    const before = await countRows(tdb.db);
    expect(await preflight(tdb.db, await input('northwind', 'inventory.sync'))).toMatchObject({ wouldBe: 'accepted', run: null });
    expect(await preflight(tdb.db, await input('woodgrove', 'inventory.sync'))).toMatchObject({
      wouldBe: 'blocked',
      reason: { code: 'provider_consent_missing' },
    });
    expect(await countRows(tdb.db)).toEqual(before);
    const holder = await start(tdb.db, await input('northwind', 'inventory.sync'));
    const mid = await countRows(tdb.db);
    expect(await preflight(tdb.db, await input('northwind', 'inventory.sync'))).toMatchObject({ wouldBe: 'deduped', run: { id: holder.run.id } });
    expect(await preflight(tdb.db, await input('northwind', 'compliance.snapshot'))).toMatchObject({ wouldBe: 'scope_busy', run: { id: holder.run.id } });
    expect(await countRows(tdb.db)).toEqual(mid);
  });
});

describe('coverage', () => {
  it('every covered operation type is admitted through the gate on a healthy tenant', async () => {
    const restore = await tdb.db.selectFrom('restore_runs').select(['id', 'name']).executeTakeFirstOrThrow();
    const session = await tdb.db
      .insertInto('onboarding_sessions')
      .values({
        workspace_id: (await tenantBySlug(tdb.db, 'northwind')).workspace_id,
        tenant_id: (await tenantBySlug(tdb.db, 'northwind')).id,
        created_by: operatorId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const type of OPERATION_TYPES) {
      await sql`update operation_runs set status = 'completed', outcome = 'cancelled', completed_at = now() where status <> 'completed'`.execute(tdb.db);
      const r = await start(
        tdb.db,
        await input('northwind', type, {
          target: { restoreRunId: restore.id, confirm: restore.name },
          onboardingSessionId: type === 'onboarding.verification' ? session.id : undefined,
        }),
      );
      expect([type, r.outcome]).toEqual([type, 'accepted']);
    }
  });
});
