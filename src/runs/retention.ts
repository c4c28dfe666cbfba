// Retention (OPSGATE_RETENTION_DAYS): completed runs older than that are deleted, in small
// batches so no statement holds locks for long or competes with starts. Once a day per
// database, whatever the number of workers: the worker whose conditional update moves
// opsgate_maintenance.last_started_at does it (migration 0009).
//
// What goes with a run: its notifications (foreign key, on delete cascade); records that name
// the run as their last sync or capture keep their data and forget the run (on delete set null).
// What stays: audit rows (no foreign key; the audit API shows `run: null` once the run is
// gone), runs a restore run still points to (its status is derived from its last run, migration
// 0005), and runs an onboarding session records (its history stays whole).
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';

export interface PruneOptions {
  retentionDays: number;
  /** Runs per statement. */
  batchSize?: number;
  /** Pause between batches, so other work gets the tables in between. */
  pauseMs?: number;
  signal?: AbortSignal;
}

export interface PruneResult {
  deleted: number;
  batches: number;
  /** Set when a batch was refused (a table added later references runs without on delete). */
  stoppedBy?: string;
}

const BATCH = 500;
const PAUSE_MS = 100;

/** Deletes one batch; the number deleted. */
async function pruneBatch(db: Db, days: number, batch: number): Promise<number> {
  const { numAffectedRows } = await sql`
    with protected as materialized (
      select last_run_id as id from restore_runs_with_status where last_run_id is not null
      union all select verification_run_id from onboarding_sessions where verification_run_id is not null
      union all select run_id from onboarding_selections where run_id is not null
    ), victims as (
      select r.id from operation_runs r
       where r.status = 'completed'
         and r.created_at < now() - make_interval(days => ${days})
         and r.completed_at < now() - make_interval(days => ${days})
         and r.id not in (select id from protected)
       order by r.created_at
       limit ${batch}
       for update skip locked
    )
    delete from operation_runs r using victims v where r.id = v.id`.execute(db);
  return Number(numAffectedRows ?? 0);
}

export async function pruneOldRuns(db: Db, o: PruneOptions): Promise<PruneResult> {
  const batch = o.batchSize ?? BATCH;
  const result: PruneResult = { deleted: 0, batches: 0 };
  while (!o.signal?.aborted) {
    let n: number;
    try {
      n = await pruneBatch(db, o.retentionDays, batch);
    } catch (err) {
      const e = err as { code?: string; constraint?: string };
      // A reference retention does not know: stop for today rather than retry it in a loop.
      if (e.code === '23503') return { ...result, stoppedBy: e.constraint ?? 'foreign key' };
      throw err;
    }
    result.deleted += n;
    result.batches += 1;
    if (n < batch) break;
    await new Promise((r) => setTimeout(r, o.pauseMs ?? PAUSE_MS));
  }
  return result;
}

/** Claims today's prune for this process; false when another process (or this one) had it within a day. */
export async function claimDailyPrune(db: Db): Promise<boolean> {
  const { rows } = await sql`
    update opsgate_maintenance set last_started_at = now()
     where task = 'retention' and (last_started_at is null or last_started_at <= now() - interval '1 day')
    returning task`.execute(db);
  return rows.length === 1;
}

/** The daily chore: prunes when this process wins today's claim; null when it did not. */
export async function pruneDaily(db: Db, o: PruneOptions): Promise<PruneResult | null> {
  if (!(await claimDailyPrune(db))) return null;
  const result = await pruneOldRuns(db, o);
  await sql`
    update opsgate_maintenance set last_finished_at = now(), last_result = ${JSON.stringify({ ...result, retentionDays: o.retentionDays })}::jsonb
     where task = 'retention'`.execute(db);
  return result;
}
