// A test world for execution: a fresh database with the demo seed, the sandbox cloud over
// real HTTPS with the demo tenants registered, and (optionally) a worker in this process.
import { sql } from 'kysely';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createProviderClient, type ProviderClient } from '../../src/provider/microsoft/index.ts';
import { startSandboxCloud, type SandboxCloud } from '../../sandbox/index.ts';
import { startWorker, type WorkerHandle } from '../../src/runs/worker.ts';
import type { OperationRun } from '../../src/db/schema.ts';
import type { Db } from '../../src/db/connect.ts';
import { registerDemoInSandbox } from '../../src/seed/sandbox-demo.ts';
import { onRunCompleted } from '../../src/runs/after-complete.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { seedDemoData, testBox } from './seed.ts';

export interface WorkerEnv {
  tdb: TestDatabase;
  sandbox: SandboxCloud;
  sandboxDir: string;
  provider: ProviderClient;
  startWorker(opts?: { leaseSeconds?: number; concurrency?: number; pollIntervalMs?: number }): Promise<WorkerHandle>;
  close(): Promise<void>;
}

export async function createWorkerEnv(opts: { latencyMs?: number } = {}): Promise<WorkerEnv> {
  const tdb = await createTestDatabase();
  await seedDemoData(tdb.db);
  const sandboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-sbx-'));
  const sandbox = await startSandboxCloud({ dir: sandboxDir, port: 0, latencyMs: opts.latencyMs ?? 0 });
  registerDemoInSandbox(sandbox.state);
  // Retries wait a token millisecond: tests assert the behaviour, not the wall-clock delay.
  const provider = createProviderClient(sandbox.endpoints, { sleep: () => new Promise((r) => setTimeout(r, 1)) });
  const workers: WorkerHandle[] = [];
  return {
    tdb,
    sandbox,
    sandboxDir,
    provider,
    startWorker: async (o = {}) => {
      const w = await startWorker({
        database: tdb,
        box: testBox,
        providerFor: () => provider,
        concurrency: o.concurrency ?? 2,
        leaseSeconds: o.leaseSeconds ?? 30,
        afterComplete: onRunCompleted,
        sweepIntervalMs: 250,
        ...(o.pollIntervalMs ? { pollIntervalMs: o.pollIntervalMs } : {}),
      });
      workers.push(w);
      return w;
    },
    close: async () => {
      for (const w of workers) await w.stop().catch(() => undefined);
      await sandbox.close();
      await tdb.close();
      fs.rmSync(sandboxDir, { recursive: true, force: true });
    },
  };
}

export async function waitForRun(
  db: Db,
  runId: string,
  until: (r: OperationRun) => boolean = (r) => r.status === 'completed',
  timeoutMs = 30_000,
): Promise<OperationRun> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await db.selectFrom('operation_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
    if (until(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status}/${run.outcome} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Until the run's job has left the queue: its handler has returned, after-complete hooks (the
 * onboarding continuation) included, which a completed run row alone does not promise.
 */
export async function waitForJobGone(db: Db, runId: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from graphile_worker._private_jobs where key = ${runId}`.execute(db);
    if (rows[0]!.n === 0) return;
    if (Date.now() > deadline) throw new Error(`the job of run ${runId} is still queued after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
