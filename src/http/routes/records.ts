// Runtime records the jobs wrote (groups, role definitions, inventory), read-only, searched,
// sorted and keyset-paged (src/http/keyset.ts) for the console's tenant pages: a real tenant
// has thousands of devices and groups. The provider's raw payloads stay in the database.
import { z } from 'zod';
import { listQuery, pageSchema, searchAny, type SortKey } from '../keyset.ts';
import { pagedList } from '../paged-list.ts';
import { byTenantRef } from '../locate.ts';
import { tenantRoute, type Route } from '../route.ts';
import { isoDate, tenantParams } from '../schemas.ts';

const key = (column: string, dir: 'asc' | 'desc' = 'asc', kind: SortKey['kind'] = 'text'): SortKey => ({ column, dir, kind });

/** Groups and role definitions: unique by external id within the tenant. */
const DIRECTORY_SORTS = {
  name: [key('display_name'), key('external_id')],
  '-name': [key('display_name', 'desc'), key('external_id', 'desc')],
  synced: [key('synced_at', 'asc', 'ts'), key('external_id')],
  '-synced': [key('synced_at', 'desc', 'ts'), key('external_id', 'desc')],
} as const;
const directoryQuery = listQuery(DIRECTORY_SORTS, 'name');

/** Inventory: unique by kind + external id within the tenant. */
const INVENTORY_SORTS = {
  kind: [key('kind'), key('display_name'), key('external_id')],
  name: [key('display_name'), key('kind'), key('external_id')],
  '-name': [key('display_name', 'desc'), key('kind', 'desc'), key('external_id', 'desc')],
  synced: [key('synced_at', 'asc', 'ts'), key('kind'), key('external_id')],
  '-synced': [key('synced_at', 'desc', 'ts'), key('kind', 'desc'), key('external_id', 'desc')],
} as const;
const inventoryQuery = listQuery(INVENTORY_SORTS, 'kind');

export const groupSchema = z.strictObject({
  externalId: z.string(),
  displayName: z.string(),
  mail: z.string().nullable(),
  securityEnabled: z.boolean(),
  lastRunId: z.string().nullable(),
  syncedAt: isoDate,
});

export const roleDefinitionSchema = z.strictObject({
  externalId: z.string(),
  displayName: z.string(),
  isBuiltIn: z.boolean(),
  lastRunId: z.string().nullable(),
  syncedAt: isoDate,
});

const INVENTORY_KINDS = ['deviceConfiguration', 'configurationPolicy', 'compliancePolicy'] as const;
export const inventorySchema = z.strictObject({
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
  summary:
    'Entra groups from the last "Sync groups": ?q= searches display name and mail, ?sort= name (default), -name, synced, -synced; keyset-paged with ?limit and ?cursor (the `next` of the previous page; ?offset still works).',
  tag: 'records',
  params: tenantParams,
  query: z.object(directoryQuery.fields).transform(directoryQuery.resolve),
  locate: byTenantRef,
  capability: 'tenant.view',
  responses: { 200: { description: 'Groups', schema: pageSchema(groupSchema) } },
  async handler({ deps, access, query }) {
    let base = deps.db.selectFrom('entra_groups').where('tenant_id', '=', access.tenant.id);
    if (query.q) base = base.where(searchAny(['display_name', 'mail'], query.q));
    const body = await pagedList({
      base,
      select: (b) => b.select(['external_id', 'display_name', 'mail', 'security_enabled', 'last_run_id', 'synced_at']),
      sorts: DIRECTORY_SORTS,
      query,
      present: (r) => ({
        externalId: r.external_id,
        displayName: r.display_name,
        mail: r.mail,
        securityEnabled: r.security_enabled,
        lastRunId: r.last_run_id,
        syncedAt: r.synced_at.toISOString(),
      }),
    });
    return { status: 200, body };
  },
});

const roleDefinitions = tenantRoute({
  method: 'GET',
  url: '/api/tenants/:tenant/role-definitions',
  summary:
    'Directory role definitions from the last "Sync role definitions": ?q= searches the display name, ?sort= name (default), -name, synced, -synced; keyset-paged with ?limit and ?cursor.',
  tag: 'records',
  params: tenantParams,
  query: z.object(directoryQuery.fields).transform(directoryQuery.resolve),
  locate: byTenantRef,
  capability: 'tenant.view',
  responses: { 200: { description: 'Role definitions', schema: pageSchema(roleDefinitionSchema) } },
  async handler({ deps, access, query }) {
    let base = deps.db.selectFrom('role_definitions').where('tenant_id', '=', access.tenant.id);
    if (query.q) base = base.where(searchAny(['display_name'], query.q));
    const body = await pagedList({
      base,
      select: (b) => b.select(['external_id', 'display_name', 'is_built_in', 'last_run_id', 'synced_at']),
      sorts: DIRECTORY_SORTS,
      query,
      present: (r) => ({
        externalId: r.external_id,
        displayName: r.display_name,
        isBuiltIn: r.is_built_in,
        lastRunId: r.last_run_id,
        syncedAt: r.synced_at.toISOString(),
      }),
    });
    return { status: 200, body };
  },
});

const inventory = tenantRoute({
  method: 'GET',
  url: '/api/tenants/:tenant/inventory',
  summary:
    'Intune inventory from the last "Sync inventory": ?kind= filters, ?q= searches the display name, ?sort= kind (default), name, -name, synced, -synced; keyset-paged with ?limit and ?cursor.',
  tag: 'records',
  params: tenantParams,
  query: z.object({ ...inventoryQuery.fields, kind: z.enum(INVENTORY_KINDS).optional() }).transform(inventoryQuery.resolve),
  locate: byTenantRef,
  capability: 'tenant.view',
  responses: { 200: { description: 'Inventory items', schema: pageSchema(inventorySchema) } },
  async handler({ deps, access, query }) {
    let base = deps.db.selectFrom('inventory_items').where('tenant_id', '=', access.tenant.id);
    if (query.kind) base = base.where('kind', '=', query.kind);
    if (query.q) base = base.where(searchAny(['display_name'], query.q));
    const body = await pagedList({
      base,
      select: (b) => b.select(['kind', 'external_id', 'display_name', 'provider_connection_id', 'last_run_id', 'synced_at']),
      sorts: INVENTORY_SORTS,
      query,
      present: (r) => ({
        kind: r.kind,
        externalId: r.external_id,
        displayName: r.display_name,
        providerConnectionId: r.provider_connection_id,
        lastRunId: r.last_run_id,
        syncedAt: r.synced_at.toISOString(),
      }),
    });
    return { status: 200, body };
  },
});

export const recordRoutes: Route[] = [groups, roleDefinitions, inventory];
