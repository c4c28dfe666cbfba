-- Admission of many tenants at once (a bulk start, a schedule firing), set-based.
--
-- The per-tenant functions (opsgate_admit, opsgate_record_blocked) called once per row cost
-- several times the same rows written by one statement each (figures: docs/BENCHMARKS.md,
-- "Bulk start"). These two functions write exactly the rows those calls would:
--   opsgate_admit_many: the advisory locks of every row (identity then scope, rows in
--     tenant-id order, as the per-row calls took them), one INSERT of every run with
--     ON CONFLICT DO NOTHING, one INSERT of their job rows and one of their audit rows; the
--     rows the insert refused (an active run holds the identity or the scope) then go through
--     opsgate_admit, which names the holder and whose locks this transaction already holds.
--   opsgate_record_blocked_many: the fingerprint locks in the same order, one UPDATE of the
--     records still within the reuse window, one INSERT of the others, one INSERT of the
--     audit rows.
-- The partial unique indexes still decide every admission, and run, job and audit row still
-- commit in one statement. Callers send one row per tenant (no tenant twice): rows are matched
-- to what the inserts returned by tenant id.

create function opsgate_admit_many(
  p_rows jsonb, -- [{ord, workspace_id, tenant_id, connection_id, dedupe_key, context}]
  p_type text,
  p_initiator uuid,
  p_trigger text
) returns table (ord int, outcome text, run_id uuid, run_type text, run_tenant_id uuid)
language plpgsql volatile as $$
declare
  v_row record;
  v_task_id int;
  v_tenants uuid[];
  v_ids uuid[];
begin
  -- Same order as the per-row calls: tenant by tenant in tenant-id order, identity then scope.
  for v_row in
    select b.dedupe_key, b.connection_id
      from jsonb_to_recordset(p_rows) as b(tenant_id uuid, connection_id uuid, dedupe_key text)
     order by b.tenant_id
  loop
    perform pg_advisory_xact_lock(1001, hashtext(v_row.dedupe_key));
    perform pg_advisory_xact_lock(1002, hashtext(v_row.connection_id::text));
  end loop;

  select t.id into v_task_id from graphile_worker._private_tasks t where t.identifier = p_type;
  if v_task_id is null then
    -- First job of this type on this database: register the task as add_job would.
    insert into graphile_worker._private_tasks (identifier) values (p_type) on conflict do nothing;
    select t.id into v_task_id from graphile_worker._private_tasks t where t.identifier = p_type;
  end if;

  with b as (
    select * from jsonb_to_recordset(p_rows)
      as b(ord int, workspace_id uuid, tenant_id uuid, connection_id uuid, dedupe_key text, context jsonb)
  ),
  ins as (
    insert into operation_runs (tenant_id, type, provider_connection_id, initiator_user_id, trigger,
                                status, outcome, context, dedupe_key)
    select b.tenant_id, p_type, b.connection_id, p_initiator, p_trigger,
           'queued', 'pending', coalesce(b.context, '{}'), b.dedupe_key
      from b order by b.tenant_id
    on conflict do nothing
    returning id, tenant_id, provider_connection_id
  ),
  jobs as (
    insert into graphile_worker._private_jobs (task_id, payload, run_at, max_attempts, key, priority)
    select v_task_id, json_build_object('runId', ins.id), now(), 1, ins.id::text, 0 from ins
  ),
  audit as (
    insert into audit_log (workspace_id, tenant_id, actor_user_id, action, outcome, operation_type, run_id,
                           reason_code, details)
    select b.workspace_id, ins.tenant_id, p_initiator, 'operation.start', 'accepted', p_type, ins.id, null,
           jsonb_build_object('trigger', p_trigger, 'providerConnectionId', ins.provider_connection_id,
                              'holdingRunType', null)
      from ins join b on b.tenant_id = ins.tenant_id
  )
  select coalesce(array_agg(ins.tenant_id), '{}'), coalesce(array_agg(ins.id), '{}')
    into v_tenants, v_ids
    from ins;

  return query
    select b.ord, 'accepted'::text, a.id, p_type, a.tenant_id
      from unnest(v_tenants, v_ids) as a(tenant_id, id)
      join jsonb_to_recordset(p_rows) as b(ord int, tenant_id uuid) on b.tenant_id = a.tenant_id;

  -- Refused by an active run (rare in a bulk): the per-row path names the holder and writes
  -- the audit row; the locks it takes are already held by this transaction.
  return query
    select b.ord, r.outcome, r.run_id, r.run_type, r.run_tenant_id
      from jsonb_to_recordset(p_rows)
           as b(ord int, workspace_id uuid, tenant_id uuid, connection_id uuid, dedupe_key text, context jsonb)
     cross join lateral opsgate_admit(b.workspace_id, b.tenant_id, p_type, b.connection_id, b.dedupe_key,
                                      p_initiator, p_trigger, b.context) r
     where not (b.tenant_id = any (v_tenants))
     order by b.tenant_id;
