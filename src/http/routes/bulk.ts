// One operation on many tenants: POST answers every tenant's start answer at once (the same
// gate and presenter as a single start), GET shows it again with the accepted runs' live
// progress. See src/bulk/ for who the tenants are and src/gate/start-many.ts for the admission.
import { z } from 'zod';
import { RUN_OUTCOMES, RUN_STATUSES } from '../../vocabulary.ts';
import { BulkInputError, bulkStart, MAX_BULK_TENANTS } from '../../bulk/bulk-start.ts';
import { presentBulk, recentBulks } from '../../bulk/bulk-view.ts';
import { invalid, notFound } from '../errors.ts';
import { userRoute, type Route } from '../route.ts';
import { idParams, isoDate, items, operationType, stepSchema } from '../schemas.ts';
import { workspaceParams, workspacePathRoute } from '../workspaces.ts';
import { SLUG_SHAPE } from '../authorize.ts';

const countsSchema = z.strictObject({ accepted: z.number(), deduped: z.number(), scope_busy: z.number(), blocked: z.number(), forbidden: z.number() });

const itemSchema = z.strictObject({
  tenant: z.strictObject({ slug: z.string(), name: z.string() }),
  outcome: z.enum(['accepted', 'deduped', 'scope_busy', 'blocked', 'forbidden']),
  label: z.enum(['queued', 'already running', 'scope busy', 'blocked', 'forbidden']),
  operationType: z.string(),
  title: z.string(),
  action: z.string(),
  run: z
    .strictObject({
      id: z.string(),
      url: z.string(),
      status: z.enum(RUN_STATUSES).optional(),
      outcome: z.enum(RUN_OUTCOMES).optional(),
    })
    .nullable(),
  providerConnection: z.strictObject({ id: z.string(), name: z.string() }).nullable(),
  reason: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  nextSteps: z.array(stepSchema),
});

export const bulkSchema = z.strictObject({
  id: z.string(),
  type: z.string(),
  trigger: z.string(),
  initiator: z.strictObject({ email: z.string() }).nullable(),
  createdAt: isoDate,
  total: z.number(),
  counts: countsSchema,
  blockedByReason: z.array(z.strictObject({ code: z.string(), message: z.string(), count: z.number(), nextSteps: z.array(stepSchema) })),
  progress: z.strictObject({
    queued: z.number(),
    running: z.number(),
    succeeded: z.number(),
    partially_succeeded: z.number(),
    failed: z.number(),
    cancelled: z.number(),
  }),
  items: z.array(itemSchema),
});

export const bulkSummarySchema = z.strictObject({
  id: z.string(),
  type: z.string(),
  trigger: z.string(),
  initiator: z.strictObject({ email: z.string() }).nullable(),
  total: z.number(),
  counts: z.record(z.string(), z.number()),
  createdAt: isoDate,
});

/** "all", or a list of tenant slugs. */
export const tenantSelection = z.union(
  [
    z.literal('all'),
    z
      .array(z.string().regex(SLUG_SHAPE, { error: 'must be a tenant slug' }))
      .min(1, { error: 'must name at least one tenant, or be "all"' })
      .max(MAX_BULK_TENANTS, { error: `at most ${MAX_BULK_TENANTS} tenants per request` }),
  ],
  { error: 'must be "all" or a list of tenant slugs' },
);

const start = workspacePathRoute({
  method: 'POST',
  url: '/api/workspaces/:ws/bulk-operations',
  summary:
    'Start one operation on many tenants ("all" = every active tenant you may see). Each item is what a single start answers for that tenant; tenants where your role lacks the capability are "forbidden".',
  tag: 'bulk operations',
  params: workspaceParams,
  body: z.strictObject({ type: operationType(), tenants: tenantSelection }),
  capability: 'bulk.start',
  responses: { 200: { description: "Every tenant's answer, counts, blocked grouped by reason", schema: bulkSchema } },
  async handler({ deps, user, workspace, body }) {
    let id: string;
    try {
      id = await bulkStart(deps.db, {
        workspaceId: workspace.id,
        type: body.type,
        selection: body.tenants,
        trigger: 'operator',
        initiatorUserId: user.id,
        asUserId: user.id,
      });
    } catch (err) {
      if (err instanceof BulkInputError) throw invalid(err.field, err.message);
      throw err;
    }
    const view = await presentBulk(deps.db, id, user.id);
    if (!view) throw notFound();
    return { status: 200, body: view };
  },
});

const detail = userRoute({
  method: 'GET',
  url: '/api/bulk-operations/:id',
  summary: "A bulk operation again: each tenant you may see, with the accepted runs' live status and progress.",
  tag: 'bulk operations',
  params: idParams,
  responses: { 200: { description: 'The bulk operation', schema: bulkSchema } },
  async handler({ deps, user, params }) {
    const view = await presentBulk(deps.db, params.id, user.id);
    if (!view) throw notFound();
    return { status: 200, body: view };
  },
});

const list = workspacePathRoute({
  method: 'GET',
  url: '/api/workspaces/:ws/bulk-operations',
  summary: 'Recent bulk operations and schedule firings of the workspace, newest first.',
  tag: 'bulk operations',
  params: workspaceParams,
  capability: 'tenant.view',
  responses: { 200: { description: 'Bulk operations', schema: items(bulkSummarySchema) } },
  async handler({ deps, workspace }) {
    return { status: 200, body: { items: await recentBulks(deps.db, workspace.id) } };
  },
});

export const bulkRoutes: Route[] = [start, detail, list];
