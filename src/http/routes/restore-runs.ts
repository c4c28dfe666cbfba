// Prepared restores: the list per tenant, creating one from backup items, and one restore
// with its items preview (what each backup item will do when "Execute restore" runs).
// Executing goes through the one start route with {"type": "restore.execute", "target":
// {"restoreRunId", "confirm"}}. The status is derived from the restore run's last accepted
// run (view restore_runs_with_status), and a failed one carries that run's reason in the
// catalogue's words.
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../db/connect.ts';
import type { ReasonParams } from '../../db/schema.ts';
import { explain } from '../../reasons/catalogue.ts';
import { isReasonCode } from '../../reasons/codes.ts';
import { runUrl } from '../../presenter/index.ts';
import { RUN_OUTCOMES } from '../../vocabulary.ts';
import { byRestoreRun, byTenantRef } from '../locate.ts';
import { HttpError, invalid, notFound } from '../errors.ts';
import { tenantRoute, type Route } from '../route.ts';
import { idParams, isoDate, items, tenantParams, uuid } from '../schemas.ts';

export const restoreRunSummarySchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  status: z.enum(['ready', 'executing', 'completed', 'failed']),
  itemCount: z.number(),
  lastRun: z
    .strictObject({
      id: z.string(),
      url: z.string(),
      outcome: z.enum(RUN_OUTCOMES),
      reason: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
    })
    .nullable(),
  createdAt: isoDate,
});

export const restoreItemSchema = z.strictObject({
  backupItemId: z.string(),
  position: z.number(),
  displayName: z.string(),
  resourceType: z.string(),
  sourceId: z.string(),
  /**
   * What executing will do, judged from the tenant's last inventory sync: update the
   * configuration that still exists, create the one that does not. "unknown" until the
   * inventory has been synced once (the job itself always checks live).
   */
  action: z.enum(['create', 'update', 'unknown']),
  /** What the last execution did with this item. */
  result: z.enum(['created', 'updated', 'failed']).nullable(),
});

export const restoreRunSchema = restoreRunSummarySchema.extend({
  tenant: z.strictObject({ id: z.string(), slug: z.string() }),
  inventorySyncedAt: isoDate.nullable(),
  items: z.array(restoreItemSchema),
});

function lastRunReason(r: { last_run_reason_code: string | null; last_run_reason_params: ReasonParams | null }, slug: string) {
  if (!r.last_run_reason_code) return null;
  const links = { tenantSlug: slug, providerConnectionId: null };
  const ex = isReasonCode(r.last_run_reason_code)
    ? explain(r.last_run_reason_code, r.last_run_reason_params ?? {}, links)
    : explain('execution_error', {}, links);
  return { code: r.last_run_reason_code, message: ex.message };
}

async function summaries(db: Db, slug: string, where: { tenantId?: string; id?: string }) {
  let q = db
    .selectFrom('restore_runs_with_status as r')
    .select([
      'r.id',
      'r.name',
      'r.status',
      'r.last_run_id',
      'r.last_run_outcome',
      'r.last_run_reason_code',
      'r.last_run_reason_params',
      'r.created_at',
      'r.tenant_id',
    ])
    .select(sql<number>`(select count(*)::int from restore_run_items i where i.restore_run_id = r.id)`.as('item_count'))
    .orderBy('r.created_at', 'desc');
  if (where.tenantId) q = q.where('r.tenant_id', '=', where.tenantId);
  if (where.id) q = q.where('r.id', '=', where.id);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    status: r.status,
    itemCount: r.item_count,
    lastRun: r.last_run_id ? { id: r.last_run_id, url: runUrl(r.last_run_id), outcome: r.last_run_outcome ?? 'pending', reason: lastRunReason(r, slug) } : null,
    createdAt: r.created_at.toISOString(),
  }));
}

const list = tenantRoute({
  method: 'GET',
  url: '/api/tenants/:tenant/restore-runs',
  summary: "A tenant's prepared restores.",
  tag: 'restore runs',
  params: tenantParams,
  locate: byTenantRef,
  capability: 'tenant.view',
  responses: { 200: { description: 'Restore runs', schema: items(restoreRunSummarySchema) } },
  async handler({ deps, access }) {
    return { status: 200, body: { items: await summaries(deps.db, access.tenant.slug, { tenantId: access.tenant.id }) } };
  },
});

/** More than this is a restore nobody can review in its preview; split it into several runs. */
export const MAX_RESTORE_ITEMS = 500;

const createBody = z.strictObject({
  // At most 200: executing needs the name typed as target.confirm, which takes up to 200.
  name: z
    .string()
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(200, { error: 'is too long (at most 200 characters)' })
    .refine((n) => !/[\u0000-\u001f\u007f]/.test(n), { error: 'must not contain control characters' }),
  backupItemIds: z
    .array(uuid())
    .min(1, { error: 'must name at least one backup item' })
    .max(MAX_RESTORE_ITEMS, { error: `must name at most ${MAX_RESTORE_ITEMS} backup items` })
    .refine((ids) => new Set(ids.map((i) => i.toLowerCase())).size === ids.length, { error: 'must not name a backup item twice' }),
});

const isUniqueViolation = (err: unknown, constraint: string) =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505' && (err as { constraint?: unknown }).constraint === constraint;

