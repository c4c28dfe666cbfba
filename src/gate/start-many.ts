// One operation on many tenants (a bulk start, a schedule firing): N ordinary starts through
// the same gate, decided set-based. The runs, blocked records, jobs and audit rows are exactly
// those N calls of `start` would write (opsgate_admit_many and opsgate_record_blocked_many,
// migration 0018, write the same rows as opsgate_admit / opsgate_record_blocked, and hand the
// rows an active run refused to opsgate_admit itself); only the round trips are shared:
//   1 read     the facts of every tenant and its default connection (prepared, as in `start`)
//   readiness  per tenant in memory, the same pure function as `start`
//   1 + 1      per chunk of CHUNK tenants: every blocked record in one statement, every admission
//              in another (one INSERT each for runs, jobs and audit rows); the two run at once
// Each chunk's statement is its own transaction: the partial unique indexes still arbitrate
// every insert, so a chunk racing single starts or another bulk on the same tenants can never
// admit two runs per scope or identity. Within a chunk the advisory locks are taken tenant by
// tenant in tenant-id order and held to the commit; two chunks that overlap take them in the
// same order, so they wait on each other instead of deadlocking (and a deadlock or a
// serialization refusal, should one still happen, retries the chunk: it rolled back whole).
import type { Db } from '../db/connect.ts';
import { preparedStatement } from '../db/prepared.ts';
import type { Trigger } from '../db/schema.ts';
import { getDefinition } from '../operations/registry.ts';
import type { OperationType } from '../operations/definition.ts';
import { readiness } from './readiness.ts';
import { dedupeKey, readDefaultsFacts } from './resolve.ts';
import { GateInputError, type BlockedFacts, type ConnectionRef, type Outcome, type StartResult } from './result.ts';
import { reportStart } from './observers.ts';
import { BLOCKED_REUSE_SECONDS, blockedFingerprint, connectionRef, start } from './start.ts';
import { wakeWorkers } from './wake.ts';

export interface StartManyInput {
  type: OperationType;
  /** Tenant ids; each gets exactly one answer, in this order. Duplicates are refused. */
  tenantIds: readonly string[];
  trigger: Trigger;
  initiatorUserId: string | null;
}

/** Tenants per statement: bounds how long one statement holds its tenants' locks. */
export const CHUNK = 1000;

// Migration 0018: the same rows N calls of opsgate_record_blocked / opsgate_admit would write,
// written set-based (one INSERT each for runs, jobs and audit rows).
const RECORD_BLOCKED_MANY = preparedStatement<{ ord: number; run_id: string; reused: boolean }>(
  `select ord, run_id, reused from opsgate_record_blocked_many($1::jsonb, $2, $3, $4, $5)`,
);

const ADMIT_MANY = preparedStatement<{ ord: number; outcome: Exclude<Outcome, 'blocked'>; run_id: string; run_type: string; run_tenant_id: string }>(
  `select ord, outcome, run_id, run_type, run_tenant_id from opsgate_admit_many($1::jsonb, $2, $3, $4)`,
);

interface Pending {
  index: number;
  tenantId: string;
  workspaceId: string;
  connection: ConnectionRef | null;
  context: Record<string, string>;
}

