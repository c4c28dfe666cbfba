// A tenant's backup items, as "Capture backup" stored them: newest capture first, paged like
// the other records (?limit, ?offset), because every capture appends one item per device
// configuration and a tenant collects thousands. Payloads stay in the database; the list
// carries what an operator needs to pick items for a restore run.
import { sql } from 'kysely';
import { z } from 'zod';
import { byTenantRef } from '../locate.ts';
import { tenantRoute, type Route } from '../route.ts';
import { isoDate, page, pageQuery, tenantParams } from '../schemas.ts';

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
  summary: 'Backup items "Capture backup" stored, newest capture first, paged (?limit, ?offset).',
  tag: 'backups',
  params: tenantParams,
  query: pageQuery,
  locate: byTenantRef,
  capability: 'tenant.view',
  responses: { 200: { description: 'Backup items', schema: page(backupItemSchema) } },
  async handler({ deps, access, query }) {
    const base = deps.db.selectFrom('backup_items').where('tenant_id', '=', access.tenant.id);
    const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await base
      .select(['id', 'display_name', 'resource_type', 'source_id', 'run_id', 'captured_at'])
      .select(sql<number>`jsonb_array_length(assignments)`.as('assignment_count'))
      .orderBy('captured_at', 'desc')
      .orderBy('display_name')
      .orderBy('id')
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    return {
      status: 200,
      body: {
        items: rows.map((r) => ({
          id: r.id,
          displayName: r.display_name,
          resourceType: r.resource_type,
          capturedAt: r.captured_at.toISOString(),
          sourceId: r.source_id,
          assignmentCount: r.assignment_count,
          runId: r.run_id,
        })),
        total: Number(n),
        limit: query.limit,
        offset: query.offset,
      },
    };
  },
});

export const backupRoutes: Route[] = [list];
