// The database goes away during admissions: stopped cleanly or crashed, then started again on
// the same data folder and port. Callers get errors or answers, never a half-admitted run; the
// same pool recovers without being told; every "accepted" answer survives; every admitted run
// ends terminal. A worker process (`opsgate worker`) runs beside, under a minimal supervisor
// (restart 200 ms after an exit, as systemd's Restart=always would): whether it survived the
// restart on its own is reported separately (workerExits).
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { connectDatabase, type Database } from '../../../src/db/connect.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { start } from '../../../src/gate/start.ts';
import type { Outcome } from '../../../src/gate/result.ts';
import type { OperationType } from '../../../src/operations/definition.ts';
import { nodeBin } from '../../helpers/node.ts';
import { seedDemoData, testBox } from '../../helpers/seed.ts';
import { stormWorld } from './fixtures.ts';
import { checkInvariants, type Invariants } from './invariants.ts';
import { startRestartableServer, type RestartableServer } from './pg-server.ts';

export interface RestartOptions {
  clients: number;
  scopes: number;
  /** One entry per outage, in order. */
  outages: { mode: 'fast' | 'immediate'; downMs: number }[];
  /** Load before the first outage, between outages and after the last. */
  loadBetweenMs: number;
  leaseSeconds: number;
}

export interface OutageReport {
  mode: 'fast' | 'immediate';
  /** Time from the server being back to the first answered start (ms). */
  firstAnswerAfterMs: number | null;
  /** Time from the server being back to the first accepted start (ms). */
  firstAcceptedAfterMs: number | null;
  errorsDuring: number;
  answersAfter: number;
}

export interface WorkerExit {
  code: number | null;
  signal: string | null;
  /** It had finished starting (a running worker died), as opposed to failing to start while the database was down. */
  started: boolean;
  /** The last error line the worker printed. */
  cause: string;
}

export interface RestartReport {
  answers: Record<Outcome, number>;
  errors: number;
  errorKinds: Record<string, number>;
  outages: OutageReport[];
  acceptedLost: number;
  /** Admitted runs whose caller got an error instead of "accepted" (the commit raced the outage). */
  admittedWithoutAnswer: number;
  invariants: Invariants;
  activeAfterDrain: number;
  drainSeconds: number;
  /** Admitted runs that finished with execution_interrupted (their worker lost the database mid-run). */
  interrupted: number;
  /** Admitted after the last restart, and picked up by the worker. */
  pickedUpAfterLastRestart: number;
  admittedAfterLastRestart: number;
  /** Times the worker process died (and was restarted by the test's supervisor). */
  workerExits: WorkerExit[];
}

const errorKind = (err: unknown): string => {
  const e = err as { code?: string; message?: string };
  return e.code ?? (e.message ?? 'error').replace(/[0-9a-f-]{36}/g, '…').slice(0, 60);
};

