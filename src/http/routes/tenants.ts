// Tenants the user may see. Not a member reads exactly like not there (404).
import { z } from 'zod';
import { ROLE_CAPABILITIES } from '../../access/capabilities.ts';
import type { Db } from '../../db/connect.ts';
import { tenantStatusNote } from '../../presenter/tenant-status.ts';
import { byTenantRef } from '../locate.ts';
import { tenantRoute, userRoute, type Route } from '../route.ts';
import { isoDate, items, tenantParams, tenantSummarySchema } from '../schemas.ts';

export const tenantDetailSchema = tenantSummarySchema.extend({
  entraTenantId: z.string(),
  defaultProviderConnection: z.strictObject({ id: z.string(), name: z.string() }).nullable(),
  createdAt: isoDate,
  /** For a tenant that is not active: what that means for starts, and who can change it. */
  statusNote: z.strictObject({ message: z.string(), owners: z.array(z.string()) }).nullable(),
});

const list = userRoute({
  method: 'GET',
  url: '/api/tenants',
  summary: 'Tenants the user is a member of, with their role on each.',
  tag: 'tenants',
  responses: { 200: { description: 'Tenants', schema: items(tenantSummarySchema) } },
  async handler({ deps, user }) {
    const rows = await deps.db
      .selectFrom('tenant_memberships as m')
      .innerJoin('tenants as t', 't.id', 'm.tenant_id')
      .select(['t.id', 't.slug', 't.name', 't.status', 'm.role'])
      .where('m.user_id', '=', user.id)
      .orderBy('t.name')
      .execute();
    return { status: 200, body: { items: rows.map((r) => ({ ...r, capabilities: [...ROLE_CAPABILITIES[r.role]] })) } };
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
    const t = access.tenant;
    const def = await deps.db
      .selectFrom('provider_connections')
      .select(['id', 'name'])
      .where('tenant_id', '=', t.id)
      .where('is_default', '=', true)
      .executeTakeFirst();
    return {
      status: 200,
      body: {
        id: t.id,
        slug: t.slug,
        name: t.name,
        status: t.status,
        role: access.role,
        capabilities: [...access.capabilities],
        entraTenantId: t.entra_tenant_id,
        defaultProviderConnection: def ?? null,
        createdAt: t.created_at.toISOString(),
        statusNote: t.status === 'active' ? null : tenantStatusNote(t.status, await ownersOf(deps.db, t.id)),
      },
    };
  },
});

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

export const tenantRoutes: Route[] = [list, detail];
