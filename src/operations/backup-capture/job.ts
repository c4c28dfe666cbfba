// Capture backup: every device configuration of the tenant with its assignments, stored as
// backup items that a restore run can later write back.
//
// A backup is a point in time, so each capture appends a new set and never replaces an
// earlier one: a restore run prepared from last week's capture keeps pointing at last week's
// payloads. All items of one capture share its captured_at and run id. The set is written in
// one transaction after the last page, so a capture that fails or stops part-way leaves no
// half backup behind.
import type { BackupItemsTable } from '../../db/schema.ts';
import { ProviderError } from '../../provider/types.ts';
import type { JobContext, JobResult } from '../job-context.ts';
import type { Insertable } from 'kysely';

// $expand on the collection returns each page's assignments inline, as Graph does for
// deviceConfigurations: one read per page instead of one more per configuration.
const LIST = '/beta/deviceManagement/deviceConfigurations?$expand=assignments';
// The same guard as the client's getAll: a server that pages forever fails the capture.
const MAX_PAGES = 10_000;
// Rows per INSERT, well under PostgreSQL's limit of bind parameters per statement.
const INSERT_CHUNK = 500;

type Config = { id: string; displayName?: unknown; assignments?: unknown } & Record<string, unknown>;
type GraphPage = { value?: unknown; '@odata.nextLink'?: unknown };

const malformed = () => new ProviderError({ code: 'provider_unavailable', params: { reason: 'malformed_response' } });

export async function captureBackup(ctx: JobContext): Promise<JobResult> {
  const configs = await readEveryPage(ctx);
  let assignmentsCaptured = 0;
  const rows: Insertable<BackupItemsTable>[] = configs.map((c) => {
    const assignments = Array.isArray(c.assignments) ? (c.assignments as unknown[]) : [];
    assignmentsCaptured += assignments.length;
    return {
      tenant_id: ctx.tenant.id,
      resource_type: 'deviceConfiguration',
      source_id: c.id,
      display_name: typeof c.displayName === 'string' && c.displayName !== '' ? c.displayName : c.id,
      payload: JSON.stringify(withoutAssignments(c)),
      assignments: JSON.stringify(assignments),
      run_id: ctx.run.id,
    };
  });
  if (rows.length) {
    await ctx.db.transaction().execute(async (tx) => {
      // captured_at defaults to now(), the transaction's start: one timestamp for the whole set.
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await tx
          .insertInto('backup_items')
          .values(rows.slice(i, i + INSERT_CHUNK))
          .execute();
      }
    });
  }
  return { outcome: 'succeeded', summaryCounts: { itemsCaptured: rows.length, assignmentsCaptured } };
}

/** Follows @odata.nextLink page by page (not getAll), so the lease is extended between pages. */
async function readEveryPage(ctx: JobContext): Promise<Config[]> {
  const items: Config[] = [];
  const seen = new Set<string>();
  let next: string | undefined = LIST;
  while (next !== undefined) {
    if (seen.size >= MAX_PAGES || seen.has(next)) {
      throw new ProviderError({ code: 'provider_unavailable', params: { reason: 'paging_did_not_terminate' } });
    }
    seen.add(next);
    // get() accepts the absolute nextLink and refuses one pointing off the Graph origin.
    const page: GraphPage | undefined = await ctx.provider.get<GraphPage | undefined>(next);
    const value = page?.value;
    if (!Array.isArray(value)) throw malformed();
    for (const item of value as unknown[]) {
      if (typeof item !== 'object' || item === null || typeof (item as Config).id !== 'string') throw malformed();
      items.push(item as Config);
    }
    const link: unknown = page?.['@odata.nextLink'];
    next = typeof link === 'string' && link !== '' ? link : undefined;
    await ctx.heartbeat();
  }
  return items;
}

/** The configuration as restore will write it back; its assignments are kept beside it. */
function withoutAssignments(c: Config): Record<string, unknown> {
  return Object.fromEntries(Object.entries(c).filter(([k]) => k !== 'assignments' && !k.startsWith('assignments@')));
}
