import { replaceDirectoryRecords } from '../directory-records.ts';
import type { JobContext, JobResult } from '../job-context.ts';

type RoleDefinition = { id: string; displayName?: string; isBuiltIn?: boolean };

export async function syncRoleDefinitions(ctx: JobContext): Promise<JobResult> {
  const roles = await ctx.provider.getAll<RoleDefinition>('/v1.0/roleManagement/directory/roleDefinitions');
  await ctx.heartbeat();
  await replaceDirectoryRecords(
    ctx,
    'role_definitions',
    roles.map((r) => ({
      external_id: r.id,
      display_name: r.displayName ?? r.id,
      is_built_in: r.isBuiltIn !== false,
      data: JSON.stringify(r),
    })),
  );
  return {
    outcome: 'succeeded',
    summaryCounts: { roleDefinitionsSynced: roles.length, customRoles: roles.filter((r) => r.isBuiltIn === false).length },
  };
}
