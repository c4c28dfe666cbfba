// A worker process's loop: the job queue delivers run ids, `executeRun` does the work, and
// a recovery sweep ends runs whose worker died (lease expired) so their scope frees within
// one lease, without waiting on the queue's own hours-long lock timeout. Any number of
// these may run against one database.
import crypto from 'node:crypto';
import os from 'node:os';
import { run, type Runner, type TaskList } from 'graphile-worker';
import type { Database } from '../db/connect.ts';
import { quietLogger } from '../db/migrate.ts';
import { OPERATION_TYPES } from '../operations/definition.ts';
import { executeRun, type ExecutionDeps } from './execute.ts';
import { pruneDaily } from './retention.ts';
import { interruptAbandoned } from './run-service.ts';
import { startScheduleTicker } from '../schedules/fire.ts';
import { startOutbox, webhookTasks, type WebhookWorkerOptions } from '../webhooks/worker.ts';

export interface WorkerOptions extends Omit<ExecutionDeps, 'db' | 'leaseOwner'> {
  database: Database;
  concurrency: number;
  /** Fire the workspaces' due schedules (src/schedules/); every firing goes through the gate. */
  schedule?: boolean;
  /** How often due schedules are looked for (default 10 s). */
  scheduleIntervalMs?: number;
  sweepIntervalMs?: number;
  /** How often an idle worker looks for jobs it was not woken for (lost wake-ups, due retries). */
  pollIntervalMs?: number;
  /** How long `stop()` lets running jobs finish before abandoning them to their lease (default 30 s). */
  shutdownGraceMs?: number;
  /** Delete completed runs older than this many days, once a day per database (retention.ts); unset: never. */
  retentionDays?: number;
  /** How often this worker asks whether today's prune is still to do (default 10 min). */
  retentionCheckMs?: number;
  /** Webhook deliveries and the outbox that feeds them (src/webhooks/); off when absent. */
  webhooks?: Omit<WebhookWorkerOptions, 'box' | 'log'>;
}

export interface WorkerHandle {
  workerId: string;
  /**
   * Stops taking jobs at once and lets running ones finish within `graceMs`; any still running
   * then are abandoned at their next checkpoint (their lease expires, recovery ends them).
   */
  stop(graceMs?: number): Promise<void>;
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;
/** After the grace period, how long abandoned jobs get to reach a checkpoint before stop() returns. */
const ABANDON_WAIT_MS = 2_000;

/** Whether the promise settled (either way) within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function startWorker(opts: WorkerOptions): Promise<WorkerHandle> {
  const workerId = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  const abandon = new AbortController();
  const deps: ExecutionDeps = { ...opts, db: opts.database.db, leaseOwner: workerId, abandon: abandon.signal };
  const taskList: TaskList = {};
  for (const type of OPERATION_TYPES) {
    taskList[type] = async (payload) => {
      const runId = (payload as { runId?: unknown } | null)?.runId;
      if (typeof runId === 'string') await executeRun(deps, runId);
    };
  }
  const webhookOptions = opts.webhooks ? { ...opts.webhooks, box: opts.box, ...(opts.log ? { log: opts.log } : {}) } : null;
  if (webhookOptions) Object.assign(taskList, webhookTasks(opts.database.db, webhookOptions));

  const runner: Runner = await run({
    pgPool: opts.database.pool,
    concurrency: opts.concurrency,
    taskList,
    noHandleSignals: true,
    logger: quietLogger,
    pollInterval: opts.pollIntervalMs ?? 1000,
  });

  const sweep = async () => {
    try {
      const recovered = await interruptAbandoned(opts.database.db, opts.leaseSeconds);
      for (const r of recovered) {
        if (opts.logger) opts.logger.warn({ runId: r.id, type: r.type, outcome: 'failed', reasonCode: 'execution_interrupted' }, 'run ended by recovery');
        else opts.log?.(`run ${r.id} (${r.type}) ended: execution_interrupted`);
      }
    } catch {
      // The database may be restarting; the next sweep tries again.
    }
  };
  // Retention rides on the periodic loop: each worker asks now and then, one per day wins.
  const pruneAbort = new AbortController();
  let pruning: Promise<void> | null = null;
  let lastPruneCheck = -Infinity;
  const maybePrune = () => {
    const days = opts.retentionDays;
    if (!days || pruning || Date.now() - lastPruneCheck < (opts.retentionCheckMs ?? 600_000)) return;
    lastPruneCheck = Date.now();
    pruning = pruneDaily(opts.database.db, { retentionDays: days, signal: pruneAbort.signal })
      .then((r) => {
        if (r) opts.logger?.info({ ...r, retentionDays: days }, 'retention: old runs pruned');
      })
      .catch((err: unknown) => opts.logger?.warn({ err }, 'retention: pruning stopped; the next day continues'))
      .finally(() => {
        pruning = null;
      });
  };
  const tick = async () => {
    await sweep();
    maybePrune();
  };
  // tick never rejects: sweep() catches its own errors and pruning runs on its own promise.
  const timer = setInterval(() => void tick(), opts.sweepIntervalMs ?? Math.max(1000, (opts.leaseSeconds * 1000) / 4));
  void tick();
  const stopSchedules = opts.schedule
    ? startScheduleTicker(opts.database.db, workerId, { ...(opts.scheduleIntervalMs ? { intervalMs: opts.scheduleIntervalMs } : {}) })
    : () => undefined;
  const stopOutbox = webhookOptions ? startOutbox(opts.database.db, webhookOptions) : () => undefined;

  return {
    workerId,
    stop: async (graceMs = opts.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS) => {
      clearInterval(timer);
      pruneAbort.abort();
      await pruning;
      stopSchedules();
      stopOutbox();
      // The queue stops handing out jobs at once and waits for the running ones.
      const stopped = runner.stop();
      if (await settlesWithin(stopped, graceMs)) return;
      abandon.abort();
      opts.logger?.warn({ graceMs }, 'shutdown grace period over: runs still running are left to their lease');
      await settlesWithin(stopped, ABANDON_WAIT_MS);
    },
  };
}
