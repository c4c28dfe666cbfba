-- Backups captured by "Capture backup" and restore runs created from them (docs/API.md,
-- "Other routes").
--
-- 1. Each capture appends its own set of backup items (a backup is a point in time); the
--    items remember the run that captured them. Retention deletes old runs, never backups,
--    so the reference is cleared rather than blocking the delete.
alter table backup_items add column run_id uuid references operation_runs on delete set null;
-- Deleting a run looks up the rows referencing it; without this, each look-up reads every
-- backup item (thousands per tenant, per capture).
create index backup_items_run on backup_items (run_id) where run_id is not null;

-- The list of a tenant's backup items, newest capture first, paged.
create index backup_items_tenant_captured on backup_items (tenant_id, captured_at desc, display_name, id);

-- 2. A restore run is confirmed by typing its name, and lists show it by name, so a name
--    means one restore run per tenant (compared without case: "Baseline" and "baseline" read
--    the same to the operator typing it). Until now restore runs came only from the demo
--    seed (one per tenant); any duplicate is renamed "… (2)" first so the index can be built.
update restore_runs r
   set name = r.name || ' (' || d.n || ')'
  from (select id, row_number() over (partition by tenant_id, lower(name) order by created_at, id) as n
          from restore_runs) d
 where d.id = r.id and d.n > 1;

create unique index restore_runs_tenant_name on restore_runs (tenant_id, lower(name));
