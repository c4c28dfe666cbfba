// Retention with old rows: completed runs older than OPSGATE_RETENTION_DAYS go, in batches, with
// their notifications; their audit rows stay (pointing to no run); runs a restore run or an
// onboarding session still points to stay, as do recent and unfinished runs. Once a day per
// database, however many workers ask.
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditPage } from '../../src/audit/query.ts';
import { parseConfig } from '../../src/config.ts';
import { claimDailyPrune, pruneDaily, pruneOldRuns } from '../../src/runs/retention.ts';
import { startWorker } from '../../src/runs/worker.ts';
import { createSession as createOnboarding } from '../../src/onboarding/sessions.ts';
import { insertCompletedRun } from '../http/helpers.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { connectionOf, seedDemoData, tenantBySlug, testBox, userByEmail } from '../helpers/seed.ts';
import { closeAll } from '../helpers/teardown.ts';

let tdb: TestDatabase;
let northwindId: string;
let ownerId: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  await seedDemoData(tdb.db);
  northwindId = (await tenantBySlug(tdb.db, 'northwind')).id;
  ownerId = (await userByEmail(tdb.db, 'owner@contoso.example')).id;
});
afterAll(() => closeAll(tdb));

/** A completed run (with a notification to the owner) that ended `daysAgo` days ago. */
async function oldRun(daysAgo: number, o: { type?: string; context?: Record<string, string>; notify?: boolean } = {}) {
  const { runId } = await insertCompletedRun(tdb.db, {
    tenantId: northwindId,
    type: o.type ?? 'inventory.sync',
    connectionId: null,
    initiatorId: ownerId,
    outcome: 'succeeded',
    notify: o.notify ?? true,
  });
  await sql`update operation_runs set created_at = now() - make_interval(days => ${daysAgo}), started_at = now() - make_interval(days => ${daysAgo}),
              completed_at = now() - make_interval(days => ${daysAgo}), context = ${JSON.stringify(o.context ?? {})}::jsonb where id = ${runId}`.execute(
    tdb.db,
  );
  return runId;
}
const exists = async (id: string) => !!(await tdb.db.selectFrom('operation_runs').select('id').where('id', '=', id).executeTakeFirst());
const restoreStatus = async (id: string) =>
  tdb.db.selectFrom('restore_runs_with_status').select(['status', 'last_run_id']).where('id', '=', id).executeTakeFirstOrThrow();

