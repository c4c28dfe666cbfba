// A bulk operation as a viewer sees it: each tenant's answer in the start presenter's words
// (the same shape a single start answers), counts per outcome, the blocked ones grouped by
// reason with that reason's next step, and the accepted runs' live progress. Only tenants the
// viewer may see are listed; counts cover what is listed.
import { roleHas } from '../access/capabilities.ts';
import type { Db } from '../db/connect.ts';
import type { Role, RunOutcome, RunStatus } from '../db/schema.ts';
import type { StartResult } from '../gate/result.ts';
import { isOperationType, type OperationType } from '../operations/definition.ts';
import { getDefinition } from '../operations/registry.ts';
import { presentStart, type StartAnswer } from '../presenter/index.ts';
import { capabilityHint } from '../presenter/next-steps.ts';
import { isBlockedReason } from '../reasons/codes.ts';
import type { ItemOutcome } from './bulk-start.ts';

export interface BulkItemView extends Omit<StartAnswer, 'outcome' | 'label' | 'run'> {
  tenant: { slug: string; name: string };
  outcome: ItemOutcome;
  label: StartAnswer['label'] | 'forbidden';
  run: { id: string; url: string; status?: RunStatus; outcome?: RunOutcome } | null;
}

export interface BulkView {
  id: string;
  type: string;
  trigger: string;
  initiator: { email: string } | null;
  createdAt: string;
  total: number;
  counts: Record<ItemOutcome, number>;
  blockedByReason: { code: string; message: string; count: number; nextSteps: StartAnswer['nextSteps'] }[];
  progress: Record<'queued' | 'running' | 'succeeded' | 'partially_succeeded' | 'failed' | 'cancelled', number>;
  items: BulkItemView[];
}

/** The bulk operation for this viewer; null when it does not exist or is not in one of their workspaces. */
export async function presentBulk(db: Db, id: string, viewerId: string): Promise<BulkView | null> {
  const bulk = await db
    .selectFrom('bulk_operations as b')
    .innerJoin('workspace_members as wm', (j) => j.onRef('wm.workspace_id', '=', 'b.workspace_id').on('wm.user_id', '=', viewerId))
    .leftJoin('users as u', 'u.id', 'b.initiator_user_id')
    .select(['b.id', 'b.type', 'b.trigger', 'b.created_at', 'u.email'])
    .where('b.id', '=', id)
    .executeTakeFirst();
  if (!bulk || !isOperationType(bulk.type)) return null;
  const type: OperationType = bulk.type;
  const rows = await db
    .selectFrom('bulk_operation_items as i')
    .innerJoin('tenants as t', 't.id', 'i.tenant_id')
    .innerJoin('tenant_memberships as m', (j) => j.onRef('m.tenant_id', '=', 'i.tenant_id').on('m.user_id', '=', viewerId))
    .leftJoin('operation_runs as r', 'r.id', 'i.run_id')
    .selectAll('i')
    .select(['t.slug', 't.name', 'm.role', 'r.status as run_status', 'r.outcome as run_outcome'])
    .where('i.bulk_operation_id', '=', id)
    .orderBy('i.position')
    .execute();

  const items = rows.map((r): BulkItemView => {
    const tenant = { slug: r.slug, name: r.name };
    if (r.outcome === 'forbidden') return forbiddenItem(type, tenant, r.role);
    const answer = presentStart(facts(type, r), {
      tenantSlug: r.slug,
      viewerRole: r.role,
      // The run a deduped or scope-busy answer names holds this tenant's own connection.
      runVisible: true,
      expectedWaitSeconds: typeof r.reason_params.expectedWaitSeconds === 'number' ? r.reason_params.expectedWaitSeconds : null,
    });
    const live = r.outcome === 'accepted' && r.run_status ? { status: r.run_status, outcome: r.run_outcome ?? 'pending' } : {};
    // A run removed since (retention) is no longer linked.
    return { ...answer, tenant, run: answer.run && r.run_id ? { ...answer.run, ...live } : null };
  });

  const counts: Record<ItemOutcome, number> = { accepted: 0, deduped: 0, scope_busy: 0, blocked: 0, forbidden: 0 };
  const progress: BulkView['progress'] = { queued: 0, running: 0, succeeded: 0, partially_succeeded: 0, failed: 0, cancelled: 0 };
  const groups = new Map<string, BulkView['blockedByReason'][number]>();
  for (const it of items) {
    counts[it.outcome] += 1;
    if (it.outcome === 'accepted' && it.run?.status) {
      if (it.run.status !== 'completed') progress[it.run.status] += 1;
      else if (it.run.outcome && it.run.outcome in progress) progress[it.run.outcome as keyof typeof progress] += 1;
    }
    if (it.outcome === 'blocked' && it.reason) {
      const g = groups.get(it.reason.code);
      if (g) g.count += 1;
      // The first tenant's wording stands for the group; each item keeps its own links.
      else groups.set(it.reason.code, { code: it.reason.code, message: it.reason.message, count: 1, nextSteps: it.nextSteps });
    }
  }
  return {
    id: bulk.id,
    type,
    trigger: bulk.trigger,
    initiator: bulk.email ? { email: bulk.email } : null,
    createdAt: bulk.created_at.toISOString(),
    total: items.length,
    counts,
    blockedByReason: [...groups.values()].sort((a, b) => b.count - a.count),
    progress,
    items,
  };
}

