-- Admission writes its job row directly instead of calling graphile_worker.add_job.
--
-- Why: add_job issues pg_notify inside the admission transaction. PostgreSQL takes a
-- database-wide lock at pre-commit of every transaction that notified and holds it through
-- the commit's WAL flush, so notifying admissions cannot share a flush: with fsync on, that
-- lock was 72-86 % of the admitting backends' time (docs/BENCHMARKS.md). The job row is the
-- same row add_job writes (graphile-worker 0.18, schema revision 20: the version is pinned and
-- a test checks the revision). The gate wakes the workers after the commit, with a notify in a
-- transaction of its own that writes no WAL; a lost wake-up costs at most the worker's poll
-- interval. Run, job and audit row still commit in one statement.

-- Unchanged but for the job row.
create or replace function opsgate_admit(
  p_workspace_id uuid,
  p_tenant_id uuid,
  p_type text,
  p_connection_id uuid,
  p_dedupe_key text,
  p_initiator uuid,
  p_trigger text,
  p_context jsonb
) returns table (outcome text, run_id uuid, run_type text, run_tenant_id uuid)
language plpgsql volatile as $$
declare
  v_active operation_runs%rowtype;
  v_id uuid;
  v_outcome text;
begin
  -- Identity first, then scope, always in that order: no two admissions can wait on each
  -- other in a cycle. Different classes keep identity and scope keys apart.
  perform pg_advisory_xact_lock(1001, hashtext(p_dedupe_key));
  perform pg_advisory_xact_lock(1002, hashtext(p_connection_id::text));

  select * into v_active from operation_runs r
   where r.dedupe_key = p_dedupe_key and r.status in ('queued', 'running') limit 1;
  if found then
    v_outcome := 'deduped';
  else
    select * into v_active from operation_runs r
     where r.provider_connection_id = p_connection_id and r.status in ('queued', 'running') limit 1;
    if found then
      v_outcome := 'scope_busy';
    end if;
  end if;

  if v_outcome is null then
    -- The partial unique indexes are the backstop: a conflict here means some path took
    -- no lock, and the start is refused rather than admitted twice.
    insert into operation_runs (tenant_id, type, provider_connection_id, initiator_user_id, trigger,
                                status, outcome, context, dedupe_key)
    values (p_tenant_id, p_type, p_connection_id, p_initiator, p_trigger,
            'queued', 'pending', coalesce(p_context, '{}'), p_dedupe_key)
    on conflict do nothing
    returning id into v_id;
    if v_id is null then
      select * into v_active from operation_runs r
       where (r.provider_connection_id = p_connection_id or r.dedupe_key = p_dedupe_key)
         and r.status in ('queued', 'running') limit 1;
      v_outcome := case when v_active.dedupe_key = p_dedupe_key then 'deduped' else 'scope_busy' end;
    else
      -- Inline rather than a helper function: a nested PL/pgSQL call cost as much as the insert.
      insert into graphile_worker._private_jobs (task_id, payload, run_at, max_attempts, key, priority)
      select t.id, json_build_object('runId', v_id), now(), 1, v_id::text, 0
        from graphile_worker._private_tasks t where t.identifier = p_type;
      if not found then
        -- First job of this type on this database: register the task as add_job would.
        insert into graphile_worker._private_tasks (identifier) values (p_type) on conflict do nothing;
        insert into graphile_worker._private_jobs (task_id, payload, run_at, max_attempts, key, priority)
        select t.id, json_build_object('runId', v_id), now(), 1, v_id::text, 0
          from graphile_worker._private_tasks t where t.identifier = p_type;
      end if;
      v_outcome := 'accepted';
    end if;
  end if;

  if v_outcome <> 'accepted' then
    v_id := v_active.id;
  end if;
  insert into audit_log (workspace_id, tenant_id, actor_user_id, action, outcome, operation_type, run_id,
                         reason_code, details)
  values (p_workspace_id, p_tenant_id, p_initiator, 'operation.start', v_outcome, p_type, v_id,
          case when v_outcome = 'scope_busy' then 'scope_busy' end,
          jsonb_build_object('trigger', p_trigger, 'providerConnectionId', p_connection_id,
                             'holdingRunType', case when v_outcome = 'accepted' then null else v_active.type end));

  return query select v_outcome,
                      v_id,
                      case when v_outcome = 'accepted' then p_type else v_active.type end,
                      case when v_outcome = 'accepted' then p_tenant_id else v_active.tenant_id end;
end;
$$;

-- The identity index no longer covers rows without a dedupe key, so the planner cannot pick it
-- for the scope check (it did, filtering every active run: O(active runs) per admission).
-- Same uniqueness: NULL keys never conflicted.
drop index operation_runs_one_active_per_identity;
create unique index operation_runs_one_active_per_identity
  on operation_runs (dedupe_key) where status in ('queued', 'running') and dedupe_key is not null;
