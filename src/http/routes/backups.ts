// A tenant's backup items, as "Capture backup" stored them: newest capture first, searched,
// sorted and keyset-paged like the other records (src/http/keyset.ts), because every capture
// appends one item per device configuration and a tenant collects thousands. Payloads stay in
// the database; the list carries what an operator needs to pick items for a restore run.
import { sql } from 'kysely';
import { z } from 'zod';
import { listQuery, pageSchema, searchAny, type SortKey } from '../keyset.ts';
import { pagedList } from '../paged-list.ts';
import { byTenantRef } from '../locate.ts';
import { tenantRoute, type Route } from '../route.ts';
import { isoDate, tenantParams } from '../schemas.ts';

const captured = (dir: 'asc' | 'desc'): SortKey => ({ column: 'captured_at', dir, kind: 'ts' });
const name = (dir: 'asc' | 'desc'): SortKey => ({ column: 'display_name', dir, kind: 'text' });
const id = (dir: 'asc' | 'desc'): SortKey => ({ column: 'id', dir, kind: 'uuid' });
const SORTS = {
  '-captured': [captured('desc'), name('asc'), id('asc')],
  captured: [captured('asc'), name('asc'), id('asc')],
  name: [name('asc'), captured('desc'), id('asc')],
  '-name': [name('desc'), captured('asc'), id('desc')],
} as const;
const itemsQuery = listQuery(SORTS, '-captured');

export const backupItemSchema = z.strictObject({
  id: z.string(),
  displayName: z.string(),
  resourceType: z.enum(['deviceConfiguration']),
  capturedAt: isoDate,
  /** The configuration's id in the tenant when it was captured. */
  sourceId: z.string(),
  assignmentCount: z.number(),
  /** The capture run that stored it; null for items older than captures and after retention. */
  runId: z.string().nullable(),
});

const list = tenantRoute({
  method: 'GET',
  url: '/api/tenants/:tenant/backup-items',
  summary:
    'Backup items "Capture backup" stored: ?q= searches the display name, ?sort= -captured (default: newest capture first), captured, name, -name; keyset-paged with ?limit and ?cursor (the `next` of the previous page; ?offset still works).',
  tag: 'backups',
  params: tenantParams,
  query: z.object(itemsQuery.fields).transform(itemsQuery.resolve),
  locate: byTenantRef,
  capability: 'tenant.view',
  responses: { 200: { description: 'Backup items', schema: pageSchema(backupItemSchema) } },
  async handler({ deps, access, query }) {
    let base = deps.db.selectFrom('backup_items').where('tenant_id', '=', access.tenant.id);
    if (query.q) base = base.where(searchAny(['display_name'], query.q));
    const body = await pagedList({
      base,
      select: (b) =>
        b
          .select(['id', 'display_name', 'resource_type', 'source_id', 'run_id', 'captured_at'])
          .select(sql<number>`jsonb_array_length(assignments)`.as('assignment_count')),
      sorts: SORTS,
      query,
      present: (r) => ({
        id: r.id,
        displayName: r.display_name,
        resourceType: r.resource_type,
        capturedAt: r.captured_at.toISOString(),
        sourceId: r.source_id,
        assignmentCount: r.assignment_count,
        runId: r.run_id,
      }),
    });
    return { status: 200, body };
  },
});

export const backupRoutes: Route[] = [list];
