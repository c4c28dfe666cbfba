// PROTOTYPES — NOT the product's code path. Copies of parts of src/gate/start.ts and
// src/gate/resolve.ts, reshaped to measure what a proposed src change would buy. They are
// measured in the same rounds as the real gate so the ratios compare like with like. Only the
// paths the benchmark drives are copied (explicit connection, dedupe by connection).
//
//   admit-only          the admission statement alone (opsgate_admit), tenant, connection and
//                       dedupe key already known: the floor for any TypeScript-side change.
//   one-read            start() with resolve's two reads (tenant, then connection) folded into
//                       one joined read; readiness unchanged, in TypeScript; then opsgate_admit.
//                       2 round trips instead of 3.
//   no-notify           start() unchanged up to admission; admission = a copy of opsgate_admit
//                       whose job insert does not NOTIFY inside the transaction
//                       (prototype/no-notify.ts); the worker is woken by a NOTIFY sent after
//                       the commit, in its own WAL-less transaction.
//   one-read+no-notify  both.
//   precheck            (contended measurement) start() unchanged up to admission; admission =
//                       a copy of opsgate_admit that answers deduped / scope_busy from a
//                       lock-free look when an active run is already there (prototype/precheck.ts).
import { sql } from 'kysely';
import type { Db } from '../../src/db/connect.ts';
import type { ProviderConnection, Tenant } from '../../src/db/schema.ts';
import { readiness } from '../../src/gate/readiness.ts';
import { resolveStart } from '../../src/gate/resolve.ts';
import type { StartInput } from '../../src/gate/result.ts';
import { getDefinition } from '../../src/operations/registry.ts';
import { closedLoop, EXHAUSTED, type LoopResult } from '../loops.ts';
import { freeAllScopes, type Scope } from '../setup.ts';
import type { BenchContext } from '../scenarios.ts';

export const PROTOTYPE_KINDS = ['admit-only', 'one-read', 'no-notify', 'one-read+no-notify'] as const;
export type PrototypeKind = (typeof PROTOTYPE_KINDS)[number];

type Admitted = { outcome: string; run_id: string; run_type: string; run_tenant_id: string };

type AdmissionFn = 'opsgate_admit' | 'bench_admit_no_notify' | 'bench_admit_precheck';

async function admit(db: Db, fn: AdmissionFn, a: {
  workspaceId: string; tenantId: string; type: string; connectionId: string; dedupeKey: string; initiator: string | null; context: Record<string, string>;
}): Promise<Admitted> {
  const { rows } = await sql<Admitted>`
    select * from ${sql.raw(fn)}(${a.workspaceId}, ${a.tenantId}, ${a.type}, ${a.connectionId}, ${a.dedupeKey},
                                 ${a.initiator}, ${'operator'}, ${JSON.stringify(a.context)})`.execute(db);
  const row = rows[0]!;
  // The wake-up, after the commit: a transaction that wrote no WAL commits without a flush, so
  // it holds PostgreSQL's NOTIFY commit lock only for an instant. If it is ever lost, the
  // worker's poll (1 s) still finds the job.
  if (fn === 'bench_admit_no_notify' && row.outcome === 'accepted') await sql`select pg_notify('jobs:insert', '{"count":1}')`.execute(db);
  return row;
}

const TENANT_COLS = ['id', 'workspace_id', 'slug', 'name', 'entra_tenant_id', 'status', 'created_at', 'updated_at'] as const;
const CONN_COLS = [
  'id', 'tenant_id', 'name', 'cloud', 'client_id', 'credential_kind', 'secret_ciphertext', 'certificate_thumbprint',
  'credential_expires_at', 'is_default', 'enabled', 'consent_status', 'granted_permissions', 'last_verified_at',
  'verification_status', 'verification_reason_code', 'created_at', 'updated_at',
] as const;
const SELECT_LIST = sql.raw(
  [...TENANT_COLS.map((c) => `t.${c} as "t_${c}"`), ...CONN_COLS.map((c) => `c.${c} as "c_${c}"`)].join(', '),
);

