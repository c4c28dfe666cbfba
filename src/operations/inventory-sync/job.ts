// Inventory: device configurations, settings-catalog configuration policies and compliance
// policies, every page of each. Items not seen in this sync are removed.
import { sql } from 'kysely';
import type { JobContext, JobResult } from '../job-context.ts';

const SOURCES = [
  { kind: 'deviceConfiguration', path: '/beta/deviceManagement/deviceConfigurations', count: 'deviceConfigurations' },
  { kind: 'configurationPolicy', path: '/beta/deviceManagement/configurationPolicies', count: 'configurationPolicies' },
  { kind: 'compliancePolicy', path: '/beta/deviceManagement/deviceCompliancePolicies', count: 'compliancePolicies' },
] as const;

type GraphItem = { id: string; displayName?: string; name?: string } & Record<string, unknown>;

export async function syncInventory(ctx: JobContext): Promise<JobResult> {
  const summaryCounts: Record<string, number> = {};
  let total = 0;
  for (const source of SOURCES) {
    const items = await ctx.provider.getAll<GraphItem>(source.path);
    await ctx.heartbeat();
    await ctx.db.transaction().execute(async (tx) => {
      if (items.length) {
        await tx
          .insertInto('inventory_items')
          .values(
            items.map((i) => ({
              tenant_id: ctx.tenant.id,
              kind: source.kind,
              external_id: i.id,
              display_name: String(i.displayName ?? i.name ?? i.id),
              data: JSON.stringify(i),
              provider_connection_id: ctx.connection.id,
              last_run_id: ctx.run.id,
            })),
          )
          .onConflict((oc) =>
            oc.columns(['tenant_id', 'kind', 'external_id']).doUpdateSet({
              display_name: (eb) => eb.ref('excluded.display_name'),
              data: (eb) => eb.ref('excluded.data'),
              provider_connection_id: (eb) => eb.ref('excluded.provider_connection_id'),
              last_run_id: (eb) => eb.ref('excluded.last_run_id'),
              synced_at: sql<Date>`now()`,
            }),
          )
          .execute();
      }
      await tx
        .deleteFrom('inventory_items')
        .where('tenant_id', '=', ctx.tenant.id)
        .where('kind', '=', source.kind)
        .where((eb) => eb.or([eb('last_run_id', 'is', null), eb('last_run_id', '<>', ctx.run.id)]))
        .execute();
    });
    summaryCounts[source.count] = items.length;
    total += items.length;
  }
  summaryCounts.itemsSynced = total;
  return { outcome: 'succeeded', summaryCounts };
}
