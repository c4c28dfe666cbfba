// Runs one admitted run: claim it (queued -> running), build the provider for the
// connection pinned at admission, run the operation's job with a heart-beating lease, and
// complete it with the job's outcome or the classified failure.
import type { Db } from '../db/connect.ts';
import type { OperationRun } from '../db/schema.ts';
import type { JobContext, JobResult, PinnedProvider } from '../operations/job-context.ts';
import { getDefinition } from '../operations/registry.ts';
import { JOBS } from '../operations/jobs.ts';
import { isOperationType } from '../operations/definition.ts';
import type { ProviderClient } from '../provider/microsoft/index.ts';
import type { Logger } from '../observability/logger.ts';
import { runDuration } from '../observability/metrics.ts';
import { isProviderError } from '../provider/types.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { complete, heartbeat, markRunning, type Beat, type Completion } from './run-service.ts';
import { loadConnectionCredentials } from '../connections/credentials.ts';

/** Thrown at a checkpoint of a run that was asked to cancel; ends the run `cancelled`. */
class RunCancelled extends Error {
  readonly by: string | null;
  constructor(by: string | null) {
    super('run cancelled');
    this.by = by;
  }
}

/** Thrown at a checkpoint once the process stopped and its grace period is over. */
class RunAbandoned extends Error {}

export interface ExecutionDeps {
  db: Db;
  box: SecretBox;
  /** The provider client for a connection's cloud. */
  providerFor(cloud: 'global' | 'sandbox'): ProviderClient;
  leaseSeconds: number;
  leaseOwner: string;
  /** Called after a run completes (e.g. the onboarding continuation). Errors are logged, not thrown. */
  afterComplete?: (db: Db, run: OperationRun) => Promise<void>;
  log?: (line: string) => void;
  /** JSON log: each run's start and end (ids, type, outcome, duration; never provider answers). */
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /**
   * Aborted when this worker stops and its grace period is over: the run stops at its next
   * checkpoint without completing, exactly like a worker that died, so its lease expires and
   * the recovery sweep ends it (execution_interrupted) instead of a half-closed process writing.
   */
  abandon?: AbortSignal;
}

export async function executeRun(deps: ExecutionDeps, runId: string): Promise<'done' | 'skipped' | 'abandoned'> {
  const { db } = deps;
  const run = await markRunning(db, runId, deps.leaseOwner, deps.leaseSeconds);
  // Not queued any more (recovered, cancelled, or a duplicate delivery): nothing to do.
  if (!run) return 'skipped';
  deps.logger?.info({ runId, type: run.type, tenantId: run.tenant_id, trigger: run.trigger }, 'run started');

  // The latest heartbeat's answer. The background beat and the job's own heartbeats update it;
  // checkpoints (before every Graph call and page, and each ctx.heartbeat()) read it, so a
  // cancel is seen within one beat without a database read per Graph call.
  const state: { beat: Beat } = { beat: { kind: 'ours' } };
  const beatNow = async () => {
    state.beat = await heartbeat(db, runId, deps.leaseOwner, deps.leaseSeconds);
  };
  const beat = setInterval(
    () => {
      beatNow().catch(() => undefined);
    },
    Math.max(500, (deps.leaseSeconds * 1000) / 3),
  );
  const checkpoint = () => {
    if (state.beat.kind === 'cancel_requested') throw new RunCancelled(state.beat.by);
    if (deps.abandon?.aborted) throw new RunAbandoned();
  };
  let completion: Completion;
  try {
    const result = await runJob(deps, run, { beatNow, checkpoint });
    completion = {
      outcome: result.outcome,
      summaryCounts: result.summaryCounts,
      reasonCode: result.reason?.code ?? null,
      reasonParams: result.reason?.params ?? {},
    };
  } catch (err) {
    if (err instanceof RunAbandoned) {
      deps.logger?.warn({ runId, type: run.type }, 'run abandoned at shutdown: its lease expires and recovery ends it');
      return 'abandoned';
    }
    if (err instanceof RunCancelled) {
      completion = { outcome: 'cancelled', summaryCounts: {}, reasonCode: 'run_cancelled', reasonParams: await cancelledBy(db, err.by) };
    } else if (isProviderError(err)) {
      completion = { outcome: 'failed', summaryCounts: {}, reasonCode: err.failure.code, reasonParams: err.failure.params };
    } else {
      // Unexpected faults are logged by class only: their messages may carry upstream text.
      deps.log?.(`run ${runId} (${run.type}) failed unexpectedly: ${err instanceof Error ? err.name : 'Error'}`);
      completion = { outcome: 'failed', summaryCounts: {}, reasonCode: 'execution_error', reasonParams: {} };
    }
  } finally {
    clearInterval(beat);
  }
  const done = await complete(db, runId, deps.leaseOwner, completion);
  // Only the worker that completed the run observes it: one observation per run.
  if (done?.started_at && done.completed_at) {
    const seconds = (done.completed_at.getTime() - done.started_at.getTime()) / 1000;
    runDuration.observe({ type: done.type, outcome: done.outcome }, seconds);
    deps.logger?.info({ runId, type: done.type, outcome: done.outcome, reasonCode: done.reason_code, durationMs: Math.round(seconds * 1000) }, 'run finished');
  } else if (!done) {
    // Its lease was lost (recovery ended it, or another worker holds it): this result is dropped.
    deps.logger?.warn({ runId, type: run.type, outcome: completion.outcome }, 'run result dropped: lease lost');
  }
  if (done && deps.afterComplete) {
    await deps
      .afterComplete(db, done)
      .catch((err: unknown) => deps.log?.(`after-complete hook failed for run ${runId}: ${err instanceof Error ? err.name : 'Error'}`));
  }
  return 'done';
}

