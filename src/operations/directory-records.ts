// Groups and role definitions are mirrored the same way: upsert what Graph returned in one
// transaction and drop what it no longer returns.
import { sql } from 'kysely';
import type { JobContext } from './job-context.ts';

type GroupRow = { external_id: string; display_name: string; mail: string | null; security_enabled: boolean; data: string };
type RoleRow = { external_id: string; display_name: string; is_built_in: boolean; data: string };

export async function replaceDirectoryRecords(ctx: JobContext, table: 'entra_groups', rows: GroupRow[]): Promise<void>;
export async function replaceDirectoryRecords(ctx: JobContext, table: 'role_definitions', rows: RoleRow[]): Promise<void>;
export async function replaceDirectoryRecords(ctx: JobContext, table: 'entra_groups' | 'role_definitions', rows: (GroupRow | RoleRow)[]): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    if (rows.length) {
      const values = rows.map((r) => ({ ...r, tenant_id: ctx.tenant.id, last_run_id: ctx.run.id }));
      const updated = Object.keys(rows[0] as object).filter((k) => k !== 'external_id');
      // Both tables share (tenant_id, external_id) as key; the column set differs per table.
      await tx
        .insertInto(table)
        .values(values as never)
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'external_id']).doUpdateSet((eb) => ({
            ...Object.fromEntries(updated.map((k) => [k, eb.ref(`excluded.${k}` as never)])),
            last_run_id: eb.ref('excluded.last_run_id'),
            synced_at: sql<Date>`now()`,
          })),
        )
        .execute();
    }
    await tx
      .deleteFrom(table)
      .where('tenant_id', '=', ctx.tenant.id)
      .where((eb) => eb.or([eb('last_run_id', 'is', null), eb('last_run_id', '<>', ctx.run.id)]))
      .execute();
  });
}
