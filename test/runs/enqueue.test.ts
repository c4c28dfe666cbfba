// The admission writes graphile-worker's job row itself (migration 0004) and wakes the workers
// after its commit. These tests pin what that relies on: the queue's schema revision, the shape
// of the job row, and that a worker is woken by the admission rather than by its own polling.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../../src/gate/start.ts';
import { tenantBySlug, userByEmail } from '../helpers/seed.ts';
import { createWorkerEnv, waitForRun, type WorkerEnv } from '../helpers/worker-env.ts';

let env: WorkerEnv;
let operatorId: string;

beforeAll(async () => {
  env = await createWorkerEnv();
  operatorId = (await userByEmail(env.tdb.db, 'operator@contoso.example')).id;
});
afterAll(async () => env.close());

describe('the job row an admission writes', () => {
  it("is written against graphile-worker's schema revision 20 (a new revision must be reviewed before upgrading)", async () => {
    const { rows } = await sql<{ id: number }>`select max(id)::int as id from graphile_worker.migrations`.execute(env.tdb.db);
    expect(rows[0]!.id).toBe(20);
  });

  it('is one job per accepted run, keyed by the run, never retried, for the run type; none for refusals', async () => {
    const tenant = await tenantBySlug(env.tdb.db, 'northwind');
    const input = { type: 'inventory.sync' as const, tenantId: tenant.id, trigger: 'operator' as const, initiatorUserId: operatorId };
    const first = await start(env.tdb.db, input);
    const again = await start(env.tdb.db, input);
    expect([first.outcome, again.outcome]).toEqual(['accepted', 'deduped']);
    const { rows } = await sql<{ identifier: string; payload: { runId: string }; max_attempts: number; key: string; attempts: number }>`
      select t.identifier, j.payload, j.max_attempts, j.key, j.attempts
        from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id`.execute(env.tdb.db);
    expect(rows).toEqual([{ identifier: 'inventory.sync', payload: { runId: first.run.id }, max_attempts: 1, key: first.run.id, attempts: 0 }]);
  });
});

describe('waking the workers', () => {
  it('a worker that would not poll for ten minutes picks an accepted run up at once', async () => {
    await env.startWorker({ pollIntervalMs: 600_000 });
    // Let the worker finish its start-up look for jobs (the one from the test above runs now).
    const tenant = await tenantBySlug(env.tdb.db, 'contoso-lab');
    await waitForNoQueuedRuns();
    const r = await start(env.tdb.db, { type: 'tenant.verification', tenantId: tenant.id, trigger: 'operator', initiatorUserId: operatorId });
    expect(r.outcome).toBe('accepted');
    const done = await waitForRun(env.tdb.db, r.run.id, (run) => run.status === 'completed', 20_000);
    expect(done.status).toBe('completed');
  });
});

async function waitForNoQueuedRuns(): Promise<void> {
  for (;;) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from operation_runs where status <> 'completed'`.execute(env.tdb.db);
    if (rows[0]!.n === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
