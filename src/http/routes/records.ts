// Runtime records the jobs wrote (groups, role definitions, inventory), read-only and paged,
// for the console's tenant pages. The provider's raw payloads stay in the database.
import { z } from 'zod';
import { byTenantRef } from '../locate.ts';
import { tenantRoute, type Route } from '../route.ts';
import { isoDate, page, pageQuery, tenantParams } from '../schemas.ts';

const groupSchema = z.strictObject({
  externalId: z.string(),
  displayName: z.string(),
  mail: z.string().nullable(),
  securityEnabled: z.boolean(),
  lastRunId: z.string().nullable(),
  syncedAt: isoDate,
});

const roleDefinitionSchema = z.strictObject({
  externalId: z.string(),
  displayName: z.string(),
  isBuiltIn: z.boolean(),
  lastRunId: z.string().nullable(),
  syncedAt: isoDate,
});

const INVENTORY_KINDS = ['deviceConfiguration', 'configurationPolicy', 'compliancePolicy'] as const;
const inventorySchema = z.strictObject({
  kind: z.enum(INVENTORY_KINDS),
  externalId: z.string(),
  displayName: z.string(),
  providerConnectionId: z.string().nullable(),
  lastRunId: z.string().nullable(),
  syncedAt: isoDate,
});


const groups = tenantRoute({
  method: 'GET',
  url: '/api/tenants/:tenant/groups',
  summary: 'Entra groups from the last "Sync groups", by display name, paged (?limit, ?offset).',
  tag: 'records',
  params: tenantParams,
  query: pageQuery,
  locate: byTenantRef,
  capability: 'tenant.view',
  responses: { 200: { description: 'Groups', schema: page(groupSchema) } },
  async handler({ deps, access, query }) {
    const base = deps.db.selectFrom('entra_groups').where('tenant_id', '=', access.tenant.id);
    const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await base
      .select(['external_id', 'display_name', 'mail', 'security_enabled', 'last_run_id', 'synced_at'])
      .orderBy('display_name')
      .orderBy('external_id')
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    return {
      status: 200,
      body: {
        items: rows.map((r) => ({
          externalId: r.external_id,
          displayName: r.display_name,
          mail: r.mail,
          securityEnabled: r.security_enabled,
          lastRunId: r.last_run_id,
          syncedAt: r.synced_at.toISOString(),
        })),
        total: Number(n),
        limit: query.limit,
        offset: query.offset,
      },
    };
  },
});

const roleDefinitions = tenantRoute({
  method: 'GET',
  url: '/api/tenants/:tenant/role-definitions',
  summary: 'Directory role definitions from the last "Sync role definitions", paged.',
  tag: 'records',
  params: tenantParams,
  query: pageQuery,
  locate: byTenantRef,
  capability: 'tenant.view',
  responses: { 200: { description: 'Role definitions', schema: page(roleDefinitionSchema) } },
  async handler({ deps, access, query }) {
    const base = deps.db.selectFrom('role_definitions').where('tenant_id', '=', access.tenant.id);
    const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await base
      .select(['external_id', 'display_name', 'is_built_in', 'last_run_id', 'synced_at'])
      .orderBy('display_name')
      .orderBy('external_id')
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    return {
      status: 200,
      body: {
        items: rows.map((r) => ({
          externalId: r.external_id,
          displayName: r.display_name,
          isBuiltIn: r.is_built_in,
          lastRunId: r.last_run_id,
          syncedAt: r.synced_at.toISOString(),
        })),
        total: Number(n),
        limit: query.limit,
        offset: query.offset,
      },
    };
  },
});

const inventory = tenantRoute({
  method: 'GET',
  url: '/api/tenants/:tenant/inventory',
  summary: 'Intune inventory from the last "Sync inventory" (?kind= to filter), paged.',
  tag: 'records',
  params: tenantParams,
  query: pageQuery.extend({ kind: z.enum(INVENTORY_KINDS).optional() }),
  locate: byTenantRef,
  capability: 'tenant.view',
  responses: { 200: { description: 'Inventory items', schema: page(inventorySchema) } },
  async handler({ deps, access, query }) {
    let base = deps.db.selectFrom('inventory_items').where('tenant_id', '=', access.tenant.id);
    if (query.kind) base = base.where('kind', '=', query.kind);
    const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await base
      .select(['kind', 'external_id', 'display_name', 'provider_connection_id', 'last_run_id', 'synced_at'])
      .orderBy('kind').orderBy('display_name').orderBy('external_id').limit(query.limit).offset(query.offset).execute();
    return {
      status: 200,
      body: {
        items: rows.map((r) => ({
          kind: r.kind,
          externalId: r.external_id,
          displayName: r.display_name,
          providerConnectionId: r.provider_connection_id,
          lastRunId: r.last_run_id,
          syncedAt: r.synced_at.toISOString(),
        })),
        total: Number(n),
        limit: query.limit,
        offset: query.offset,
      },
    };
  },
});

export const recordRoutes: Route[] = [groups, roleDefinitions, inventory];
