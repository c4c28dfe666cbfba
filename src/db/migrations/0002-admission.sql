-- Not the live admission: 0004-admission-insert-first.sql replaced opsgate_admit (the insert
-- against the partial unique indexes is the check, the job row is written without NOTIFY) and
-- 0018-admit-many.sql adds opsgate_admit_many and opsgate_record_blocked_many for many tenants
-- at once. opsgate_record_blocked below is still the live version.
--
-- Admission in one round trip. The gate calls these functions as single statements, so
-- each runs as its own READ COMMITTED transaction: the statements after the advisory lock
-- take a fresh snapshot and see every run committed by whoever held the lock before us.
-- (Under REPEATABLE READ the snapshot would predate the lock wait and all would be admitted.)

create function opsgate_admit(
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
    -- The partial unique indexes arbitrate: a conflict here means some path took no lock, and
    -- the start is refused rather than admitted twice. (In this first version the look-ups
    -- above decide first; since 0004 the insert alone is the check.)
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
      perform graphile_worker.add_job(p_type, json_build_object('runId', v_id),
                                      max_attempts := 1, job_key := v_id::text);
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

-- A start that the preflight refused: recorded as completed with outcome "blocked" and
-- never enqueued. Identical refusals in a short window update the latest record instead of
-- adding one per click, so monitoring is not flooded.
create function opsgate_record_blocked(
  p_workspace_id uuid,
  p_tenant_id uuid,
  p_type text,
  p_connection_id uuid,
  p_initiator uuid,
  p_trigger text,
  p_context jsonb,
  p_reason_code text,
  p_reason_params jsonb,
  p_fingerprint text,
  p_window_seconds integer
) returns table (run_id uuid, reused boolean)
language plpgsql volatile as $$
declare
  v_id uuid;
  v_reused boolean := false;
begin
  perform pg_advisory_xact_lock(1003, hashtext(p_fingerprint));
  select r.id into v_id from operation_runs r
   where r.blocked_fingerprint = p_fingerprint and r.outcome = 'blocked'
     and r.last_attempt_at > now() - make_interval(secs => p_window_seconds)
   order by r.last_attempt_at desc limit 1;
  if found then
    update operation_runs set attempt_count = attempt_count + 1, last_attempt_at = now() where id = v_id;
    v_reused := true;
  else
    insert into operation_runs (tenant_id, type, provider_connection_id, initiator_user_id, trigger,
                                status, outcome, reason_code, reason_params, context, blocked_fingerprint,
                                completed_at)
    values (p_tenant_id, p_type, p_connection_id, p_initiator, p_trigger,
            'completed', 'blocked', p_reason_code, coalesce(p_reason_params, '{}'), coalesce(p_context, '{}'),
            p_fingerprint, now())
    returning id into v_id;
  end if;
  insert into audit_log (workspace_id, tenant_id, actor_user_id, action, outcome, operation_type, run_id,
                         reason_code, details)
  values (p_workspace_id, p_tenant_id, p_initiator, 'operation.start', 'blocked', p_type, v_id, p_reason_code,
          jsonb_build_object('trigger', p_trigger, 'providerConnectionId', p_connection_id,
                             'reasonParams', coalesce(p_reason_params, '{}'), 'reusedBlockedRecord', v_reused));
  return query select v_id, v_reused;
end;
$$;