const nameTaken = () => new HttpError(409, 'conflict', 'name: already used by another restore run of this tenant');

const create = tenantRoute({
  method: 'POST',
  url: '/api/tenants/:tenant/restore-runs',
  summary:
    'Prepare a restore from backup items of this tenant: {"name", "backupItemIds"} (1–500, in the order they will be written). 201 the restore run (ready); 409 when the name is taken. Audited.',
  tag: 'restore runs',
  params: tenantParams,
  body: createBody,
  locate: byTenantRef,
  // Preparing a restore is the first half of restoring: the same capability as executing it.
  capability: 'restore.execute',
  responses: { 201: { description: 'The new restore run', schema: restoreRunSummarySchema } },
  async handler({ deps, user, access, body }) {
    const tenant = access.tenant;
    const ids = body.backupItemIds.map((i) => i.toLowerCase());
    const restoreRunId = await deps.db
      .transaction()
      .execute(async (tx) => {
        // Items of another tenant are looked up exactly like unknown ids, so the answer never
        // tells whether an id exists elsewhere.
        const found = await tx.selectFrom('backup_items').select('id').where('tenant_id', '=', tenant.id).where('id', 'in', ids).execute();
        const known = new Set(found.map((f) => f.id));
        const unknown = ids.findIndex((i) => !known.has(i));
        if (unknown >= 0) throw invalid(`backupItemIds.${unknown}`, 'is not a backup item of this tenant');
        const taken = await tx
          .selectFrom('restore_runs')
          .select('id')
          .where('tenant_id', '=', tenant.id)
          .where(sql<boolean>`lower(name) = lower(${body.name})`)
          .executeTakeFirst();
        if (taken) throw nameTaken();
        const rr = await tx
          .insertInto('restore_runs')
          .values({ tenant_id: tenant.id, name: body.name, created_by: user.id })
          .returning('id')
          .executeTakeFirstOrThrow();
        // Positions follow the request's order: the order the restore will write them in.
        await tx
          .insertInto('restore_run_items')
          .values(ids.map((id, position) => ({ restore_run_id: rr.id, backup_item_id: id, position })))
          .execute();
        await tx
          .insertInto('audit_log')
          .values({
            workspace_id: tenant.workspace_id,
            tenant_id: tenant.id,
            actor_user_id: user.id,
            action: 'restore_run.created',
            details: JSON.stringify({ restoreRunId: rr.id, name: body.name, itemCount: ids.length }),
          })
          .execute();
        return rr.id;
      })
      .catch((err: unknown) => {
        // Two creates with one name at once: the unique index decides, the loser reads as taken.
        throw isUniqueViolation(err, 'restore_runs_tenant_name') ? nameTaken() : err;
      });
    const [summary] = await summaries(deps.db, tenant.slug, { id: restoreRunId });
    return { status: 201, body: summary };
  },
});

const detail = tenantRoute({
  method: 'GET',
  url: '/api/restore-runs/:id',
  summary: 'One prepared restore with its items preview (create or update) before "Execute restore".',
  tag: 'restore runs',
  params: idParams,
  locate: byRestoreRun,
  capability: 'tenant.view',
  responses: { 200: { description: 'The restore run', schema: restoreRunSchema } },
  async handler({ deps, access, params }) {
    const [summary] = await summaries(deps.db, access.tenant.slug, { id: params.id });
    if (!summary) throw notFound();
    const tenantId = access.tenant.id;
    const synced = await deps.db
      .selectFrom('operation_runs')
      .select((eb) => eb.fn.max('completed_at').as('at'))
      .where('tenant_id', '=', tenantId)
      .where('type', '=', 'inventory.sync')
      .where('outcome', 'in', ['succeeded', 'partially_succeeded'])
      .executeTakeFirst();
    const syncedAt = synced?.at ?? null;
    const rows = await deps.db
      .selectFrom('restore_run_items as i')
      .innerJoin('backup_items as b', 'b.id', 'i.backup_item_id')
      .select(['i.backup_item_id', 'i.position', 'i.result', 'b.display_name', 'b.resource_type', 'b.source_id'])
      // As the job decides: the configuration still exists, or the one an earlier execution of
      // this restore run created does (target_id) — either is updated, not created again.
      .select((eb) =>
        eb
          .exists(
            eb
              .selectFrom('inventory_items as inv')
              .select('inv.external_id')
              .where('inv.tenant_id', '=', tenantId)
              .where('inv.kind', '=', 'deviceConfiguration')
              .where((w) => w.or([w('inv.external_id', '=', w.ref('b.source_id')), w('inv.external_id', '=', w.ref('i.target_id'))])),
          )
          .as('live'),
      )
      .where('i.restore_run_id', '=', params.id)
      .orderBy('i.position')
      .execute();
    return {
      status: 200,
      body: {
        ...summary,
        tenant: { id: tenantId, slug: access.tenant.slug },
        inventorySyncedAt: syncedAt ? new Date(syncedAt).toISOString() : null,
        items: rows.map((r) => ({
          backupItemId: r.backup_item_id,
          position: r.position,
          displayName: r.display_name,
          resourceType: r.resource_type,
          sourceId: r.source_id,
          action: syncedAt === null ? 'unknown' : r.live ? 'update' : 'create',
          result: r.result,
        })),
      },
    };
  },
});

export const restoreRunRoutes: Route[] = [list, create, detail];
