// Cancelling a run: a queued run ends cancelled at once and frees its scope; a running run
// stops at its job's next checkpoint (between Graph pages) and ends cancelled; a cancel racing
// the worker's claim never leaves a run running after it was reported cancelled.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../../src/gate/start.ts';
import { buildServer } from '../../src/http/server.ts';
import { cancel, complete, heartbeat, markRunning } from '../../src/runs/run-service.ts';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { call, loginAll, type Persona } from '../http/helpers.ts';
import { tenantBySlug, testBox, userByEmail } from '../helpers/seed.ts';
import { createWorkerEnv, waitForRun, type WorkerEnv } from '../helpers/worker-env.ts';

let env: WorkerEnv;
let app: FastifyInstance;
let base: string;
let cookies: Record<Persona, string | null>;
const fixture = (slug: string) => DEMO_WORKSPACES.flatMap((w) => w.tenants).find((t) => t.slug === slug)!;

beforeAll(async () => {
  env = await createWorkerEnv();
  app = await buildServer({ db: env.tdb.db, box: testBox });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  cookies = await loginAll(base);
});
afterAll(async () => {
  await app.close();
  await env.close();
});

async function startAs(email: string, slug: string, type: 'inventory.sync' | 'entra_group_sync' = 'inventory.sync') {
  const user = await userByEmail(env.tdb.db, email);
  const tenant = await tenantBySlug(env.tdb.db, slug);
  const r = await start(env.tdb.db, { type, tenantId: tenant.id, trigger: 'operator', initiatorUserId: user.id });
  expect(r.outcome).toBe('accepted');
  return { runId: r.run.id, tenantId: tenant.id, userId: user.id };
}

const cancelCall = (runId: string, who: Persona) => call(base, 'POST', `/api/operations/${runId}/cancel`, { cookie: cookies[who], body: {} });

