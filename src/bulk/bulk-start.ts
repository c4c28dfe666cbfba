// One operation on many tenants of a workspace: who gets what, decided by the gate's
// startMany (N ordinary starts, set-based), and recorded so the bulk page can show the same
// answers again with the accepted runs' live status.
//
// Who the tenants are:
// - a person (trigger operator): the tenants of the workspace they are a member of; "all" is
//   every active one. A tenant where their role lacks the operation's capability is answered
//   `forbidden` and not started; tenants they cannot see are never mentioned.
// - a schedule (trigger scheduled, no initiator): every active tenant of the workspace ("all"),
//   or the listed ones.
import { sql } from 'kysely';
import { roleHas } from '../access/capabilities.ts';
import type { Db } from '../db/connect.ts';
import type { ReasonParams, Role, Trigger } from '../db/schema.ts';
import type { StartResult } from '../gate/result.ts';
import { startMany } from '../gate/start-many.ts';
import type { OperationType } from '../operations/definition.ts';
import { getDefinition } from '../operations/registry.ts';
import { expectedWaitSeconds } from '../runs/expected-wait.ts';

export const MAX_BULK_TENANTS = 5000;

export type Selection = 'all' | readonly string[];

export interface BulkRequest {
  workspaceId: string;
  type: OperationType;
  selection: Selection;
  trigger: Trigger;
  initiatorUserId: string | null;
  /** Whose tenants: a person's (their memberships and roles decide), or null for a schedule (all). */
  asUserId: string | null;
}

/** A request the caller must fix; `field` names what ("tenants.3"). */
export class BulkInputError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

interface Target {
  id: string;
  slug: string;
  role: Role | null;
}

async function targets(db: Db, req: BulkRequest): Promise<Target[]> {
  let q = db.selectFrom('tenants as t').select(['t.id', 't.slug']).where('t.workspace_id', '=', req.workspaceId).orderBy('t.slug');
  q = req.selection === 'all' ? q.where('t.status', '=', 'active') : q.where('t.slug', 'in', req.selection.length ? [...req.selection] : ['']);
  let rows: Target[];
  if (req.asUserId) {
    rows = await q
      .innerJoin('tenant_memberships as m', (j) => j.onRef('m.tenant_id', '=', 't.id').on('m.user_id', '=', req.asUserId!))
      .select('m.role')
      .execute();
  } else {
    rows = (await q.execute()).map((r) => ({ ...r, role: null }));
  }
  if (req.selection !== 'all') {
    // An unknown slug and one the person may not see read the same.
    const found = new Set(rows.map((r) => r.slug));
    const seen = new Set<string>();
    req.selection.forEach((slug, i) => {
      if (seen.has(slug)) throw new BulkInputError(`tenants.${i}`, 'is listed twice');
      seen.add(slug);
      if (!found.has(slug)) throw new BulkInputError(`tenants.${i}`, 'no such tenant');
    });
  }
  return rows;
}

export type ItemOutcome = StartResult['outcome'] | 'forbidden';

/** Starts the operation on every target and records the bulk operation; returns its id. */
export async function bulkStart(db: Db, req: BulkRequest): Promise<string> {
  const def = getDefinition(req.type);
  const all = await targets(db, req);
  if (all.length > MAX_BULK_TENANTS) throw new BulkInputError('tenants', `at most ${MAX_BULK_TENANTS} tenants per request (${all.length} selected)`);
  const allowed = all.filter((t) => t.role === null || roleHas(t.role, def.capability));
  const results = allowed.length
    ? await startMany(db, { type: req.type, tenantIds: allowed.map((t) => t.id), trigger: req.trigger, initiatorUserId: req.initiatorUserId })
    : [];
  const byTenant = new Map(results.map((r) => [r.tenantId, r]));
  // Scope busy answers say how long the holder should still take, as a single start's do.
  const waits = new Map<string, number | null>();
  await Promise.all(results.filter((r) => r.outcome === 'scope_busy').map(async (r) => waits.set(r.tenantId, await expectedWaitSeconds(db, r.run.id))));

  const items = all.map((t, position) => {
    const r = byTenant.get(t.id);
    const base = { position, tenant_id: t.id };
    if (!r)
      return {
        ...base,
        outcome: 'forbidden' as ItemOutcome,
        run_id: null,
        run_type: null,
        provider_connection_id: null,
        provider_connection_name: null,
        reason_code: null,
        reason_params: {},
      };
    const params: ReasonParams = r.outcome === 'blocked' ? r.reason.params : {};
    const wait = waits.get(t.id);
    if (r.outcome === 'scope_busy' && wait) params.expectedWaitSeconds = wait;
    return {
      ...base,
      outcome: r.outcome as ItemOutcome,
      run_id: r.run.id,
      run_type: r.run.type,
      provider_connection_id: r.providerConnection?.id ?? null,
      provider_connection_name: r.providerConnection?.name ?? null,
      reason_code: r.outcome === 'blocked' ? r.reason.code : r.outcome === 'scope_busy' ? 'scope_busy' : null,
      reason_params: params,
    };
  });
  const counts: Record<ItemOutcome, number> = { accepted: 0, deduped: 0, scope_busy: 0, blocked: 0, forbidden: 0 };
  for (const i of items) counts[i.outcome] += 1;

  // One statement for the bulk operation and its items: the items go as one JSON parameter
  // (a multi-row INSERT of 5,000 items would need 50,000 parameters, and building it costs
  // more than the insert).
  const row = await sql<{ id: string }>`
    with bulk as (
      insert into bulk_operations (workspace_id, type, trigger, initiator_user_id, selection, total, counts)
      values (${req.workspaceId}, ${req.type}, ${req.trigger}, ${req.initiatorUserId}, ${JSON.stringify(req.selection)}::jsonb,
              ${items.length}, ${JSON.stringify(counts)}::jsonb)
      returning id
    ), items as (
      insert into bulk_operation_items (bulk_operation_id, position, tenant_id, outcome, run_id, run_type,
                                        provider_connection_id, provider_connection_name, reason_code, reason_params)
      select bulk.id, i.position, i.tenant_id, i.outcome, i.run_id, i.run_type, i.provider_connection_id,
             i.provider_connection_name, i.reason_code, coalesce(i.reason_params, '{}')
        from bulk, jsonb_to_recordset(${JSON.stringify(items)}::jsonb)
             as i(position int, tenant_id uuid, outcome text, run_id uuid, run_type text, provider_connection_id uuid,
                  provider_connection_name text, reason_code text, reason_params jsonb)
    )
    select id from bulk`.execute(db);
  return row.rows[0]!.id;
}
