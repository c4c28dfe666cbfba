// "Capture backup" against the sandbox cloud: every device configuration with its
// assignments, every page, one new set of backup items per capture.
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { start } from '../../src/gate/start.ts';
import type { JobContext, PinnedProvider } from '../../src/operations/job-context.ts';
import { captureBackup } from '../../src/operations/backup-capture/job.ts';
import { executeRestore } from '../../src/operations/restore-execute/job.ts';
import { ProviderError } from '../../src/provider/types.ts';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { connectionOf, tenantBySlug, userByEmail } from '../helpers/seed.ts';
import { createWorkerEnv, waitForRun, type WorkerEnv } from '../helpers/worker-env.ts';

let env: WorkerEnv;
let ownerId: string;
const northwind = DEMO_WORKSPACES.flatMap((w) => w.tenants).find((t) => t.slug === 'northwind')!;

beforeAll(async () => {
  env = await createWorkerEnv();
  ownerId = (await userByEmail(env.tdb.db, 'owner@contoso.example')).id;
  await env.startWorker();
});
afterAll(async () => env.close());
beforeEach(() => env.sandbox.state.resetCounters());

async function capture() {
  const tenant = await tenantBySlug(env.tdb.db, 'northwind');
  const r = await start(env.tdb.db, { type: 'backup.capture', tenantId: tenant.id, trigger: 'operator', initiatorUserId: ownerId });
  expect(r.outcome).toBe('accepted');
  return waitForRun(env.tdb.db, r.run.id);
}

const itemsOf = (runId: string) => env.tdb.db.selectFrom('backup_items').selectAll().where('run_id', '=', runId).orderBy('source_id').execute();

