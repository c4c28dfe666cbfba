// The canonical start gate. See README.md in this folder for the glossary and run states.
import crypto from 'node:crypto';
import type { Db } from '../db/connect.ts';
import { preparedStatement } from '../db/prepared.ts';
import { getDefinition } from '../operations/registry.ts';
import { reportStart } from './observers.ts';
import { readiness } from './readiness.ts';
import { resolveStart, type Resolved } from './resolve.ts';
import { wakeWorkers } from './wake.ts';
import { GateInputError, type BlockedFacts, type ConnectionRef, type Outcome, type PreflightResult, type StartInput, type StartResult } from './result.ts';

// The two admission statements (migrations 0002 and 0004), prepared once per connection.
const RECORD_BLOCKED = preparedStatement<{ run_id: string; reused: boolean }>(
  'select * from opsgate_record_blocked($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
);
const ADMIT = preparedStatement<{ outcome: Exclude<Outcome, 'blocked'>; run_id: string; run_type: string; run_tenant_id: string }>(
  'select * from opsgate_admit($1, $2, $3, $4, $5, $6, $7, $8)',
);

/** Identical blocked clicks within this window reuse the latest blocked record. */
export const BLOCKED_REUSE_SECONDS = 60;

const connectionRef = (r: Pick<Resolved, 'connection'>): ConnectionRef | null => (r.connection ? { id: r.connection.id, name: r.connection.name } : null);

/** What makes two blocked starts "identical" (the same click again), for reusing the record. */
export function blockedFingerprint(
  tenantId: string,
  type: string,
  connectionId: string | null,
  reason: BlockedFacts,
  who: Pick<StartInput, 'initiatorUserId' | 'trigger'>,
  context: Record<string, string>,
): string {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify([tenantId, type, connectionId, reason, who.initiatorUserId, who.trigger, context]))
    .digest('base64url');
}

export { connectionRef };

/**
 * The connection read at resolution was deleted before the run row went in: the delete holds
 * the admission's scope lock (src/connections/delete.ts), so the insert then fails on the
 * foreign key instead of pinning a run to nothing.
 */
const connectionDeletedMeanwhile = (err: unknown) =>
  typeof err === 'object' &&
  err !== null &&
  (err as { code?: unknown }).code === '23503' &&
  (err as { constraint?: unknown }).constraint === 'operation_runs_provider_connection_id_fkey';

/** The gate. Observers (metrics, src/gate/observers.ts) hear every answer; `decide` makes it. */
export async function start(db: Db, input: StartInput, now: Date = new Date()): Promise<StartResult> {
  const result = await decide(db, input, now).catch((err: unknown) => {
    // Decide again on what is there now: another default, or provider_connection_missing.
    if (connectionDeletedMeanwhile(err)) return decide(db, input, now);
    throw err;
  });
  reportStart(result);
  return result;
}

async function decide(db: Db, input: StartInput, now: Date): Promise<StartResult> {
  const def = getDefinition(input.type);
  const resolved = await resolveStart(db, def, input);
  if (resolved.restoreRunName !== undefined && input.target?.confirm !== resolved.restoreRunName) {
    throw new GateInputError('target.confirm', "must be the restore run's name, typed to confirm the restore");
  }
  const { tenant, connection } = resolved;
  const common = { type: def.type, tenantId: tenant.id, providerConnection: connectionRef(resolved) };
  const ready = readiness(def, tenant, connection, { fromOnboarding: !!input.onboardingSessionId, now });

  if (!ready.ready) {
    const fingerprint = blockedFingerprint(tenant.id, def.type, connection?.id ?? null, ready.reason, input, resolved.context);
    const { rows } = await RECORD_BLOCKED(db, [
      tenant.workspace_id,
      tenant.id,
      def.type,
      connection?.id ?? null,
      input.initiatorUserId,
      input.trigger,
      JSON.stringify(resolved.context),
      ready.reason.code,
      JSON.stringify(ready.reason.params),
      fingerprint,
      BLOCKED_REUSE_SECONDS,
    ]);
    const row = rows[0]!;
    return {
      ...common,
      outcome: 'blocked',
      run: { id: row.run_id, type: def.type, tenantId: tenant.id },
      reason: ready.reason,
      reusedRecord: row.reused,
    };
  }

  // Ready implies a connection, hence a dedupe key.
  const { rows } = await ADMIT(db, [
    tenant.workspace_id,
    tenant.id,
    def.type,
    connection!.id,
    resolved.dedupeKey,
    input.initiatorUserId,
    input.trigger,
    JSON.stringify(resolved.context),
  ]);
  const row = rows[0]!;
  if (row.outcome === 'accepted') wakeWorkers(db);
  const run = { id: row.run_id, type: row.run_type, tenantId: row.run_tenant_id };
  if (row.outcome === 'deduped')
    return { ...common, outcome: 'deduped', run, providerConnection: await activeRunConnection(db, run.id, common.providerConnection) };
  return { ...common, outcome: row.outcome, run };
}

/**
 * A deduped start names the connection the active run is pinned to: with the tenant-wide
 * identity that may be another connection of the tenant than the one asked for. Only the
 * deduped path pays this read.
 */
export async function activeRunConnection(db: Db, runId: string, asked: ConnectionRef | null): Promise<ConnectionRef | null> {
  const r = await db
    .selectFrom('operation_runs as r')
    .leftJoin('provider_connections as c', 'c.id', 'r.provider_connection_id')
    .select(['r.provider_connection_id as id', 'c.name'])
    .where('r.id', '=', runId)
    .executeTakeFirst();
  if (!r?.id || r.id === asked?.id) return asked;
  return { id: r.id, name: r.name ?? '' };
}

/** What `start` would answer right now. Reads only; takes no lock, writes nothing. */
export async function preflight(db: Db, input: StartInput, now: Date = new Date()): Promise<PreflightResult> {
  const def = getDefinition(input.type);
  const resolved = await resolveStart(db, def, input);
  const { tenant, connection } = resolved;
  const common = { type: def.type, tenantId: tenant.id, providerConnection: connectionRef(resolved) };
  const ready = readiness(def, tenant, connection, { fromOnboarding: !!input.onboardingSessionId, now });
  if (!ready.ready) return { ...common, wouldBe: 'blocked', run: null, reason: ready.reason };

  const active = await db
    .selectFrom('operation_runs')
    .select(['id', 'type', 'tenant_id', 'dedupe_key'])
    .where('status', 'in', ['queued', 'running'])
    .where((eb) => eb.or([eb('dedupe_key', '=', resolved.dedupeKey), eb('provider_connection_id', '=', connection!.id)]))
    .execute();
  const same = active.find((r) => r.dedupe_key === resolved.dedupeKey);
  if (same) {
    const providerConnection = await activeRunConnection(db, same.id, common.providerConnection);
    return { ...common, wouldBe: 'deduped', run: { id: same.id, type: same.type, tenantId: same.tenant_id }, providerConnection };
  }
  const other = active[0];
  if (other) return { ...common, wouldBe: 'scope_busy', run: { id: other.id, type: other.type, tenantId: other.tenant_id } };
  return { ...common, wouldBe: 'accepted', run: null };
}
