// Tenants the user may see, and their owner's changes to one (name, lifecycle status).
// Not a member reads exactly like not there (404).
import { z } from 'zod';
import { ROLE_CAPABILITIES } from '../../access/capabilities.ts';
import type { Db } from '../../db/connect.ts';
import type { Tenant } from '../../db/schema.ts';
import { tenantStatusNote } from '../../presenter/tenant-status.ts';
import { changeTenant, SETTABLE_STATUSES, TenantChangeRefused } from '../../tenants/lifecycle.ts';
import type { TenantAccess } from '../authorize.ts';
import { HttpError, notFound } from '../errors.ts';
import { byTenantRef } from '../locate.ts';
import { tenantRoute, userRoute, type Route } from '../route.ts';
import { listQuery, pageSchema, searchAny, type Sorts } from '../keyset.ts';
import { pagedList } from '../paged-list.ts';
import { errorSchema, isoDate, tenantParams, tenantSummarySchema } from '../schemas.ts';

export const tenantDetailSchema = tenantSummarySchema.extend({
  entraTenantId: z.string(),
  defaultProviderConnection: z.strictObject({ id: z.string(), name: z.string() }).nullable(),
  createdAt: isoDate,
  /** For a tenant that is not active: what that means for starts, and who can change it. */
  statusNote: z.strictObject({ message: z.string(), owners: z.array(z.string()) }).nullable(),
});

// Archived tenants are kept for their history (their runs stay in run lists) but leave the
// tenant list unless asked for, so the everyday list is the tenants being worked on.
// An MSP may hold thousands of tenants: the list searches (?q= on name and slug), sorts and
// pages by keyset (src/http/keyset.ts) like every long list: without ?limit, the first 100 and
// `next`: an MSP with 10,000 tenants must not get them all in one answer (docs/BENCHMARKS.md, "Data scale").
const TENANT_SORTS = {
  name: [
    { column: 't.name', dir: 'asc', kind: 'text' },
    { column: 't.id', dir: 'asc', kind: 'uuid' },
  ],
  '-name': [
    { column: 't.name', dir: 'desc', kind: 'text' },
    { column: 't.id', dir: 'desc', kind: 'uuid' },
  ],
  slug: [{ column: 't.slug', dir: 'asc', kind: 'text' }],
  '-slug': [{ column: 't.slug', dir: 'desc', kind: 'text' }],
} as const satisfies Sorts;
const tenantPaging = listQuery(TENANT_SORTS, 'name');
const tenantListQuery = z
  .object({
    include: z.enum(['archived'], { error: 'must be "archived" (the only extra set there is)' }).optional(),
    ...tenantPaging.fields,
  })
  .transform(tenantPaging.resolve);

const list = userRoute({
  method: 'GET',
  url: '/api/tenants',
  summary:
    'Tenants the user is a member of, with their role on each; archived ones only with ?include=archived. ?q= searches name and slug, ?sort= name (default), -name, slug, -slug; keyset-paged with ?limit (1–500, default 100) and ?cursor (the `next` of the previous page).',
  tag: 'tenants',
  query: tenantListQuery,
  responses: { 200: { description: 'Tenants', schema: pageSchema(tenantSummarySchema) } },
  async handler({ deps, user, query }) {
    let base = deps.db.selectFrom('tenant_memberships as m').innerJoin('tenants as t', 't.id', 'm.tenant_id').where('m.user_id', '=', user.id);
    if (query.include !== 'archived') base = base.where('t.status', '<>', 'archived');
    if (query.q) base = base.where(searchAny(['t.name', 't.slug'], query.q));
    const body = await pagedList({
      base,
      select: (b) => b.select(['t.id', 't.slug', 't.name', 't.status', 'm.role']),
      sorts: TENANT_SORTS,
      query,
      present: (r) => ({ id: r.id, slug: r.slug, name: r.name, status: r.status, role: r.role, capabilities: [...ROLE_CAPABILITIES[r.role]] }),
    });
    return { status: 200, body };
  },
});

const detail = tenantRoute({
  method: 'GET',
  url: '/api/tenants/:tenant',
  summary: 'One tenant, by id or slug.',
  tag: 'tenants',
  params: tenantParams,
  locate: byTenantRef,
  capability: 'tenant.view',
  responses: { 200: { description: 'The tenant', schema: tenantDetailSchema } },
  async handler({ deps, access }) {
    return { status: 200, body: await tenantView(deps.db, access.tenant, access) };
  },
});

const updateBody = z
  .strictObject({
    name: z.string().trim().min(1, { error: 'must not be empty' }).max(200, { error: 'is too long' }).optional(),
    status: z.enum(SETTABLE_STATUSES, { error: 'must be "active", "suspended" or "archived"' }).optional(),
  })
  .refine((b) => b.name !== undefined || b.status !== undefined, { error: 'name or status is required' });

const update = tenantRoute({
  method: 'PATCH',
  url: '/api/tenants/:tenant',
  summary:
    'Rename a tenant or change its status (owner only): active ⇄ suspended, active or suspended → archived, archived → active. An onboarding tenant changes status only through its onboarding session. Each change is audited.',
  tag: 'tenants',
  params: tenantParams,
  locate: byTenantRef,
  capability: 'tenant.manage',
  body: updateBody,
  responses: {
    200: { description: 'The tenant after the change (unchanged when nothing differed)', schema: tenantDetailSchema },
    409: { description: 'conflict: the status cannot follow the current one (the message names it)', schema: errorSchema },
  },
  async handler({ deps, access, user, body }) {
    let t: Tenant | null;
    try {
      t = await changeTenant(deps.db, access.tenant.id, user.id, body);
    } catch (err) {
      if (err instanceof TenantChangeRefused) throw new HttpError(409, 'conflict', `${err.field}: ${err.message}`);
      throw err;
    }
    if (!t) throw notFound();
    return { status: 200, body: await tenantView(deps.db, t, access) };
  },
});

async function tenantView(db: Db, t: Tenant, access: TenantAccess): Promise<z.output<typeof tenantDetailSchema>> {
  const def = await db
    .selectFrom('provider_connections')
    .select(['id', 'name'])
    .where('tenant_id', '=', t.id)
    .where('is_default', '=', true)
    .executeTakeFirst();
  return {
    id: t.id,
    slug: t.slug,
    name: t.name,
    status: t.status,
    role: access.role,
    capabilities: [...access.capabilities],
    entraTenantId: t.entra_tenant_id,
    defaultProviderConnection: def ?? null,
    createdAt: t.created_at.toISOString(),
    statusNote: t.status === 'active' ? null : tenantStatusNote(t.status, await ownersOf(db, t.id)),
  };
}

async function ownersOf(db: Db, tenantId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('tenant_memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('u.email')
    .where('m.tenant_id', '=', tenantId)
    .where('m.role', '=', 'owner')
    .orderBy('u.email')
    .execute();
  return rows.map((r) => r.email);
}

export const tenantRoutes: Route[] = [list, detail, update];
