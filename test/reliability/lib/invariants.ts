// The gate's invariants, checked from the database alone after (or during) a storm.
import { sql } from 'kysely';
import type pg from 'pg';
import type { Db } from '../../../src/db/connect.ts';

export interface Invariants {
  /** Runs the gate admitted (everything but blocked records). */
  admitted: number;
  blocked: number;
  active: number;
  /** Admitted runs with no job row (needs a run that no worker consumed, or a queued one). */
  queuedWithoutJob: number;
  admittedWithoutJob: number;
  jobsWithoutRun: number;
  jobs: number;
  /** A job whose task is not its run's type. */
  jobTypeMismatch: number;
  blockedWithJob: number;
  maxActivePerScope: number;
  maxActivePerIdentity: number;
  /** Audit rows of start attempts, and of accepted ones. */
  auditStarts: number;
  auditAccepted: number;
  /** Admitted runs with no "accepted" audit row. */
  admittedWithoutAudit: number;
}

export async function checkInvariants(db: Db): Promise<Invariants> {
  const { rows } = await sql<Invariants>`
    with jobs as (
      select j.key, t.identifier from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
    )
    select
      (select count(*)::int from operation_runs where outcome <> 'blocked') as "admitted",
      (select count(*)::int from operation_runs where outcome = 'blocked') as "blocked",
      (select count(*)::int from operation_runs where status in ('queued', 'running')) as "active",
      (select count(*)::int from operation_runs r where r.status = 'queued'
         and not exists (select 1 from jobs j where j.key = r.id::text)) as "queuedWithoutJob",
      (select count(*)::int from operation_runs r where r.outcome <> 'blocked'
         and not exists (select 1 from jobs j where j.key = r.id::text)) as "admittedWithoutJob",
      (select count(*)::int from jobs j where not exists (select 1 from operation_runs r where r.id::text = j.key)) as "jobsWithoutRun",
      (select count(*)::int from jobs) as "jobs",
      (select count(*)::int from jobs j join operation_runs r on r.id::text = j.key where r.type <> j.identifier) as "jobTypeMismatch",
      (select count(*)::int from jobs j join operation_runs r on r.id::text = j.key where r.outcome = 'blocked') as "blockedWithJob",
      (select coalesce(max(n), 0)::int from (select count(*) as n from operation_runs where status in ('queued', 'running')
         group by provider_connection_id) s) as "maxActivePerScope",
      (select coalesce(max(n), 0)::int from (select count(*) as n from operation_runs where status in ('queued', 'running')
         group by dedupe_key) s) as "maxActivePerIdentity",
      (select count(*)::int from audit_log where action = 'operation.start') as "auditStarts",
      (select count(*)::int from audit_log where action = 'operation.start' and outcome = 'accepted') as "auditAccepted",
      (select count(*)::int from operation_runs r where r.outcome <> 'blocked' and not exists (
         select 1 from audit_log a where a.run_id = r.id and a.action = 'operation.start' and a.outcome = 'accepted')) as "admittedWithoutAudit"
  `.execute(db);
  return rows[0]!;
}

/**
 * A timeline written by triggers with clock_timestamp(), independent of the gate's own
 * columns: when each admitted run's row was inserted (after the admission took its locks)
 * and when it left the active states. Installed in test databases only.
 */
export async function installTimeline(db: Db): Promise<void> {
  await sql`
    create table if not exists rel_timeline (
      run_id uuid primary key, scope uuid, identity text, admitted_at timestamptz not null, ended_at timestamptz);
    create or replace function rel_timeline_insert() returns trigger language plpgsql as $$
    begin
      if new.outcome <> 'blocked' then
        insert into rel_timeline (run_id, scope, identity, admitted_at) values (new.id, new.provider_connection_id, new.dedupe_key, clock_timestamp());
      end if;
      return new;
    end $$;
    create or replace function rel_timeline_end() returns trigger language plpgsql as $$
    begin
      if new.status = 'completed' and old.status <> 'completed' then
        update rel_timeline set ended_at = clock_timestamp() where run_id = new.id;
      end if;
      return new;
    end $$;
    drop trigger if exists rel_timeline_insert on operation_runs;
    drop trigger if exists rel_timeline_end on operation_runs;
    create trigger rel_timeline_insert after insert on operation_runs for each row execute function rel_timeline_insert();
    create trigger rel_timeline_end after update of status on operation_runs for each row execute function rel_timeline_end();
  `.execute(db);
}

export interface Overlaps {
  /** Pairs of admitted runs on one scope whose active intervals overlap. */
  scopeOverlaps: number;
  identityOverlaps: number;
  runsOnTimeline: number;
}

/**
 * Double admission = two runs on one scope active at once. On the timeline, a run's interval
 * is [admitted_at, ended_at) (open-ended while active); the next run on the same scope must
 * be inserted after the previous one ended.
 */
export async function checkOverlaps(db: Db): Promise<Overlaps> {
  const { rows } = await sql<Overlaps>`
    with s as (
      select scope, admitted_at, ended_at,
             lag(ended_at) over (partition by scope order by admitted_at) as prev_end,
             lag(run_id) over (partition by scope order by admitted_at) as prev
        from rel_timeline),
    i as (
      select identity, admitted_at,
             lag(ended_at) over (partition by identity order by admitted_at) as prev_end,
             lag(run_id) over (partition by identity order by admitted_at) as prev
        from rel_timeline)
    select
      (select count(*)::int from s where prev is not null and (prev_end is null or prev_end > admitted_at)) as "scopeOverlaps",
      (select count(*)::int from i where prev is not null and (prev_end is null or prev_end > admitted_at)) as "identityOverlaps",
      (select count(*)::int from rel_timeline) as "runsOnTimeline"
  `.execute(db);
  return rows[0]!;
}

/** NEGATIVE CONTROL ONLY (with installLocklessAdmission): drops the two partial unique indexes that arbitrate admission. */
export async function dropAdmissionIndexes(db: Db): Promise<void> {
  await sql`drop index operation_runs_one_active_per_scope; drop index operation_runs_one_active_per_identity`.execute(db);
}

/** Samples the most active runs any one scope has, until stopped. */
export function sampleActivePerScope(client: pg.Client, everyMs = 5): { stop(): Promise<{ max: number; samples: number }> } {
  const stopping = new AbortController();
  let max = 0;
  let samples = 0;
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const { rows } = await client.query<{ n: number }>(
        `select coalesce(max(n), 0)::int as n from (select count(*) as n from operation_runs
          where status in ('queued', 'running') group by provider_connection_id) s`,
      );
      max = Math.max(max, rows[0]!.n);
      samples++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      stopping.abort();
      await loop;
      return { max, samples };
    },
  };
}

/**
 * Replaces opsgate_admit, in this test database, with a copy that takes no advisory lock, so the
 * partial unique indexes alone arbitrate. Together with dropAdmissionIndexes it is a gate that can
 * admit twice (the negative control), which the checks above must catch; it proves the harness
 * can see what it claims to rule out.
 */
export async function installLocklessAdmission(db: Db): Promise<void> {
  const { rows } = await sql<{ def: string }>`select pg_get_functiondef('opsgate_admit'::regproc) as def`.execute(db);
  const def = rows[0]!.def;
  const lockless = def.replace(/perform pg_advisory_xact_lock\([^;]*\);/g, '');
  if (lockless === def) throw new Error('negative control: no advisory lock found in opsgate_admit');
  await sql.raw(lockless).execute(db);
}
