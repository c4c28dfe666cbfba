// PROTOTYPE — NOT the product's code path. A copy of opsgate_admit (read from the migrated
// database, so it never drifts from migration 0002) whose job insert skips graphile-worker's
// pg_notify('jobs:insert'). PostgreSQL serialises the commits of every transaction that
// issued a NOTIFY (a database-wide lock held from pre-commit until the commit's WAL flush),
// so with fsync on, notifying admissions cannot share a WAL flush. This measures what that
// costs. The job row is the same row graphile's add_job writes.
import type pg from 'pg';

export async function installNoNotifyAdmission(pool: pg.Pool): Promise<void> {
  await pool.query(`
    create or replace function bench_add_job_no_notify(identifier text, payload json, max_attempts integer, job_key text)
    returns void language plpgsql volatile as $$
    begin
      insert into graphile_worker._private_tasks (identifier)
      select identifier where not exists (select 1 from graphile_worker._private_tasks t where t.identifier = bench_add_job_no_notify.identifier)
      on conflict do nothing;
      insert into graphile_worker._private_jobs (job_queue_id, task_id, payload, run_at, max_attempts, key, priority)
      select null, t.id, coalesce(payload, '{}'::json), now(), max_attempts::smallint, job_key, 0
        from graphile_worker._private_tasks t where t.identifier = bench_add_job_no_notify.identifier;
    end $$`);
  const { rows } = await pool.query<{ def: string }>(`select pg_get_functiondef('opsgate_admit'::regproc) as def`);
  const def = rows[0]!.def;
  const copy = def
    .replace(/FUNCTION public\.opsgate_admit\(/, 'FUNCTION public.bench_admit_no_notify(')
    .replace(/graphile_worker\.add_job\(p_type, json_build_object\('runId', v_id\),\s*max_attempts := 1, job_key := v_id::text\)/,
      `bench_add_job_no_notify(p_type, json_build_object('runId', v_id), 1, v_id::text)`);
  if (!copy.includes('bench_add_job_no_notify(p_type')) throw new Error('prototype: could not rewrite opsgate_admit (migration changed?)');
  await pool.query(copy);
}
