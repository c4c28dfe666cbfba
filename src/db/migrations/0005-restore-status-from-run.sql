-- A restore run's status follows its run in every ending (succeeded, failed, interrupted by the
-- recovery sweep, cancelled). Version 1 stored the status and let the restore job write it, so a
-- run that failed before the job's last line, or whose worker died, left the restore run
-- 'executing' for ever. Now nothing stores it: the view derives it from the restore run's last
-- run that was accepted (blocked attempts never started, so they change nothing).
--
--   no accepted run yet                      -> ready
--   last run queued or running               -> executing
--   last run succeeded                       -> completed
--   last run cancelled before it started     -> ready   (nothing was written)
--   otherwise (failed, partially, cancelled
--              while running, interrupted)   -> failed  (with that run's reason)
alter table restore_runs drop column status;
alter table restore_runs drop column last_run_id;

-- The restore run's runs, newest first, for the view's look-up.
create index operation_runs_restore_target
  on operation_runs ((context ->> 'restoreRunId'), created_at desc)
  where type = 'restore.execute' and outcome <> 'blocked';

create view restore_runs_with_status as
select rr.id, rr.tenant_id, rr.name, rr.created_by, rr.created_at,
       lr.id as last_run_id,
       lr.outcome as last_run_outcome,
       lr.reason_code as last_run_reason_code,
       lr.reason_params as last_run_reason_params,
       case
         when lr.id is null then 'ready'
         when lr.status in ('queued', 'running') then 'executing'
         when lr.outcome = 'succeeded' then 'completed'
         when lr.outcome = 'cancelled' and lr.started_at is null then 'ready'
         else 'failed'
       end as status
  from restore_runs rr
  left join lateral (
    select r.id, r.status, r.outcome, r.reason_code, r.reason_params, r.started_at
      from operation_runs r
     where r.type = 'restore.execute' and r.outcome <> 'blocked'
       and r.context ->> 'restoreRunId' = rr.id::text
     order by r.created_at desc
     limit 1
  ) lr on true;
