// Writes a restore run's backup items back to the tenant: update the configuration when it
// still exists (or the one an earlier execution of the run created), create it otherwise, then
// restore its assignments. Each item's result is
// recorded, so a partial restore says exactly which items failed. The restore run's status is
// not written here: it is derived from this run (view restore_runs_with_status), so it follows
// the run in every ending, including a crash or a cancel this job never sees.
import { isProviderError } from '../../provider/types.ts';
import type { JobContext, JobResult } from '../job-context.ts';

const CONFIGS = '/beta/deviceManagement/deviceConfigurations';
// Read-only properties Graph refuses on create/update.
const SERVER_OWNED = ['id', 'createdDateTime', 'lastModifiedDateTime', 'version'];
// An assignment's id is its configuration's (Graph writes `{configurationId}_{target}`) and
// source, sourceId and intent are read-only: a captured assignment posted back with them names
// the old configuration, which a re-created one is not. /assign replaces the whole set, so only
// the targets are sent and Graph numbers them.
const ASSIGNMENT_SERVER_OWNED = ['id', 'source', 'sourceId', 'intent'];

export async function executeRestore(ctx: JobContext): Promise<JobResult> {
  const restoreRunId = String((ctx.run.context as { restoreRunId?: string }).restoreRunId ?? '');
  const items = await ctx.db
    .selectFrom('restore_run_items as i')
    .innerJoin('backup_items as b', 'b.id', 'i.backup_item_id')
    .innerJoin('restore_runs as r', 'r.id', 'i.restore_run_id')
    .where('i.restore_run_id', '=', restoreRunId)
    .where('r.tenant_id', '=', ctx.tenant.id)
    .select(['b.id', 'b.source_id', 'b.display_name', 'b.payload', 'b.assignments', 'i.target_id'])
    .orderBy('i.position')
    .execute();

  const existing = new Set((await ctx.provider.getAll<{ id: string }>(`${CONFIGS}?$select=id`)).map((c) => c.id));
  const counts = { itemsCreated: 0, itemsUpdated: 0, itemsFailed: 0, assignmentsRestored: 0 };
  let firstFailure: { code: string; params: Record<string, string | number | string[]> } | null = null;

  for (const item of items) {
    const body = withoutKeys(item.payload, SERVER_OWNED);
    try {
      let targetId: string;
      let result: 'created' | 'updated';
      if (existing.has(item.source_id)) {
        await ctx.provider.patch(`${CONFIGS}/${encodeURIComponent(item.source_id)}`, body);
        targetId = item.source_id;
        result = 'updated';
      } else if (item.target_id !== null && existing.has(item.target_id)) {
        // Created by an earlier execution of this restore run (finished, or stopped by a cancel
        // or a failed assignment after the create): updated, never created a second time.
        await ctx.provider.patch(`${CONFIGS}/${encodeURIComponent(item.target_id)}`, body);
        targetId = item.target_id;
        result = 'updated';
      } else {
        const created = await ctx.provider.post<{ id: string }>(CONFIGS, body);
        targetId = created.id;
        result = 'created';
        // Recorded before the next Graph call, which is a cancel checkpoint and may fail: the
        // configuration exists in the tenant from now on, whatever happens to its assignments.
        await ctx.db
          .updateTable('restore_run_items')
          .set({ target_id: targetId })
          .where('restore_run_id', '=', restoreRunId)
          .where('backup_item_id', '=', item.id)
          .execute();
      }
      const assignments = item.assignments.map((a) => withoutKeys(a, ASSIGNMENT_SERVER_OWNED));
      if (assignments.length) {
        await ctx.provider.post(`${CONFIGS}/${encodeURIComponent(targetId)}/assign`, { assignments }, { idempotent: true });
        counts.assignmentsRestored += assignments.length;
      }
      counts[result === 'created' ? 'itemsCreated' : 'itemsUpdated'] += 1;
      await ctx.db
        .updateTable('restore_run_items')
        .set({ result, target_id: targetId })
        .where('restore_run_id', '=', restoreRunId)
        .where('backup_item_id', '=', item.id)
        .execute();
    } catch (err) {
      if (!isProviderError(err)) throw err;
      // Credentials and consent fail every item alike: stop and report the one cause.
      if (
        ['provider_consent_missing', 'provider_credentials_expired', 'provider_credentials_invalid', 'provider_connection_unusable'].includes(err.failure.code)
      ) {
        throw err;
      }
      counts.itemsFailed += 1;
      firstFailure ??= { code: err.failure.code, params: err.failure.params };
      await ctx.db
        .updateTable('restore_run_items')
        .set({ result: 'failed' })
        .where('restore_run_id', '=', restoreRunId)
        .where('backup_item_id', '=', item.id)
        .execute();
    }
    await ctx.heartbeat();
  }

  const written = counts.itemsCreated + counts.itemsUpdated;
  if (!firstFailure) return { outcome: 'succeeded', summaryCounts: counts };
  return written > 0
    ? { outcome: 'partially_succeeded', summaryCounts: counts, reason: firstFailure }
    : { outcome: 'failed', summaryCounts: counts, reason: firstFailure };
}

function withoutKeys(value: unknown, keys: string[]): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k))) : {};
}
