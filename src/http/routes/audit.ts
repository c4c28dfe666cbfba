// GET /api/audit and /api/audit.csv: the audit log, newest first, with the same filters.
// Visibility is decided in src/audit/query.ts; here the order of checks is the usual one:
//   401 not signed in -> 400 bad query -> 404 tenant not there or not entitled -> 403 -> handler
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { roleHas } from '../../access/capabilities.ts';
import { auditCsv } from '../../audit/csv.ts';
import { auditPage, CURSOR_SHAPE, decodeCursor, holdsAuditView, type AuditFilter } from '../../audit/query.ts';
import { tenantAccess, tenantIdByRef } from '../authorize.ts';
import { forbidden, notFound, unauthenticated } from '../errors.ts';
import { currentUser, type Answer, type Deps, type ResponseDoc, type Route } from '../route.ts';
import { queryInt, tenantRef } from '../schemas.ts';
import { parsePart } from '../validate.ts';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;
const instant = z
  .string()
  .refine((v) => (ISO_DATE.test(v) || ISO_DATE_TIME.test(v)) && !Number.isNaN(Date.parse(v)), {
    error: 'must be an ISO 8601 date (2026-01-31) or date-time with an offset (2026-01-31T08:00:00Z)',
  })
  .transform((v) => new Date(v));

const auditQuery = z
  .object({
    tenant: tenantRef().optional(),
    actor: z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(320, { error: 'is too long' })
      .regex(/^[^\x00-\x1f\x7f]+$/, { error: 'must not contain control characters' })
      .optional(),
    action: z
      .string()
      .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?$/, { error: 'must be an action such as operation.start, or a prefix such as provider_connection.*' })
      .max(100, { error: 'is too long' })
      .optional(),
    since: instant.optional(),
    until: instant.optional(),
    before: z.string().regex(CURSOR_SHAPE, { error: 'must be the `next` value of a previous page' }).optional(),
    limit: queryInt(1, 500, 50),
  })
  .refine((q) => !q.since || !q.until || q.since < q.until, { path: ['until'], error: 'must be after since' });
type AuditQuery = z.output<typeof auditQuery>;

export const auditItemSchema = z.strictObject({
  id: z.string(),
  at: z.iso.datetime({ offset: true }),
  actor: z.strictObject({ email: z.string() }).nullable(),
  action: z.string(),
  tenant: z.strictObject({ slug: z.string() }).nullable(),
  outcome: z.string().nullable(),
  operationType: z.string().nullable(),
  run: z.strictObject({ id: z.string(), url: z.string() }).nullable(),
  reason: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  details: z.record(z.string(), z.unknown()),
});
export const auditPageSchema = z.strictObject({ items: z.array(auditItemSchema), next: z.string().nullable() });

/** The filter the user may run: a named tenant must be theirs and grant audit.view. */
async function authorize(deps: Deps, req: FastifyRequest): Promise<{ userId: string; query: AuditQuery; filter: AuditFilter }> {
  const user = await currentUser(deps, req);
  if (!user) throw unauthenticated();
  const query = parsePart(auditQuery, 'query', req.query);
  const filter: AuditFilter = {
    actor: query.actor,
    action: query.action,
    since: query.since,
    until: query.until,
    before: query.before ? decodeCursor(query.before) : undefined,
  };
  if (query.tenant) {
    const id = await tenantIdByRef(deps.db, query.tenant);
    const access = id ? await tenantAccess(deps.db, user.id, id) : null;
    if (!access) throw notFound();
    if (!roleHas(access.role, 'audit.view')) throw forbidden('audit.view');
    filter.tenantId = access.tenant.id;
  } else if (!(await holdsAuditView(deps.db, user.id))) {
    throw forbidden('audit.view', 'workspace');
  }
  return { userId: user.id, query, filter };
}

function auditRoute(d: {
  url: string;
  summary: string;
  responses: Record<number, ResponseDoc>;
  run(deps: Deps, req: FastifyRequest, reply: FastifyReply): Promise<Answer>;
}): Route {
  return {
    method: 'GET',
    url: d.url,
    summary: d.summary,
    tag: 'audit',
    // For the matrix and the docs: the demo's personas hold the same role on the workspace and
    // on its tenants, so "audit.view on the workspace" predicts every answer.
    access: { kind: 'workspace', capability: 'audit.view' },
    query: auditQuery,
    responses: d.responses,
    run: d.run,
  };
}

const list = auditRoute({
  url: '/api/audit',
  summary:
    'The audit log, newest first: tenant (id or slug), actor (email or user id), action (exact, or a prefix such as provider_connection.*), since (inclusive), until (exclusive), limit 1-500 (default 50); before = `next` of the previous page. Rows of tenants where you hold audit.view, and rows about no tenant of workspaces where your workspace role does.',
  responses: { 200: { description: 'A page of audit rows', schema: auditPageSchema } },
  async run(deps, req) {
    const { userId, query, filter } = await authorize(deps, req);
    return { status: 200, body: await auditPage(deps.db, userId, filter, query.limit) };
  },
});

const csv = auditRoute({
  url: '/api/audit.csv',
  summary:
    'The same rows as GET /api/audit, as CSV (RFC 4180, header row first), streamed: every matching row from `before` on, or at most `limit` rows when given.',
  responses: { 200: { description: 'text/csv' } },
  async run(deps, req, reply) {
    const { userId, query, filter } = await authorize(deps, req);
    // The export is the whole history unless a limit is asked for (the list's default of 50 is not one).
    const max = (req.query as Record<string, unknown>).limit !== undefined ? query.limit : undefined;
    const stamp = new Date().toISOString().slice(0, 10);
    reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="opsgate-audit-${stamp}.csv"`);
    return { status: 200, body: await auditCsv(deps.db, userId, filter, max) };
  },
});

export const auditRoutes: Route[] = [list, csv];