export async function runDbRestart(o: RestartOptions): Promise<RestartReport> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-restart-'));
  let server: RestartableServer | null = null;
  let database: Database | null = null;
  let supervising = true;
  let worker: ChildProcess | null = null;
  const workerExits: WorkerExit[] = [];
  try {
    server = await startRestartableServer({ dir: path.join(dir, 'pg'), durable: true });
    const admin = new pg.Client(server.url('postgres'));
    await admin.connect();
    await admin.query('create database opsgate');
    await admin.end();
    const url = server.url('opsgate');
    database = connectDatabase(url, { max: o.clients, applicationName: 'rel-restart' });
    await migrate(database.pool);
    const { db } = database;
    await seedDemoData(db);
    const world = await stormWorld(db, testBox, o.scopes);

    // The worker process. Its connections are sandbox connections and it is given no sandbox, so
    // the provider is never reached: each run fails (provider_unavailable) right after it is
    // marked running, and scopes keep cycling.
    const workerEnv = {
      ...process.env,
      DATABASE_URL: url,
      OPSGATE_DATA_DIR: dir,
      OPSGATE_ENCRYPTION_KEY: crypto.createHash('sha256').update('opsgate-test-key').digest('base64'),
      OPSGATE_LEASE_SECONDS: String(o.leaseSeconds),
      OPSGATE_WORKER_CONCURRENCY: '4',
      OPSGATE_SANDBOX_URL: '',
    };
    const superviseWorker = () => {
      const entry = path.resolve('src/cli.ts');
      const child = spawn(nodeBin(), [entry, 'worker'], { env: workerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let started = false;
      child.stdout!.on('data', (b: Buffer) => {
        if (b.toString().includes('opsgate worker:')) {
          started = true;
          workerStarted.resolve();
        }
      });
      child.stderr!.on('data', (b: Buffer) => {
        stderr = (stderr + b.toString()).slice(-4000);
      });
      child.once('exit', (code, signal) => {
        if (!supervising) return;
        const last =
          stderr
            .trim()
            .split('\n')
            .filter((l) => /Error|error/.test(l))
            .slice(-1)[0] ?? '';
        workerExits.push({ code, signal, started, cause: last.trim().slice(0, 200) });
        setTimeout(() => {
          if (supervising) worker = superviseWorker();
        }, 200);
      });
      return child;
    };
    const workerStarted = Promise.withResolvers<void>();
    worker = superviseWorker();
    // The first outage is meant to hit a running worker: on a busy machine its start (imports,
    // pool, queue) took longer than the load before the first outage, so it met the outage
    // half-started and the scopes it had to free stayed busy through the next window.
    await Promise.race([workerStarted.promise, new Promise((r) => setTimeout(r, 30_000))]);

    const answers: Record<Outcome, number> = { accepted: 0, deduped: 0, scope_busy: 0, blocked: 0 };
    const events: { t: number; outcome: Outcome | null }[] = [];
    const accepted: string[] = [];
    const errorKinds: Record<string, number> = {};
    let errors = 0;
    let loading = true;
    const types: OperationType[] = ['inventory.sync', 'compliance.snapshot', 'entra_group_sync'];
    const load = Promise.all(
      Array.from({ length: o.clients }, async () => {
        while (loading) {
          const blocked = Math.random() < 0.05;
          const scope = blocked ? world.blocked : world.scopes[Math.floor(Math.random() * world.scopes.length)]!;
          try {
            const r = await start(db, {
              type: types[Math.floor(Math.random() * types.length)]!,
              tenantId: scope.tenantId,
              trigger: 'operator',
              initiatorUserId: world.operatorId,
              providerConnectionId: scope.connectionId,
            });
            answers[r.outcome]++;
            if (r.outcome === 'accepted') accepted.push(r.run.id);
            events.push({ t: performance.now(), outcome: r.outcome });
          } catch (err) {
            errors++;
            errorKinds[errorKind(err)] = (errorKinds[errorKind(err)] ?? 0) + 1;
            events.push({ t: performance.now(), outcome: null });
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      }),
    );

    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const outages: OutageReport[] = [];
    const windows: { down: number; up: number }[] = [];
    let lastUp = 0;
    for (const outage of o.outages) {
      await sleep(o.loadBetweenMs);
      const down = performance.now();
      await server.stop(outage.mode);
      await sleep(outage.downMs);
      await server.start();
      const up = performance.now();
      lastUp = up;
      windows.push({ down, up });
    }
    await sleep(o.loadBetweenMs);
    // On a busy machine the (restarted) worker may need longer to free a scope: keep the load
    // on until something is accepted after the last restart, for at most 15 s more.
    const waitUntil = performance.now() + 15_000;
    while (!events.some((e) => e.t >= lastUp && e.outcome === 'accepted') && performance.now() < waitUntil) await sleep(100);
    loading = false;
    await load;

    // Per outage: errors while it lasted (plus the moments after), and how soon answers resumed.
    for (const [i, w] of windows.entries()) {
      const next = windows[i + 1]?.down ?? Infinity;
      const after = events.filter((e) => e.t >= w.up && e.t < next);
      const firstAnswer = after.find((e) => e.outcome !== null);
      const firstAccepted = after.find((e) => e.outcome === 'accepted');
      outages.push({
        mode: o.outages[i]!.mode,
        firstAnswerAfterMs: firstAnswer ? Math.round(firstAnswer.t - w.up) : null,
        firstAcceptedAfterMs: firstAccepted ? Math.round(firstAccepted.t - w.up) : null,
        errorsDuring: events.filter((e) => e.outcome === null && e.t >= w.down && e.t < (firstAnswer?.t ?? next)).length,
        answersAfter: after.filter((e) => e.outcome !== null).length,
      });
    }

    // Drain: the worker finishes everything admitted (runs it lost mid-flight end by lease).
    const drainStart = performance.now();
    let active = Infinity;
    while (performance.now() - drainStart < 30_000 + o.leaseSeconds * 4000) {
      const { rows } = await database.pool.query<{ n: number }>(`select count(*)::int as n from operation_runs where status in ('queued', 'running')`);
      active = rows[0]!.n;
      if (active === 0) break;
      await sleep(200);
    }
    const drainSeconds = (performance.now() - drainStart) / 1000;

    const { rows: admittedRows } = await database.pool.query<{ id: string; reason_code: string | null; started_at: Date | null; created_ms: number }>(
      `select id, reason_code, started_at, extract(epoch from created_at) * 1000 as created_ms from operation_runs where outcome <> 'blocked'`,
    );
    const admittedIds = new Set(admittedRows.map((r) => r.id));
    const acceptedSet = new Set(accepted);
    // The server's clock for "after the last restart": the wall time, as the server runs on this machine.
    const lastUpWall = Date.now() - (performance.now() - lastUp);
    const afterLast = admittedRows.filter((r) => r.created_ms >= lastUpWall);
    return {
      answers,
      errors,
      errorKinds,
      outages,
      acceptedLost: accepted.filter((id) => !admittedIds.has(id)).length,
      admittedWithoutAnswer: admittedRows.filter((r) => !acceptedSet.has(r.id)).length,
      invariants: await checkInvariants(db),
      activeAfterDrain: active,
      drainSeconds,
      interrupted: admittedRows.filter((r) => r.reason_code === 'execution_interrupted').length,
      pickedUpAfterLastRestart: afterLast.filter((r) => r.started_at !== null).length,
      admittedAfterLastRestart: afterLast.length,
      workerExits,
    };
  } finally {
    supervising = false;
    (worker as ChildProcess | null)?.kill('SIGKILL');
    await database?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `strictWorker`: a running worker process must survive the restart by itself. */
export function restartViolations(r: RestartReport, opts: { strictWorker?: boolean } = {}): string[] {
  const v: string[] = [];
  const crashes = r.workerExits.filter((e) => e.started);
  if (opts.strictWorker && crashes.length) {
    v.push(
      `the worker process died ${crashes.length}× during the restart(s) (exit ${crashes.map((c) => c.code ?? c.signal).join(', ')}: ${crashes[0]!.cause})`,
    );
  }
  const inv = r.invariants;
  if (r.acceptedLost) v.push(`${r.acceptedLost} "accepted" answers whose run is not in the database`);
  if (r.admittedWithoutAnswer > r.errors) v.push(`${r.admittedWithoutAnswer} admitted runs without an answer, more than the ${r.errors} errors`);
  for (const [i, o] of r.outages.entries()) {
    if (o.firstAcceptedAfterMs === null) v.push(`outage ${i + 1} (${o.mode}): no start accepted after the restart`);
  }
  if (r.activeAfterDrain !== 0) v.push(`${r.activeAfterDrain} runs still active after the drain`);
  if (inv.jobsWithoutRun) v.push(`${inv.jobsWithoutRun} jobs without a run`);
  if (inv.queuedWithoutJob) v.push(`${inv.queuedWithoutJob} queued runs without a job`);
  if (inv.blockedWithJob) v.push(`${inv.blockedWithJob} blocked runs with a job`);
  if (inv.admittedWithoutAudit) v.push(`${inv.admittedWithoutAudit} admitted runs without their audit row`);
  if (inv.maxActivePerScope > 1 || inv.maxActivePerIdentity > 1) v.push('two active runs on one scope/identity');
  const answered = Object.values(r.answers).reduce((a, b) => a + b, 0);
  if (inv.auditStarts < answered || inv.auditStarts > answered + r.errors)
    v.push(`audit rows ${inv.auditStarts} outside [${answered}, ${answered + r.errors}]`);
  if (r.admittedAfterLastRestart && r.pickedUpAfterLastRestart !== r.admittedAfterLastRestart) {
    v.push(`worker picked up ${r.pickedUpAfterLastRestart} of ${r.admittedAfterLastRestart} runs admitted after the last restart`);
  }
  return v;
}
