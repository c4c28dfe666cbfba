-- Admission, second version: the insert is the check, and the job row is written without NOTIFY.
--
-- 1. No NOTIFY inside the admission. graphile_worker.add_job issues pg_notify, and PostgreSQL
--    takes a database-wide lock at pre-commit of every transaction that notified and holds it
--    through the commit's WAL flush, so notifying admissions could not share a flush: that lock
--    was most of the admitting backends' time (docs/BENCHMARKS.md, "What changed since the
--    first measurement", 1). The job row is the same row add_job writes (graphile-worker 0.18,
--    schema revision 20: the version is pinned and a test checks the revision). The gate wakes the workers after the commit (src/gate/wake.ts);
--    a lost wake-up costs at most the workers' poll interval.
-- 2. The insert is the check. The partial unique indexes (one active run per connection, one
--    per dedupe identity) refuse the run when an active run holds either; only a refused start
--    looks the holder up, to name it. Version 1 looked both up before inserting: a look-up of a
--    key that is absent, in indexes that churn (every run enters them queued and leaves them
--    when it ends), became several times slower after tens of thousands of admissions, until a
--    REINDEX (docs/BENCHMARKS.md, "What changed since the first measurement", 5); the insert's
--    own uniqueness check did not.
--    The advisory locks stay: admissions of one identity or one scope are serialised, so a
--    refusal names a stable holder and the order identity-then-scope is kept.
-- 3. The identity index no longer covers rows without a dedupe key (below).
-- Run, job and audit row still commit in one statement.

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

  for attempt in 1..3 loop
    insert into operation_runs (tenant_id, type, provider_connection_id, initiator_user_id, trigger,
                                status, outcome, context, dedupe_key)
    values (p_tenant_id, p_type, p_connection_id, p_initiator, p_trigger,
            'queued', 'pending', coalesce(p_context, '{}'), p_dedupe_key)
    on conflict do nothing
    returning id into v_id;
    exit when v_id is not null;
    -- Refused by an active run: name it, the same identity first.
    select * into v_active from operation_runs r
     where r.dedupe_key = p_dedupe_key and r.status in ('queued', 'running') limit 1;
    if found then
      v_outcome := 'deduped';
      exit;
    end if;
    select * into v_active from operation_runs r
     where r.provider_connection_id = p_connection_id and r.status in ('queued', 'running') limit 1;
    if found then
      v_outcome := 'scope_busy';
      exit;
    end if;
    -- The holder ended between the insert and the look-up: try again.
  end loop;

  if v_id is not null then
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
  elsif v_outcome is null then
    raise exception 'opsgate_admit: refused three times by runs that had ended' using errcode = '40001';
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
-- for the scope look-up (it did, filtering every active run: O(active runs) per look-up).
-- Same uniqueness: NULL keys never conflicted.
drop index operation_runs_one_active_per_identity;
create unique index operation_runs_one_active_per_identity
  on operation_runs (dedupe_key) where status in ('queued', 'running') and dedupe_key is not null;