end;
$$;

create function opsgate_record_blocked_many(
  p_rows jsonb, -- [{ord, workspace_id, tenant_id, connection_id, context, reason_code, reason_params, fingerprint}]
  p_type text,
  p_initiator uuid,
  p_trigger text,
  p_window_seconds integer
) returns table (ord int, run_id uuid, reused boolean)
language plpgsql volatile as $$
declare
  v_row record;
begin
  for v_row in
    select b.fingerprint from jsonb_to_recordset(p_rows) as b(tenant_id uuid, fingerprint text) order by b.tenant_id
  loop
    perform pg_advisory_xact_lock(1003, hashtext(v_row.fingerprint));
  end loop;

  return query
    with b as (
      select * from jsonb_to_recordset(p_rows)
        as b(ord int, workspace_id uuid, tenant_id uuid, connection_id uuid, context jsonb, reason_code text,
             reason_params jsonb, fingerprint text)
    ),
    -- The newest record of the same fingerprint still within the window is counted again.
    reusable as (
      select distinct on (b.ord) b.ord, r.id
        from b join operation_runs r
          on r.blocked_fingerprint = b.fingerprint and r.outcome = 'blocked'
         and r.last_attempt_at > now() - make_interval(secs => p_window_seconds)
       order by b.ord, r.last_attempt_at desc
    ),
    upd as (
      update operation_runs o set attempt_count = o.attempt_count + 1, last_attempt_at = now()
        from reusable u where o.id = u.id
      returning o.id
    ),
    ins as (
      insert into operation_runs (tenant_id, type, provider_connection_id, initiator_user_id, trigger,
                                  status, outcome, reason_code, reason_params, context, blocked_fingerprint,
                                  completed_at)
      select b.tenant_id, p_type, b.connection_id, p_initiator, p_trigger,
             'completed', 'blocked', b.reason_code, coalesce(b.reason_params, '{}'), coalesce(b.context, '{}'),
             b.fingerprint, now()
        from b where not exists (select 1 from reusable u where u.ord = b.ord)
       order by b.tenant_id
      returning id, tenant_id
    ),
    res as (
      select u.ord, u.id, true as reused from reusable u
      union all
      select b.ord, ins.id, false from ins join b on b.tenant_id = ins.tenant_id
    ),
    audit as (
      insert into audit_log (workspace_id, tenant_id, actor_user_id, action, outcome, operation_type, run_id,
                             reason_code, details)
      select b.workspace_id, b.tenant_id, p_initiator, 'operation.start', 'blocked', p_type, res.id, b.reason_code,
             jsonb_build_object('trigger', p_trigger, 'providerConnectionId', b.connection_id,
                                'reasonParams', coalesce(b.reason_params, '{}'), 'reusedBlockedRecord', res.reused)
        from res join b on b.ord = res.ord
    )
    select res.ord, res.id, res.reused from res order by res.ord;
end;
$$;
