// PROTOTYPE — NOT the product's code path. A copy of opsgate_admit (migration 0002) with one
// change: the dedupe and scope checks run once *before* the advisory locks, and when they
// already find an active run the answer (deduped / scope_busy) is given without locking.
// Such an answer is true at the statement's snapshot, exactly as it is today; only a start
// that may be admitted takes the locks and checks again under them, so "at most one accepted
// per scope" keeps resting on the same lock + re-check (+ the unique-index backstop).
// Under contention the losers stop queueing behind each other's commit (the audit row makes
// every decision a durable commit, today taken while holding the scope lock).
import type pg from 'pg';

export async function installPrecheckAdmission(pool: pg.Pool): Promise<void> {
  await pool.query(`
create or replace function bench_admit_precheck(
  p_workspace_id uuid, p_tenant_id uuid, p_type text, p_connection_id uuid, p_dedupe_key text,
  p_initiator uuid, p_trigger text, p_context jsonb
) returns table (outcome text, run_id uuid, run_type text, run_tenant_id uuid)
language plpgsql volatile as $$
declare
  v_active operation_runs%rowtype;
  v_id uuid;
  v_outcome text;
begin
  -- CHANGED: a lock-free look first.
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
    -- As migration 0002 from here: locks, checks again under them, insert + enqueue.
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
  end if;

  if v_outcome is null then
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

  return query select v_outcome, v_id,
                      case when v_outcome = 'accepted' then p_type else v_active.type end,
                      case when v_outcome = 'accepted' then p_tenant_id else v_active.tenant_id end;
end;
$$`);
}
