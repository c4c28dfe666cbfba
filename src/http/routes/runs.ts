// Monitoring: runs newest first, only of tenants the user may see, and one run's detail.
// Blocked runs are listed like any other, with outcome "blocked": prevented-from-starting
// work stays distinguishable from accepted work that failed (FR-216-015).
import { z } from 'zod';
import { RUN_OUTCOMES, RUN_STATUSES } from '../../vocabulary.ts';
import { canSeeTenant, tenantIdByRef } from '../authorize.ts';
import { notFound } from '../errors.ts';
import { byRun } from '../locate.ts';
import { presentRunRow, visibleRuns } from '../run-rows.ts';
import { tenantRoute, userRoute, type Route } from '../route.ts';
import { afterKeys, decodeCursor, keySelections, orderSql, pageOf, type Sorts } from '../keyset.ts';
import { isoDate, operationType, queryInt, runSchema, tenantRef, uuid } from '../schemas.ts';

/** Newest first; the id orders runs created in the same microsecond. */
const RUN_ORDER = {
  '-created': [
    { column: 'r.created_at', dir: 'desc', kind: 'ts' },
    { column: 'r.id', dir: 'desc', kind: 'uuid' },
  ],
} as const satisfies Sorts;
const RUN_KEYS = RUN_ORDER['-created'];

const listQuery = z.object({
  tenant: tenantRef().optional(),
  type: operationType().optional(),
  outcome: z.enum(RUN_OUTCOMES).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  limit: queryInt(1, 200, 50),
  /** Paging: only runs created before this instant (the last item's createdAt). */
  before: isoDate.optional(),
  /** Keyset paging: the `next` of the previous page (exact even when runs share an instant). */
  cursor: z
    .string()
    .max(2000, { error: 'is too long' })
    .transform((v, ctx) => {
      const c = decodeCursor(RUN_ORDER, v);
      if (!c) {
        ctx.addIssue({ code: 'custom', message: 'must be the `next` value of a previous page' });
        return z.NEVER;
      }
      return c.after;
    })
    .optional(),
});

/** A page of runs: keyset-paged by createdAt, not counted. */
export const runPageSchema = z.strictObject({ items: z.array(runSchema), next: z.string().nullable() });

const list = userRoute({
  method: 'GET',
  url: '/api/operations',
  summary:
    'Runs newest first (by createdAt), filtered by tenant (id or slug), type, outcome, status; only tenants the user may see. Paged with ?limit and ?cursor (the `next` of the previous page; null on the last).',
  tag: 'runs',
  query: listQuery,
  responses: { 200: { description: 'Runs', schema: runPageSchema } },
  async handler({ deps, user, query }) {
    let q = visibleRuns(deps.db, user.id)
      .select(keySelections(RUN_KEYS))
      .orderBy(orderSql(RUN_KEYS))
      .limit(query.limit + 1);
    if (query.tenant) {
      const id = await tenantIdByRef(deps.db, query.tenant);
      // Unknown and not-entitled tenants read the same.
      if (!id || !(await canSeeTenant(deps.db, user.id, id))) throw notFound();
      q = q.where('r.tenant_id', '=', id);
    }
    if (query.type) q = q.where('r.type', '=', query.type);
    if (query.outcome) q = q.where('r.outcome', '=', query.outcome);
    if (query.status) q = q.where('r.status', '=', query.status);
    if (query.before) q = q.where('r.created_at', '<', new Date(query.before));
    if (query.cursor) q = q.where(afterKeys(RUN_KEYS, query.cursor));
    const page = pageOf(await q.execute(), { limit: query.limit, sort: '-created' }, RUN_KEYS);
    return { status: 200, body: { items: page.rows.map(({ k0: _k0, k1: _k1, ...row }) => presentRunRow(row)), next: page.next } };
  },
});

const detail = tenantRoute({
  method: 'GET',
  url: '/api/operations/:runId',
  summary: 'One run: status, outcome, reason and next steps (same catalogue as the start answer), summary counts, pinned connection.',
  tag: 'runs',
  params: z.strictObject({ runId: uuid() }),
  locate: (deps, { params }) => byRun(deps, params.runId),
  capability: 'tenant.view',
  responses: { 200: { description: 'The run', schema: runSchema } },
  async handler({ deps, user, params }) {
    const row = await visibleRuns(deps.db, user.id).where('r.id', '=', params.runId).executeTakeFirst();
    if (!row) throw notFound();
    return { status: 200, body: presentRunRow(row) };
  },
});

export const runRoutes: Route[] = [list, detail];
