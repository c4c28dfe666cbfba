-- Operating it (docs/API.md "Audit", "Operating it"): reading the audit log, and pruning old runs.
--
-- 1. The audit log is read newest first with keyset paging on (created_at, id) and filtered by
--    tenant, actor, action and time (src/audit/query.ts). Each filter gets an index in that
--    order, so a page is an index range read that stops after `limit` rows, however long the
--    log. Every start writes an audit row, so the indexes a start pays for are kept few:
--    - by time: the unfiltered list and time ranges (one more index per start);
--    - by tenant: replaces the old (tenant_id, created_at) index, same cost;
--    - by actor: scheduled starts have none, so they skip it;
--    - workspace-level rows (no tenant: sign-ins, setup) and actions other than a start: partial,
--      so a start never enters them. Filtering on action=operation.start reads the time index:
--      starts are most of the log, so the first `limit` matches come quickly.
drop index audit_log_tenant;
create index audit_log_tenant_at on audit_log (tenant_id, created_at desc, id desc);
create index audit_log_at on audit_log (created_at desc, id desc);
create index audit_log_actor_at on audit_log (actor_user_id, created_at desc, id desc) where actor_user_id is not null;
create index audit_log_workspace_at on audit_log (workspace_id, created_at desc, id desc) where tenant_id is null;
create index audit_log_action_at on audit_log (action, created_at desc, id desc) where action <> 'operation.start';

-- 2. Retention (src/runs/retention.ts) deletes old completed runs in small batches. Deleting a
--    run makes PostgreSQL look up every row that references it (notifications cascade, records
--    of the last sync are set null, onboarding keeps its runs); without an index on the
--    referencing column each of those look-ups reads the whole table, once per deleted run.
--    Audit rows keep their run_id (it has no foreign key): the audit API shows `run: null` once
--    the run is gone, and the id stays in the row for whoever correlates it with old logs.
create index notifications_run on notifications (run_id);
create index inventory_items_last_run on inventory_items (last_run_id) where last_run_id is not null;
create index compliance_snapshots_run on compliance_snapshots (run_id) where run_id is not null;
create index entra_groups_last_run on entra_groups (last_run_id) where last_run_id is not null;
create index role_definitions_last_run on role_definitions (last_run_id) where last_run_id is not null;
create index onboarding_selections_run on onboarding_selections (run_id) where run_id is not null;
create index onboarding_sessions_verification_run on onboarding_sessions (verification_run_id) where verification_run_id is not null;

-- 3. Daily chores run once a day per database, whatever the number of worker processes: the
--    process whose conditional update moves `last_started_at` does the work.
create table opsgate_maintenance (
  task text primary key,
  last_started_at timestamptz,
  last_finished_at timestamptz,
  last_result jsonb not null default '{}'
);
insert into opsgate_maintenance (task) values ('retention');
