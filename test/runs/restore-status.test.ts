// A restore run's status follows its run in every ending: queued/running -> executing, then
// completed, failed (with the run's reason) or, for a run cancelled before it started, ready
// again. Never left "executing" after its run ended, whoever ended it. The restore page reads
// GET /api/restore-runs/{id}, so the status and the reason are checked there too.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../../src/gate/start.ts';
import { buildServer } from '../../src/http/server.ts';
import { cancel, interruptAbandoned, markRunning } from '../../src/runs/run-service.ts';
import type { WorkerHandle } from '../../src/runs/worker.ts';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { call, login } from '../http/helpers.ts';
import { tenantBySlug, testBox, userByEmail } from '../helpers/seed.ts';
import { createWorkerEnv, waitForRun, type WorkerEnv } from '../helpers/worker-env.ts';

let env: WorkerEnv;
let server: FastifyInstance;
let base: string;
let cookie: string;
let worker: WorkerHandle | null = null;
let managerId: string;
let tenantId: string;
const northwind = DEMO_WORKSPACES.flatMap((w) => w.tenants).find((t) => t.slug === 'northwind')!;
const app = [northwind.entraTenantId, northwind.connections[0]!.clientId] as const;

beforeAll(async () => {
  env = await createWorkerEnv();
  server = await buildServer({ db: env.tdb.db, box: testBox });
  await server.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  cookie = await login(base, 'manager@contoso.example');
  managerId = (await userByEmail(env.tdb.db, 'manager@contoso.example')).id;
  tenantId = (await tenantBySlug(env.tdb.db, 'northwind')).id;
});
afterAll(async () => {
  await server.close();
  await env.close();
});

async function ensureWorker() {
  worker ??= await env.startWorker();
}

/** The restore run as its page reads it. */
async function page(id: string) {
  const res = await call(base, 'GET', `/api/restore-runs/${id}`, { cookie });
  expect(res.status).toBe(200);
  return res.body;
}

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
    await ensureWorker();
    env.sandbox.state.setAppFaults(...app, { serverErrorsNext: 1000 });
    try {
      const { rr, runId } = await startRestore();
      expect(await waitForRun(env.tdb.db, runId)).toMatchObject({ outcome: 'failed', reason_code: 'provider_unavailable' });
      expect(await status(rr.id)).toMatchObject({ status: 'failed', last_run_reason_code: 'provider_unavailable' });
      expect(await page(rr.id)).toMatchObject({
        status: 'failed',
        lastRun: {
          id: runId,
          outcome: 'failed',
          reason: { code: 'provider_unavailable', message: 'Microsoft Graph was unavailable or did not answer in time.' },
        },
      });
    } finally {
      env.sandbox.state.setAppFaults(...app, {});
    }
    const { rr, runId } = await startRestore();
    expect(await waitForRun(env.tdb.db, runId)).toMatchObject({ outcome: 'succeeded' });
    expect(await status(rr.id)).toMatchObject({ status: 'completed', last_run_id: runId, last_run_reason_code: null });
    expect(await page(rr.id)).toMatchObject({ status: 'completed', lastRun: { id: runId, outcome: 'succeeded', reason: null } });
  });

  it('cancelled while it runs: the run ends cancelled at its next checkpoint and the restore run is failed with run_cancelled', async () => {
    await ensureWorker();
    // Slow Graph answers, so the cancel surely arrives while the job is between items.
    env.sandbox.state.setTenantFaults(northwind.entraTenantId, { latencyMs: 700 });
    try {
      const { rr, runId } = await startRestore();
      await waitForRun(env.tdb.db, runId, (r) => r.status === 'running', 20_000);
      expect((await status(rr.id)).status).toBe('executing');
      expect((await cancel(env.tdb.db, runId, managerId, 'manager@contoso.example')).kind).toBe('cancel_requested');
      const ended = await waitForRun(env.tdb.db, runId, (r) => r.status === 'completed', 20_000);
      expect(ended).toMatchObject({ outcome: 'cancelled', reason_code: 'run_cancelled' });
      expect(await status(rr.id)).toMatchObject({ status: 'failed', last_run_id: runId, last_run_reason_code: 'run_cancelled' });
      expect(await page(rr.id)).toMatchObject({
        status: 'failed',
        lastRun: {
          id: runId,
          outcome: 'cancelled',
          reason: { code: 'run_cancelled', message: 'manager@contoso.example cancelled this run before it finished.' },
        },
      });
    } finally {
      env.sandbox.state.setTenantFaults(northwind.entraTenantId, {});
    }
  });
});