describe('pruning old runs', () => {
  it('deletes what is old and done, in batches; keeps everything else', async () => {
    const old = [await oldRun(500), await oldRun(450), await oldRun(401), await oldRun(700, { notify: false })];
    const recent = await oldRun(399);
    // Still running after 500 days (a stuck run is recovery's business, not retention's).
    const stuck = await oldRun(500, { notify: false });
    await sql`update operation_runs set status = 'running', outcome = 'pending', completed_at = null where id = ${stuck}`.execute(tdb.db);
    // A restore run's runs: the older one may go, the last one stays (its status follows it).
    const rr = await tdb.db.selectFrom('restore_runs').select('id').where('tenant_id', '=', northwindId).executeTakeFirstOrThrow();
    const restoreOlder = await oldRun(600, { type: 'restore.execute', context: { restoreRunId: rr.id }, notify: false });
    const restoreLast = await oldRun(500, { type: 'restore.execute', context: { restoreRunId: rr.id }, notify: false });
    const before = await restoreStatus(rr.id);
    expect(before).toEqual({ status: 'completed', last_run_id: restoreLast });
    // An onboarding session's verification run stays with the session.
    const conn = await connectionOf(tdb.db, 'northwind');
    const session = await createOnboarding(tdb.db, {
      workspaceId: (await tenantBySlug(tdb.db, 'northwind')).workspace_id,
      userId: ownerId,
      name: 'Old onboarding',
      slug: `old-${crypto.randomBytes(3).toString('hex')}`,
      entraTenantId: crypto.randomUUID(),
    });
    const verification = await oldRun(500, { type: 'onboarding.verification', notify: false });
    await tdb.db.updateTable('onboarding_sessions').set({ verification_run_id: verification }).where('id', '=', session.id).execute();
    // A record that names an old run as its last sync keeps its data and forgets the run.
    await tdb.db
      .insertInto('inventory_items')
      .values({
        tenant_id: northwindId,
        kind: 'deviceConfiguration',
        external_id: 'cfg-1',
        display_name: 'Old',
        data: JSON.stringify({}),
        provider_connection_id: conn.id,
        last_run_id: old[0]!,
      })
      .execute();
    // A backup is kept whatever its age (docs/DEPLOY.md, Retention): only its capture run goes.
    const capture = await oldRun(650, { type: 'backup.capture', notify: false });
    old.push(capture);
    const backup = await tdb.db
      .insertInto('backup_items')
      .values({
        tenant_id: northwindId,
        resource_type: 'deviceConfiguration',
        source_id: 'cfg-old-backup',
        display_name: 'Old backup',
        payload: JSON.stringify({ displayName: 'Old backup' }),
        assignments: JSON.stringify([]),
        run_id: capture,
        captured_at: new Date(Date.now() - 650 * 86_400_000),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // The audit row of an old start.
    await tdb.db
      .insertInto('audit_log')
      .values({
        workspace_id: (await tenantBySlug(tdb.db, 'northwind')).workspace_id,
        tenant_id: northwindId,
        actor_user_id: ownerId,
        action: 'operation.start',
        outcome: 'accepted',
        operation_type: 'inventory.sync',
        run_id: old[0]!,
        details: '{}',
      })
      .execute();

    const result = await pruneOldRuns(tdb.db, { retentionDays: 400, batchSize: 2, pauseMs: 1 });
    expect(result.deleted).toBe(old.length + 1); // + restoreOlder
    expect(result.batches).toBe(4); // 2 + 2 + 2, then an empty one
    for (const id of [...old, restoreOlder]) expect(await exists(id), id).toBe(false);
    for (const id of [recent, stuck, restoreLast, verification]) expect(await exists(id), id).toBe(true);

    const notes = await tdb.db.selectFrom('notifications').select('run_id').where('run_id', 'in', old).execute();
    expect(notes).toEqual([]);
    expect(await restoreStatus(rr.id)).toEqual(before);
    const item = await tdb.db
      .selectFrom('inventory_items')
      .select(['display_name', 'last_run_id'])
      .where('external_id', '=', 'cfg-1')
      .executeTakeFirstOrThrow();
    expect(item).toEqual({ display_name: 'Old', last_run_id: null });
    expect(await tdb.db.selectFrom('backup_items').select(['display_name', 'run_id']).where('id', '=', backup.id).executeTakeFirstOrThrow()).toEqual({
      display_name: 'Old backup',
      run_id: null,
    });
    const audit = await tdb.db.selectFrom('audit_log').select('run_id').where('run_id', '=', old[0]!).execute();
    expect(audit).toHaveLength(1);
    const page = await auditPage(tdb.db, ownerId, { tenantId: northwindId, action: 'operation.start' }, 500);
    expect(page.items.find((i) => i.run === null && i.outcome === 'accepted')).toBeDefined();

    // Nothing more to do.
    expect(await pruneOldRuns(tdb.db, { retentionDays: 400 })).toEqual({ deleted: 0, batches: 1 });
  });

  it('stops at once when asked (a worker shutting down)', async () => {
    await oldRun(500);
    const stop = new AbortController();
    stop.abort();
    expect(await pruneOldRuns(tdb.db, { retentionDays: 400, signal: stop.signal })).toEqual({ deleted: 0, batches: 0 });
  });
});

describe('once a day per database', () => {
  it('of several processes asking at once, one wins the day; the next day it is to do again', async () => {
    await sql`update opsgate_maintenance set last_started_at = null where task = 'retention'`.execute(tdb.db);
    const claims = await Promise.all(Array.from({ length: 6 }, () => claimDailyPrune(tdb.db)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await pruneDaily(tdb.db, { retentionDays: 400 })).toBeNull();
    await sql`update opsgate_maintenance set last_started_at = now() - interval '25 hours' where task = 'retention'`.execute(tdb.db);
    const r = await pruneDaily(tdb.db, { retentionDays: 400 });
    expect(r).toMatchObject({ deleted: 1 }); // the run the previous test left
    const row = await sql<{
      last_result: Record<string, unknown>;
      last_finished_at: Date | null;
    }>`select last_result, last_finished_at from opsgate_maintenance where task = 'retention'`.execute(tdb.db);
    expect(row.rows[0]).toMatchObject({ last_result: { deleted: 1, retentionDays: 400 }, last_finished_at: expect.any(Date) });
  });

  it('workers run it from their periodic loop', async () => {
    const victim = await oldRun(450);
    await sql`update opsgate_maintenance set last_started_at = null where task = 'retention'`.execute(tdb.db);
    const workers = await Promise.all(
      [1, 2].map(() =>
        startWorker({
          database: tdb,
          box: testBox,
          providerFor: () => {
            throw new Error('no provider in this test');
          },
          concurrency: 1,
          leaseSeconds: 30,
          sweepIntervalMs: 50,
          retentionDays: 400,
          retentionCheckMs: 50,
        }),
      ),
    );
    try {
      for (let i = 0; i < 100 && (await exists(victim)); i++) await new Promise((r) => setTimeout(r, 50));
      expect(await exists(victim)).toBe(false);
      // Both asked many times; the day was claimed once.
      const again = await oldRun(450);
      await new Promise((r) => setTimeout(r, 400));
      expect(await exists(again)).toBe(true);
    } finally {
      for (const w of workers) await w.stop();
    }
  });

  it('OPSGATE_RETENTION_DAYS: default 400, at least 1', () => {
    expect(parseConfig({}).retentionDays).toBe(400);
    expect(parseConfig({ OPSGATE_RETENTION_DAYS: '30' }).retentionDays).toBe(30);
    expect(() => parseConfig({ OPSGATE_RETENTION_DAYS: '0' })).toThrow(/OPSGATE_RETENTION_DAYS must be a whole number from 1/);
  });
});