describe('backup.capture on northwind', () => {
  it('stores every configuration with its assignments, reading each page once with assignments inline', async () => {
    const cloud = env.sandbox.state.getTenant(northwind.entraTenantId)!.data;
    const expectedAssignments = cloud.deviceConfigurations.reduce((n, c) => n + (cloud.assignments.get(c.id)?.length ?? 0), 0);
    expect(expectedAssignments).toBeGreaterThan(0);

    const done = await capture();
    expect(done).toMatchObject({ outcome: 'succeeded', reason_code: null });
    expect(done.summary_counts).toEqual({ itemsCaptured: 250, assignmentsCaptured: expectedAssignments });
    // 250 configurations at 100 a page: three pages, and no per-item /assignments reads.
    expect(env.sandbox.state.count('GET', '/beta/deviceManagement/deviceConfigurations')).toBe(3);
    expect(env.sandbox.state.countWhere((_m, p) => p.endsWith('/assignments'))).toBe(0);

    const items = await itemsOf(done.id);
    expect(items).toHaveLength(250);
    expect(new Set(items.map((i) => i.captured_at.getTime())).size).toBe(1);
    for (const item of items) {
      const source = cloud.deviceConfigurations.find((c) => c.id === item.source_id)!;
      expect(item).toMatchObject({ resource_type: 'deviceConfiguration', display_name: source.displayName });
      // The payload is the configuration as Graph gave it, without the expanded assignments.
      expect(item.payload).toEqual(source);
      expect(item.assignments).toEqual(cloud.assignments.get(source.id) ?? []);
    }
  });

  it('appends a new point-in-time set per capture and leaves earlier ones as they were', async () => {
    const first = await capture();
    const before = await itemsOf(first.id);
    const second = await capture();
    const after = await itemsOf(second.id);
    expect(after).toHaveLength(250);
    expect(after[0]!.captured_at.getTime()).toBeGreaterThan(before[0]!.captured_at.getTime());
    expect(await itemsOf(first.id)).toEqual(before);
    const { rows } = await sql<{ n: number }>`select count(distinct run_id)::int as n from backup_items where run_id is not null`.execute(env.tdb.db);
    expect(rows[0]!.n).toBeGreaterThanOrEqual(2);
  });

  it('a capture that fails writes nothing and says why', async () => {
    const app = [northwind.entraTenantId, northwind.connections[0]!.clientId] as const;
    env.sandbox.state.setAppFaults(...app, { serverErrorsNext: 1000 });
    try {
      const done = await capture();
      expect(done).toMatchObject({ outcome: 'failed', reason_code: 'provider_unavailable' });
      expect(await itemsOf(done.id)).toEqual([]);
    } finally {
      env.sandbox.state.setAppFaults(...app, {});
    }
  });

  it('restoring a captured configuration deleted since re-creates it with its targets, not the old assignment ids; executed again, it updates that one', async () => {
    const cloud = env.sandbox.state.getTenant(northwind.entraTenantId)!.data;
    const done = await capture();
    const item = (await itemsOf(done.id)).find((i) => i.assignments.length > 0)!;
    const captured = item.assignments as { id: string; target: unknown }[];
    expect(captured[0]!.id.startsWith(`${item.source_id}_`)).toBe(true);
    // The tenant's admin deleted the configuration after the capture.
    const at = cloud.deviceConfigurations.findIndex((c) => c.id === item.source_id);
    const [deleted] = cloud.deviceConfigurations.splice(at, 1);
    cloud.assignments.delete(item.source_id);
    let newId: string | null = null;
    try {
      const tenant = await tenantBySlug(env.tdb.db, 'northwind');
      const rr = await env.tdb.db
        .insertInto('restore_runs')
        .values({ tenant_id: tenant.id, name: 'Deleted since capture' })
        .returning(['id', 'name'])
        .executeTakeFirstOrThrow();
      await env.tdb.db.insertInto('restore_run_items').values({ restore_run_id: rr.id, backup_item_id: item.id, position: 0 }).execute();
      const execute = async () => {
        const r = await start(env.tdb.db, {
          type: 'restore.execute',
          tenantId: tenant.id,
          trigger: 'operator',
          initiatorUserId: ownerId,
          target: { restoreRunId: rr.id, confirm: rr.name },
        });
        expect(r.outcome).toBe('accepted');
        return waitForRun(env.tdb.db, r.run.id);
      };
      const restored = await execute();
      expect(restored).toMatchObject({ outcome: 'succeeded', summary_counts: { itemsCreated: 1, itemsFailed: 0, assignmentsRestored: captured.length } });
      ({ target_id: newId } = await env.tdb.db
        .selectFrom('restore_run_items')
        .select('target_id')
        .where('restore_run_id', '=', rr.id)
        .executeTakeFirstOrThrow());
      expect(newId).not.toBe(item.source_id);
      const assigned = cloud.assignments.get(newId!)!;
      expect(assigned.map((a) => a.target)).toEqual(captured.map((a) => a.target));
      for (const a of assigned) expect(String(a.id).startsWith(`${newId!}_`)).toBe(true);

      // Executed again: the configuration it created is updated, not created a second time.
      const configs = cloud.deviceConfigurations.length;
      expect(await execute()).toMatchObject({ outcome: 'succeeded', summary_counts: { itemsCreated: 0, itemsUpdated: 1, itemsFailed: 0 } });
      expect(cloud.deviceConfigurations).toHaveLength(configs);
    } finally {
      // The fixture as it was: the re-created configuration out, the deleted one back.
      cloud.deviceConfigurations = cloud.deviceConfigurations.filter((c) => c.id !== newId);
      cloud.assignments.delete(newId ?? '');
      cloud.deviceConfigurations.splice(at, 0, deleted!);
    }
  });
});