export async function startMany(db: Db, input: StartManyInput, now: Date = new Date()): Promise<StartResult[]> {
  const def = getDefinition(input.type);
  if (def.dedupe === 'restore_run' || def.dedupe === 'onboarding_session') {
    throw new GateInputError('type', `${def.type} starts from its own target and cannot be started on many tenants at once`);
  }
  if (new Set(input.tenantIds).size !== input.tenantIds.length) throw new GateInputError('tenants', 'must not repeat a tenant');
  const facts = await readDefaultsFacts(db, input.tenantIds);
  const results: (StartResult | undefined)[] = new Array(input.tenantIds.length);
  const blocked: (Pending & { reason: BlockedFacts })[] = [];
  const ready: (Pending & { connectionId: string; dedupeKey: string })[] = [];
  const decidedSingly = new Set<number>();

  input.tenantIds.forEach((tenantId, index) => {
    const f = facts.get(tenantId);
    if (!f) throw new GateInputError('tenants', 'no such tenant');
    const context: Record<string, string> = f.connection ? { providerConnectionName: f.connection.name } : {};
    const pending = { index, tenantId, workspaceId: f.tenant.workspace_id, connection: connectionRef(f), context };
    const r = readiness(def, f.tenant, f.connection, { fromOnboarding: false, now });
    if (!r.ready) blocked.push({ ...pending, reason: r.reason });
    else ready.push({ ...pending, connectionId: f.connection!.id, dedupeKey: dedupeKey(def, tenantId, f.connection!.id, context) });
  });

  // Tenant-id order: the order every chunk takes its locks in (see the top of this file).
  const byTenant = <T extends Pending>(xs: T[]) => [...xs].sort((a, b) => (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0));

  // Each chunk of `items`, in tenant-id order, as one statement (rows numbered by `ord`);
  // `answer` makes each returned row its tenant's result.
  const inChunks = async <P extends Pending, R extends { ord: number }>(
    items: P[],
    statement: (rows: string) => Promise<{ rows: R[] }>,
    toRow: (p: P) => Record<string, unknown>,
    answer: (p: P, row: R) => StartResult,
  ) => {
    for (const chunk of chunks(byTenant(items))) {
      const rows = JSON.stringify(chunk.map((p, i) => ({ ord: i + 1, ...toRow(p) })));
      const out = await orSingly(db, chunk, input, results, decidedSingly, async () => (await retrying(() => statement(rows))).rows);
      for (const o of out) {
        const p = chunk[o.ord - 1]!;
        results[p.index] = answer(p, o);
      }
    }
  };

  // The blocked records and the admissions concern different tenants and take different
  // locks (fingerprints; identities and scopes), so the two streams of statements run at once,
  // each on its own connection of the pool.
  let accepted = 0;
  const deduped: number[] = [];
  const recordBlocked = inChunks(
    blocked,
    (rows) => RECORD_BLOCKED_MANY(db, [rows, def.type, input.initiatorUserId, input.trigger, BLOCKED_REUSE_SECONDS]),
    (p) => ({
      workspace_id: p.workspaceId,
      tenant_id: p.tenantId,
      connection_id: p.connection?.id ?? null,
      context: p.context,
      reason_code: p.reason.code,
      reason_params: p.reason.params,
      fingerprint: blockedFingerprint(p.tenantId, def.type, p.connection?.id ?? null, p.reason, input, p.context),
    }),
    (p, o) => ({
      type: def.type,
      tenantId: p.tenantId,
      providerConnection: p.connection,
      outcome: 'blocked',
      run: { id: o.run_id, type: def.type, tenantId: p.tenantId },
      reason: p.reason,
      reusedRecord: o.reused,
    }),
  );
  const admit = inChunks(
    ready,
    (rows) => ADMIT_MANY(db, [rows, def.type, input.initiatorUserId, input.trigger]),
    (p) => ({ workspace_id: p.workspaceId, tenant_id: p.tenantId, connection_id: p.connectionId, dedupe_key: p.dedupeKey, context: p.context }),
    (p, o) => {
      if (o.outcome === 'accepted') accepted++;
      if (o.outcome === 'deduped') deduped.push(p.index);
      return {
        type: def.type,
        tenantId: p.tenantId,
        providerConnection: p.connection,
        outcome: o.outcome,
        run: { id: o.run_id, type: o.run_type, tenantId: o.run_tenant_id },
      };
    },
  );
  // Both settle before anything is answered or thrown: no statement is left running unobserved.
  const settled = await Promise.allSettled([recordBlocked, admit]);
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  if (accepted > 0) wakeWorkers(db);
  await nameDedupedConnections(
    db,
    deduped.map((i) => results[i]!),
  );

  const answers = results.map((r, i) => {
    if (!r) throw new Error(`startMany: no answer for tenant ${input.tenantIds[i]}`);
    return r;
  });
  // Each answer is a start like any other for its observers (metrics count them); the ones
  // `start` decided (orSingly) were reported there.
  answers.forEach((a, i) => {
    if (!decidedSingly.has(i)) reportStart(a);
  });
  return answers;
}

/** As in `start`: a deduped answer names the connection the active run is pinned to (one read for all). */
async function nameDedupedConnections(db: Db, results: StartResult[]): Promise<void> {
  if (!results.length) return;
  const rows = await db
    .selectFrom('operation_runs as r')
    .leftJoin('provider_connections as c', 'c.id', 'r.provider_connection_id')
    .select(['r.id', 'r.provider_connection_id', 'c.name'])
    .where(
      'r.id',
      'in',
      results.map((r) => r.run.id),
    )
    .execute();
  const byRun = new Map(rows.map((r) => [r.id, r]));
  for (const r of results) {
    const row = byRun.get(r.run.id);
    if (row?.provider_connection_id && row.provider_connection_id !== r.providerConnection?.id) {
      r.providerConnection = { id: row.provider_connection_id, name: row.name ?? '' };
    }
  }
}

/**
 * A connection read at the facts read was deleted before the chunk's inserts (the delete takes
 * the admission's scope lock, so the insert fails on the foreign key and the chunk rolls back
 * whole). Those tenants are then decided one by one by `start`, which decides again on what is
 * there now — exactly what N single starts would have answered.
 */
async function orSingly<T>(
  db: Db,
  chunk: Pending[],
  input: StartManyInput,
  results: (StartResult | undefined)[],
  decidedSingly: Set<number>,
  fn: () => Promise<T[]>,
): Promise<T[]> {
  try {
    return await fn();
  } catch (err) {
    const e = err as { code?: unknown; constraint?: unknown };
    if (e.code !== '23503' || typeof e.constraint !== 'string' || !e.constraint.includes('provider_connection')) throw err;
    for (const p of chunk) {
      decidedSingly.add(p.index);
      results[p.index] = await start(db, { type: input.type, tenantId: p.tenantId, trigger: input.trigger, initiatorUserId: input.initiatorUserId });
    }
    return [];
  }
}

function chunks<T>(xs: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

/** A chunk is one statement: on a deadlock or a serialization refusal it rolled back whole, so it is retried. */
async function retrying<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (i >= attempts || (code !== '40P01' && code !== '40001')) throw err;
      await new Promise((r) => setTimeout(r, 5 * i + Math.random() * 20));
    }
  }
}
