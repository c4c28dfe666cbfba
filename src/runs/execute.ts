// Runs one admitted run: claim it (queued -> running), build the provider for the
// connection pinned at admission, run the operation's job with a heart-beating lease, and
// complete it with the job's outcome or the classified failure.
import type { Db } from '../db/connect.ts';
import type { OperationRun } from '../db/schema.ts';
import type { JobContext, JobResult, PinnedProvider } from '../operations/job-context.ts';
import { getDefinition } from '../operations/registry.ts';
import { isOperationType } from '../operations/definition.ts';
import type { ProviderClient } from '../provider/microsoft/index.ts';
import { isProviderError } from '../provider/types.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { complete, heartbeat, markRunning, type Completion } from './run-service.ts';

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
}

export async function executeRun(deps: ExecutionDeps, runId: string): Promise<'done' | 'skipped'> {
  const { db } = deps;
  const run = await markRunning(db, runId, deps.leaseOwner, deps.leaseSeconds);
  // Not queued any more (recovered, cancelled, or a duplicate delivery): nothing to do.
  if (!run) return 'skipped';

  const beat = setInterval(() => {
    heartbeat(db, runId, deps.leaseOwner, deps.leaseSeconds).catch(() => undefined);
  }, Math.max(500, (deps.leaseSeconds * 1000) / 3));
  let completion: Completion;
  try {
    const result = await runJob(deps, run);
    completion = {
      outcome: result.outcome,
      summaryCounts: result.summaryCounts,
      reasonCode: result.reason?.code ?? null,
      reasonParams: result.reason?.params ?? {},
    };
  } catch (err) {
    if (isProviderError(err)) {
      completion = { outcome: 'failed', summaryCounts: {}, reasonCode: err.failure.code, reasonParams: err.failure.params };
    } else {
      // Unexpected faults are logged by class only: their messages may carry upstream text.
      deps.log?.(`run ${runId} (${run.type}) failed unexpectedly: ${(err as Error)?.name ?? 'Error'}`);
      completion = { outcome: 'failed', summaryCounts: {}, reasonCode: 'execution_error', reasonParams: {} };
    }
  } finally {
    clearInterval(beat);
  }
  const done = await complete(db, runId, deps.leaseOwner, completion);
  if (done && deps.afterComplete) {
    await deps.afterComplete(db, done).catch((err: unknown) => deps.log?.(`after-complete hook failed for run ${runId}: ${(err as Error)?.name}`));
  }
  return 'done';
}

async function runJob(deps: ExecutionDeps, run: OperationRun): Promise<JobResult> {
  if (!isOperationType(run.type)) throw new Error('unknown operation type');
  const def = getDefinition(run.type);
  const tenant = await deps.db.selectFrom('tenants').selectAll().where('id', '=', run.tenant_id).executeTakeFirstOrThrow();
  // The pinned connection, never "the tenant's default now".
  const connection = await deps.db
    .selectFrom('provider_connections')
    .selectAll()
    .where('id', '=', run.provider_connection_id!)
    .executeTakeFirstOrThrow();
  const client = deps.providerFor(connection.cloud);
  const credentials = {
    entraTenantId: tenant.entra_tenant_id,
    clientId: connection.client_id,
    clientSecret: connection.secret_ciphertext ? deps.box.open(connection.secret_ciphertext) : '',
  };
  const graph = client.graph(credentials, def.requiredPermissions);
  const provider: PinnedProvider = {
    token: async (o) => ({ roles: (await client.acquireToken(credentials, { forceRefresh: !!o?.fresh })).roles }),
    get: (p) => graph.get(p),
    getAll: (p) => graph.getAll(p),
    post: (p, body, o) => graph.post(p, body, o),
    patch: (p, body) => graph.patch(p, body),
  };
  const ctx: JobContext = {
    db: deps.db,
    run,
    tenant,
    connection,
    provider,
    heartbeat: async () => {
      await heartbeat(deps.db, run.id, deps.leaseOwner, deps.leaseSeconds);
    },
  };
  return def.job(ctx);
}