/** resolveStart's tenant + connection look-ups as one joined read. */
export async function resolveOneRead(db: Db, input: StartInput): Promise<{ tenant: Tenant; connection: ProviderConnection | null }> {
  const connId = input.providerConnectionId ?? null;
  const { rows } = await sql<Record<string, unknown>>`
    select ${SELECT_LIST}
      from tenants t
      left join provider_connections c
        on c.tenant_id = t.id and (case when ${connId}::uuid is null then c.is_default else c.id = ${connId}::uuid end)
     where t.id = ${input.tenantId}`.execute(db);
  const row = rows[0];
  if (!row) throw new Error('no such tenant');
  const pick = (prefix: string, cols: readonly string[]) => Object.fromEntries(cols.map((c) => [c, row[`${prefix}${c}`]]));
  return {
    tenant: pick('t_', TENANT_COLS) as unknown as Tenant,
    connection: row.c_id ? (pick('c_', CONN_COLS) as unknown as ProviderConnection) : null,
  };
}

/** A start() shaped as the named prototype (explicit connection; connection-scoped identities only). */
export function prototypeStart(kind: Exclude<PrototypeKind, 'admit-only'> | 'precheck') {
  const fn: AdmissionFn = kind.endsWith('no-notify') ? 'bench_admit_no_notify' : kind === 'precheck' ? 'bench_admit_precheck' : 'opsgate_admit';
  return async (db: Db, input: StartInput): Promise<{ outcome: 'accepted' | 'deduped' | 'scope_busy'; run: { id: string } }> => {
    const def = getDefinition(input.type);
    if (def.dedupe !== 'connection') throw new Error(`prototype: ${def.type} has a ${def.dedupe} identity`);
    const { tenant, connection } = kind.startsWith('one-read') ? await resolveOneRead(db, input) : await resolveStart(db, def, input);
    const ready = readiness(def, tenant, connection, { fromOnboarding: false, now: new Date() });
    if (!ready.ready || !connection) throw new Error(`prototype: not ready (${ready.ready ? 'no connection' : ready.reason.code})`);
    const r = await admit(db, fn, {
      workspaceId: tenant.workspace_id, tenantId: tenant.id, type: def.type, connectionId: connection.id,
      dedupeKey: `${def.type}|c:${connection.id}`, initiator: input.initiatorUserId, context: { providerConnectionName: connection.name },
    });
    return { outcome: r.outcome as 'accepted' | 'deduped' | 'scope_busy', run: { id: r.run_id } };
  };
}

export async function measurePrototypes(ctx: BenchContext, kind: PrototypeKind, clients: number, durationMs: number): Promise<LoopResult & { notAccepted: number }> {
  await freeAllScopes(ctx.db16.pool);
  const { db } = ctx.db16;
  const { fixture } = ctx;
  let next = 0;
  const take = (): Scope | null => (next < fixture.fresh.length ? fixture.fresh[next++]! : null);
  let notAccepted = 0;
  const startFn = kind === 'admit-only' ? null : prototypeStart(kind);
  const op = async () => {
    const scope = take();
    if (!scope) return EXHAUSTED;
    const r = startFn
      ? await startFn(db, { type: 'inventory.sync', tenantId: scope.tenantId, trigger: 'operator', initiatorUserId: fixture.userId, providerConnectionId: scope.connectionId })
      : await admit(db, 'opsgate_admit', {
          workspaceId: fixture.workspaceId, tenantId: scope.tenantId, type: 'inventory.sync', connectionId: scope.connectionId,
          dedupeKey: `inventory.sync|c:${scope.connectionId}`, initiator: fixture.userId, context: { providerConnectionName: 'x' },
        });
    if (r.outcome !== 'accepted') notAccepted++;
    return r;
  };
  const result = await closedLoop(clients, durationMs, op);
  return { ...result, notAccepted };
}