describe('cancel a queued run (no worker running)', () => {
  it('the initiator cancels: completed/cancelled at once, job gone, scope free, audited, notified', async () => {
    const { runId, tenantId, userId } = await startAs('operator@contoso.example', 'northwind');
    const res = await cancelCall(runId, 'operator');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: runId,
      status: 'completed',
      outcome: 'cancelled',
      reason: { code: 'run_cancelled', message: 'operator@contoso.example cancelled this run before it finished.' },
    });
    expect(res.body.cancelRequestedAt).not.toBeNull();
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from graphile_worker._private_jobs where key = ${runId}`.execute(env.tdb.db);
    expect(rows[0]!.n).toBe(0);
    // The scope is free: the same start is accepted again.
    const again = await start(env.tdb.db, { type: 'inventory.sync', tenantId, trigger: 'operator', initiatorUserId: userId });
    expect(again.outcome).toBe('accepted');
    await cancelCall(again.run.id, 'operator');
    const audit = await env.tdb.db.selectFrom('audit_log').selectAll().where('run_id', '=', runId).where('action', '=', 'run.cancelled').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_user_id: userId, outcome: 'cancelled', operation_type: 'inventory.sync' });
    const notes = await env.tdb.db.selectFrom('notifications').select('user_id').where('run_id', '=', runId).execute();
    expect(notes).toEqual([{ user_id: userId }]);
  });

  it('who may cancel: not another operator’s run; a manager or owner may; outsiders read not found; completed is 409', async () => {
    const { runId } = await startAs('owner@contoso.example', 'contoso-lab');
    const op = await cancelCall(runId, 'operator');
    expect([op.status, op.body.error.code]).toEqual([403, 'forbidden']);
    expect((await cancelCall(runId, 'readonly')).status).toBe(403);
    expect((await cancelCall(runId, 'outsider')).status).toBe(404);
    expect((await cancelCall(runId, 'anonymous')).status).toBe(401);
    const byManager = await cancelCall(runId, 'manager');
    expect([byManager.status, byManager.body.outcome]).toEqual([200, 'cancelled']);
    const twice = await cancelCall(runId, 'owner');
    expect([twice.status, twice.body.error.code]).toEqual([409, 'conflict']);
    expect((await call(base, 'POST', '/api/operations/not-a-uuid/cancel', { cookie: cookies.owner, body: {} })).status).toBe(400);
    expect((await call(base, 'POST', `/api/operations/${crypto.randomUUID()}/cancel`, { cookie: cookies.owner, body: {} })).status).toBe(404);
  });

  it('racing the worker’s claim: a run reported cancelled is never claimed; a claimed one is only "cancel requested"', async () => {
    const owner = await userByEmail(env.tdb.db, 'owner@contoso.example');
    const db = env.tdb.db;
    // Backends of this test's database waiting for a lock: how a round knows its first
    // contender is already queued on the run's row before it sends the second.
    const lockWaiters = async () => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
      return rows[0]!.n;
    };
    const untilLockWaiters = async (n: number) => {
      const deadline = Date.now() + 15_000;
      while ((await lockWaiters()) < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} statements waiting on the run's row lock`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const cancelIt = (runId: string) => db.transaction().execute((tx) => cancel(tx, runId, owner.id, owner.email));
    const claimIt = (runId: string) => markRunning(db, runId, 'race-worker', 30);
    // Left to chance, nothing ensures both orders ever occur (on a loaded machine one side can
    // win every round), so two thirds of the rounds fix the order: a third transaction
    // holds the row, the first contender's update queues behind it, then the second's, and
    // PostgreSQL grants a row's waiters in arrival order. Both are still in flight together on
    // the same row, the loser deciding on the winner's committed result: the race itself. The
    // other rounds start both at once, as before.
    type Order = 'free' | 'cancel_first' | 'claim_first';
    const race = async (runId: string, order: Order) => {
      if (order === 'free') return Promise.all([cancelIt(runId), claimIt(runId)]);
      let cancelled!: ReturnType<typeof cancelIt>;
      let claimed!: ReturnType<typeof claimIt>;
      await db.transaction().execute(async (holder) => {
        await sql`select id from operation_runs where id = ${runId} for update`.execute(holder);
        if (order === 'cancel_first') {
          cancelled = cancelIt(runId);
          await untilLockWaiters(1);
          claimed = claimIt(runId);
        } else {
          claimed = claimIt(runId);
          await untilLockWaiters(1);
          cancelled = cancelIt(runId);
        }
        await untilLockWaiters(2);
      });
      return Promise.all([cancelled, claimed]);
    };
    const paths = { cancelled_while_queued: 0, cancelled_while_running: 0 };
    const forced = { cancel_first: 0, claim_first: 0 };
    const rounds = 42;
    for (let i = 0; i < rounds; i++) {
      const order: Order = (['free', 'cancel_first', 'claim_first'] as const)[i % 3]!;
      const { runId } = await startAs('owner@contoso.example', 'alpine');
      const [c, claimed] = await race(runId, order);
      const row = await db
        .selectFrom('operation_runs')
        .select(['status', 'outcome', 'started_at', 'completed_at', 'cancel_requested_at', 'cancel_requested_by', 'reason_code', 'reason_params'])
        .where('id', '=', runId)
        .executeTakeFirstOrThrow();
      // Which path the round took, read from the run itself: never started, or started then asked to stop.
      const path = row.started_at === null ? 'cancelled_while_queued' : 'cancelled_while_running';
      paths[path]++;
      if (path === 'cancelled_while_queued') {
        if (order !== 'free') forced.cancel_first++;
        expect(order).not.toBe('claim_first');
        expect(c.kind).toBe('cancelled');
        expect(claimed).toBeNull();
        expect(row).toMatchObject({
          status: 'completed',
          outcome: 'cancelled',
          reason_code: 'run_cancelled',
          reason_params: { by: owner.email },
          cancel_requested_by: owner.id,
        });
        expect(row.cancel_requested_at).not.toBeNull();
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from graphile_worker._private_jobs where key = ${runId}`.execute(db);
        expect(rows[0]!.n).toBe(0);
      } else {
        if (order !== 'free') forced.claim_first++;
        expect(order).not.toBe('cancel_first');
        expect(c.kind).toBe('cancel_requested');
        expect(claimed).not.toBeNull();
        expect(row).toMatchObject({ status: 'running', outcome: 'pending', cancel_requested_by: owner.id, completed_at: null });
        expect(row.cancel_requested_at).not.toBeNull();
        // The claimed run's next checkpoint (its heartbeat) sees the request, and it ends cancelled.
        expect(await heartbeat(db, runId, 'race-worker', 30)).toEqual({ kind: 'cancel_requested', by: owner.id });
        const done = await complete(db, runId, 'race-worker', {
          outcome: 'cancelled',
          summaryCounts: {},
          reasonCode: 'run_cancelled',
          reasonParams: { by: owner.email },
        });
        expect(done).toMatchObject({ status: 'completed', outcome: 'cancelled' });
      }
    }
    // Both paths were taken, and each forced order took its own path every time.
    expect(paths.cancelled_while_queued).toBeGreaterThan(0);
    expect(paths.cancelled_while_running).toBeGreaterThan(0);
    expect(forced).toEqual({ cancel_first: rounds / 3, claim_first: rounds / 3 });
    console.log(`cancel race paths over ${rounds} rounds: ${JSON.stringify(paths)}, of which forced: ${JSON.stringify(forced)}`);
  });
});

describe('cancel a running run', () => {
  it('stops between Graph pages and ends cancelled, writing nothing more', async () => {
    const f = fixture('northwind');
    await env.startWorker({ leaseSeconds: 3 });
    // Slow pages, so the run is surely between pages when the cancel arrives.
    env.sandbox.state.setTenantFaults(f.entraTenantId, { latencyMs: 700 });
    env.sandbox.state.resetCounters();
    try {
      const { runId } = await startAs('operator@contoso.example', 'northwind');
      await waitForRun(env.tdb.db, runId, (r) => r.status === 'running', 20_000);
      const res = await cancelCall(runId, 'operator');
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'running', outcome: 'pending' });
      expect(res.body.cancelRequestedAt).not.toBeNull();
      const ended = await waitForRun(env.tdb.db, runId, (r) => r.status === 'completed', 20_000);
      expect(ended).toMatchObject({ outcome: 'cancelled', reason_code: 'run_cancelled', reason_params: { by: 'operator@contoso.example' } });
      // It stopped early: a full inventory sync reads 3 pages of device configurations and more.
      expect(env.sandbox.state.count('GET', '/beta/deviceManagement/deviceConfigurations')).toBeLessThan(3);
      const items = await sql<{ n: number }>`select count(*)::int as n from inventory_items where last_run_id = ${runId}`.execute(env.tdb.db);
      expect(items.rows[0]!.n).toBe(0);
      const detail = await call(base, 'GET', `/api/operations/${runId}`, { cookie: cookies.operator });
      expect(detail.body).toMatchObject({ outcome: 'cancelled', reason: { code: 'run_cancelled' }, nextSteps: [{ label: 'Start it again' }] });
    } finally {
      env.sandbox.state.setTenantFaults(f.entraTenantId, {});
    }
  });
});