describe('the capture job, page by page', () => {
  // A provider serving three pages, optionally failing on one; counts heartbeats.
  async function fakeContext(failOnPage?: number) {
    const db = env.tdb.db;
    const tenant = await tenantBySlug(db, 'contoso-lab');
    const connection = await connectionOf(db, 'contoso-lab');
    const run = await db
      .insertInto('operation_runs')
      .values({
        tenant_id: tenant.id,
        type: 'backup.capture',
        provider_connection_id: null,
        trigger: 'system',
        status: 'running',
        outcome: 'pending',
        started_at: new Date(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const pages = [0, 1, 2].map((p) => ({
      value: [0, 1].map((i) => ({
        '@odata.type': '#microsoft.graph.windows10GeneralConfiguration',
        id: `cfg-${p}-${i}`,
        displayName: `Config ${p}.${i}`,
        assignments: [{ id: `a-${p}-${i}` }],
      })),
      ...(p < 2 ? { '@odata.nextLink': `https://graph.example/beta/deviceManagement/deviceConfigurations?$expand=assignments&$skiptoken=${p + 1}` } : {}),
    }));
    const calls = { gets: [] as string[], heartbeats: 0 };
    const provider = {
      get: async (path: string) => {
        calls.gets.push(path);
        const p = calls.gets.length - 1;
        if (p === failOnPage) throw new ProviderError({ code: 'provider_throttled', params: {} });
        return pages[p];
      },
    } as unknown as PinnedProvider;
    const ctx = { db, run, tenant, connection, provider, heartbeat: async () => void calls.heartbeats++ } as JobContext;
    return { ctx, calls, runId: run.id };
  }

  it('follows every nextLink and heart-beats after each page', async () => {
    const { ctx, calls, runId } = await fakeContext();
    const result = await captureBackup(ctx);
    expect(result).toEqual({ outcome: 'succeeded', summaryCounts: { itemsCaptured: 6, assignmentsCaptured: 6 } });
    expect(calls.gets).toHaveLength(3);
    expect(calls.gets[0]).toBe('/beta/deviceManagement/deviceConfigurations?$expand=assignments');
    expect(calls.gets[2]).toMatch(/skiptoken=2$/);
    expect(calls.heartbeats).toBe(3);
    expect((await itemsOf(runId)).map((i) => i.display_name)).toEqual(['Config 0.0', 'Config 0.1', 'Config 1.0', 'Config 1.1', 'Config 2.0', 'Config 2.1']);
  });

  it('a failure on a later page leaves no half backup', async () => {
    const { ctx, runId } = await fakeContext(2);
    await expect(captureBackup(ctx)).rejects.toMatchObject({ failure: { code: 'provider_throttled' } });
    expect(await itemsOf(runId)).toEqual([]);
  });
});

describe('the restore job, item by item', () => {
  it('a configuration created before the item stopped (its assignments failed) is recorded, and the next execution updates it', async () => {
    const db = env.tdb.db;
    const tenant = await tenantBySlug(db, 'contoso-lab');
    const connection = await connectionOf(db, 'contoso-lab');
    const rr = await db.insertInto('restore_runs').values({ tenant_id: tenant.id, name: 'Stopped mid-item' }).returning('id').executeTakeFirstOrThrow();
    const item = await db
      .insertInto('backup_items')
      .values({
        tenant_id: tenant.id,
        resource_type: 'deviceConfiguration',
        source_id: 'deleted-since',
        display_name: 'Baseline - Stopped',
        payload: JSON.stringify({ '@odata.type': '#microsoft.graph.windows10GeneralConfiguration', displayName: 'Baseline - Stopped' }),
        assignments: JSON.stringify([{ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }]),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('restore_run_items').values({ restore_run_id: rr.id, backup_item_id: item.id, position: 0 }).execute();

    // A tenant where the configuration is gone; its first assign answers throttled.
    const live = new Set(['unrelated']);
    const calls: string[] = [];
    let failAssign = true;
    const provider = {
      getAll: async () => [...live].map((id) => ({ id })),
      post: async (path: string) => {
        calls.push(`POST ${path}`);
        if (path.endsWith('/assign')) {
          if (failAssign) throw new ProviderError({ code: 'provider_throttled', params: {} });
          return { value: [] };
        }
        live.add('created-1');
        return { id: 'created-1' };
      },
      patch: async (path: string) => {
        calls.push(`PATCH ${path}`);
        return {};
      },
    } as unknown as PinnedProvider;
    const execute = async () => {
      const run = await db
        .insertInto('operation_runs')
        .values({
          tenant_id: tenant.id,
          type: 'restore.execute',
          provider_connection_id: null,
          trigger: 'system',
          status: 'running',
          outcome: 'pending',
          started_at: new Date(),
          context: JSON.stringify({ restoreRunId: rr.id }),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const ctx = { db, run, tenant, connection, provider, heartbeat: async () => undefined } as JobContext;
      return executeRestore(ctx);
    };
    const itemRow = () => db.selectFrom('restore_run_items').select(['result', 'target_id']).where('restore_run_id', '=', rr.id).executeTakeFirstOrThrow();

    expect(await execute()).toMatchObject({ outcome: 'failed', summaryCounts: { itemsCreated: 0, itemsFailed: 1 } });
    expect(await itemRow()).toEqual({ result: 'failed', target_id: 'created-1' });

    failAssign = false;
    calls.length = 0;
    expect(await execute()).toMatchObject({ outcome: 'succeeded', summaryCounts: { itemsCreated: 0, itemsUpdated: 1, assignmentsRestored: 1 } });
    expect(calls).toEqual(['PATCH /beta/deviceManagement/deviceConfigurations/created-1', 'POST /beta/deviceManagement/deviceConfigurations/created-1/assign']);
    expect(await itemRow()).toEqual({ result: 'updated', target_id: 'created-1' });
  });
});
