// A restore run's status follows its run in every ending: queued/running -> executing, then
// completed, failed (with the run's reason) or, for a run cancelled before it started, ready
// again. Never left "executing" after its run ended, whoever ended it.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../../src/gate/start.ts';
import { interruptAbandoned, markRunning } from '../../src/runs/run-service.ts';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { tenantBySlug, userByEmail } from '../helpers/seed.ts';
import { createWorkerEnv, waitForRun, type WorkerEnv } from '../helpers/worker-env.ts';

let env: WorkerEnv;
let managerId: string;
let tenantId: string;
const northwind = DEMO_WORKSPACES.flatMap((w) => w.tenants).find((t) => t.slug === 'northwind')!;
const app = [northwind.entraTenantId, northwind.connections[0]!.clientId] as const;

beforeAll(async () => {
  env = await createWorkerEnv();
  managerId = (await userByEmail(env.tdb.db, 'manager@contoso.example')).id;
  tenantId = (await tenantBySlug(env.tdb.db, 'northwind')).id;
});
afterAll(async () => env.close());

async function restoreRun() {
  return env.tdb.db.selectFrom('restore_runs').select(['id', 'name']).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
}

async function status(id: string) {
  return env.tdb.db.selectFrom('restore_runs_with_status').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function startRestore() {
  const rr = await restoreRun();
  const r = await start(env.tdb.db, {
    type: 'restore.execute',
    tenantId,
    trigger: 'operator',
    initiatorUserId: managerId,
    target: { restoreRunId: rr.id, confirm: rr.name },
  });
  expect(r.outcome).toBe('accepted');
  return { rr, runId: r.run.id };
}

describe('restore run status', () => {
  it('ready before any run; executing while queued; ready again when the queued run is cancelled', async () => {
    const rr = await restoreRun();
    expect((await status(rr.id)).status).toBe('ready');
    const { runId } = await startRestore();
    expect(await status(rr.id)).toMatchObject({ status: 'executing', last_run_id: runId });
    await sql`update operation_runs set status = 'completed', outcome = 'cancelled', completed_at = now() where id = ${runId}`.execute(env.tdb.db);
    expect((await status(rr.id)).status).toBe('ready');
  });

  it('a blocked attempt changes nothing', async () => {
    const rr = await restoreRun();
    const before = await status(rr.id);
    await sql`update provider_connections set enabled = false where tenant_id = ${tenantId}`.execute(env.tdb.db);
    try {
      const r = await start(env.tdb.db, {
        type: 'restore.execute',
        tenantId,
        trigger: 'operator',
        initiatorUserId: managerId,
        target: { restoreRunId: rr.id, confirm: rr.name },
      });
      expect(r.outcome).toBe('blocked');
      expect(await status(rr.id)).toEqual(before);
    } finally {
      await sql`update provider_connections set enabled = true where tenant_id = ${tenantId}`.execute(env.tdb.db);
    }
  });

  it('the worker died: the recovery sweep ends the run and the restore run is failed with execution_interrupted', async () => {
    const { rr, runId } = await startRestore();
    expect(await markRunning(env.tdb.db, runId, 'dead-worker', 30)).not.toBeNull();
    expect((await status(rr.id)).status).toBe('executing');
    await sql`update operation_runs set lease_expires_at = now() - interval '1 second' where id = ${runId}`.execute(env.tdb.db);
    const swept = await interruptAbandoned(env.tdb.db, 30);
    expect(swept.map((r) => r.id)).toContain(runId);
    expect(await status(rr.id)).toMatchObject({ status: 'failed', last_run_id: runId, last_run_reason_code: 'execution_interrupted' });
  });

  it('Graph answers 5xx: the run fails provider_unavailable and so does the restore run, with the reason on its page', async () => {
    await env.startWorker();
    env.sandbox.state.setAppFaults(...app, { serverErrorsNext: 1000 });
    try {
      const { rr, runId } = await startRestore();
      expect(await waitForRun(env.tdb.db, runId)).toMatchObject({ outcome: 'failed', reason_code: 'provider_unavailable' });
      expect(await status(rr.id)).toMatchObject({ status: 'failed', last_run_reason_code: 'provider_unavailable' });
    } finally {
      env.sandbox.state.setAppFaults(...app, {});
    }
    const { rr, runId } = await startRestore();
    expect(await waitForRun(env.tdb.db, runId)).toMatchObject({ outcome: 'succeeded' });
    expect(await status(rr.id)).toMatchObject({ status: 'completed', last_run_id: runId, last_run_reason_code: null });
  });
});