type ItemRow = {
  tenant_id: string;
  outcome: ItemOutcome;
  run_id: string | null;
  run_type: string | null;
  provider_connection_id: string | null;
  provider_connection_name: string | null;
  reason_code: string | null;
  reason_params: Record<string, unknown>;
};

/** The stored answer back as the gate's facts, for the one presenter. */
function facts(type: OperationType, r: ItemRow): StartResult {
  const common = {
    type,
    tenantId: r.tenant_id,
    providerConnection: r.provider_connection_id ? { id: r.provider_connection_id, name: r.provider_connection_name ?? '' } : null,
    run: { id: r.run_id ?? '', type: r.run_type ?? type, tenantId: r.tenant_id },
  };
  const code = r.reason_code;
  if (r.outcome === 'blocked' && isBlockedReason(code)) {
    return { ...common, outcome: 'blocked', reason: { code, params: r.reason_params as never }, reusedRecord: false };
  }
  if (r.outcome === 'deduped' || r.outcome === 'scope_busy') return { ...common, outcome: r.outcome };
  return { ...common, outcome: 'accepted' };
}

function forbiddenItem(type: OperationType, tenant: BulkItemView['tenant'], role: Role): BulkItemView {
  const def = getDefinition(type);
  const allowed = roleHas(role, def.capability);
  return {
    tenant,
    outcome: 'forbidden',
    label: 'forbidden',
    operationType: type,
    title: `${def.title}: not allowed`,
    action: def.action,
    run: null,
    providerConnection: null,
    reason: {
      code: 'forbidden',
      message: allowed
        ? `Your role (${role}) on this tenant did not allow this when the bulk start ran.`
        : `Your role (${role}) on this tenant cannot ${def.action.charAt(0).toLowerCase()}${def.action.slice(1)}.`,
    },
    nextSteps: allowed ? [] : [{ label: def.action, url: null, hint: capabilityHint(def.action, def.capability) }],
  };
}

/** Recent bulk operations of a workspace, newest first (the bulk page's history). */
export async function recentBulks(db: Db, workspaceId: string, limit = 20) {
  const rows = await db
    .selectFrom('bulk_operations as b')
    .leftJoin('users as u', 'u.id', 'b.initiator_user_id')
    .select(['b.id', 'b.type', 'b.trigger', 'b.total', 'b.counts', 'b.created_at', 'u.email'])
    .where('b.workspace_id', '=', workspaceId)
    .orderBy('b.created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    trigger: r.trigger,
    initiator: r.email ? { email: r.email } : null,
    total: r.total,
    counts: r.counts,
    createdAt: r.created_at.toISOString(),
  }));
}