async function cancelledBy(db: Db, userId: string | null): Promise<{ by: string } | Record<string, never>> {
  if (!userId) return {};
  const u = await db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirst();
  return u ? { by: u.email } : {};
}

interface Checkpoints {
  /** Heart-beats now and records the answer. */
  beatNow(): Promise<void>;
  /** Throws RunCancelled when the last beat saw a cancel request. */
  checkpoint(): void;
}

async function runJob(deps: ExecutionDeps, run: OperationRun, cp: Checkpoints): Promise<JobResult> {
  if (!isOperationType(run.type)) throw new Error('unknown operation type');
  const def = getDefinition(run.type);
  const tenant = await deps.db.selectFrom('tenants').selectAll().where('id', '=', run.tenant_id).executeTakeFirstOrThrow();
  // The pinned connection, never "the tenant's default now".
  const connection = await deps.db.selectFrom('provider_connections').selectAll().where('id', '=', run.provider_connection_id!).executeTakeFirstOrThrow();
  const client = deps.providerFor(connection.cloud);
  // Tokens come from the customer tenant's authority; on a workspace app, with the app's
  // credential as it is now (a rotation after the click is what this run uses).
  const credentials = await loadConnectionCredentials(deps.db, deps.box, tenant.entra_tenant_id, connection);
  const graph = client.graph(credentials, def.requiredPermissions, { checkpoint: cp.checkpoint });
  // Every Graph call is a checkpoint: a cancelled run writes nothing more to the tenant.
  const at = <T>(call: () => Promise<T>) => {
    cp.checkpoint();
    return call();
  };
  const provider: PinnedProvider = {
    token: async (o) => ({ roles: (await at(() => client.acquireToken(credentials, { forceRefresh: !!o?.fresh }))).roles }),
    get: (p) => at(() => graph.get(p)),
    getAll: (p) => at(() => graph.getAll(p)),
    post: (p, body, o) => at(() => graph.post(p, body, o)),
    patch: (p, body) => at(() => graph.patch(p, body)),
  };
  const ctx: JobContext = {
    db: deps.db,
    run,
    tenant,
    connection,
    provider,
    heartbeat: async () => {
      await cp.beatNow();
      cp.checkpoint();
    },
  };
  return JOBS[def.type](ctx);
}
