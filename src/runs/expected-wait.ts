// How long the run holding a scope will probably still take: the median duration of the
// last successful runs of its type on the same connection, minus what it has run already.
// Only asked for scope-busy answers, so it costs nothing on the accepted path.
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';

export async function expectedWaitSeconds(db: Db, holdingRunId: string): Promise<number | null> {
  const { rows } = await sql<{ median: number | null; elapsed: number | null }>`
    with holder as (
      select type, provider_connection_id, coalesce(started_at, created_at) as since
        from operation_runs where id = ${holdingRunId} and status in ('queued', 'running')
    ), recent as (
      select extract(epoch from r.completed_at - r.started_at) as seconds
        from operation_runs r, holder h
       where r.type = h.type and r.provider_connection_id = h.provider_connection_id
         and r.outcome in ('succeeded', 'partially_succeeded') and r.started_at is not null
       order by r.completed_at desc limit 20
    )
    select (select percentile_cont(0.5) within group (order by seconds) from recent)::float8 as median,
           (select extract(epoch from now() - since) from holder)::float8 as elapsed`.execute(db);
  const r = rows[0];
  if (!r || r.median === null || r.elapsed === null) return null;
  return Math.max(1, Math.round(r.median - r.elapsed));
}
