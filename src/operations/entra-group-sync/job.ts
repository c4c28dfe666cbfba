import { replaceDirectoryRecords } from '../directory-records.ts';
import type { JobContext, JobResult } from '../job-context.ts';

type Group = { id: string; displayName?: string; mail?: string | null; securityEnabled?: boolean };

export async function syncGroups(ctx: JobContext): Promise<JobResult> {
  const groups = await ctx.provider.getAll<Group>('/v1.0/groups?$select=id,displayName,mail,securityEnabled,groupTypes');
  await ctx.heartbeat();
  await replaceDirectoryRecords(
    ctx,
    'entra_groups',
    groups.map((g) => ({
      external_id: g.id,
      display_name: g.displayName ?? g.id,
      mail: g.mail ?? null,
      security_enabled: g.securityEnabled === true,
      data: JSON.stringify(g),
    })),
  );
  return {
    outcome: 'succeeded',
    summaryCounts: { groupsSynced: groups.length, securityGroups: groups.filter((g) => g.securityEnabled).length },
  };
}
