-- Scale-out stays possible: every table the gate touches carries workspace_id, and every unique
-- index the gate relies on includes it, so the schema can later be distributed by workspace
-- (a distributed PostgreSQL wants the distribution column in each such index) without
-- changing the gate's statements.
--
-- Before this, provider connections and runs reached their workspace only through their tenant.
--
-- How the column is kept true without every writer knowing it: a row's workspace_id is its
-- tenant's. A BEFORE INSERT trigger copies it when the writer leaves it out (the gate's
-- admission functions, onboarding, seeds), and a composite foreign key to
-- tenants (workspace_id, id) refuses a row whose workspace_id is not its tenant's. The trigger
-- is a primary-key probe of tenants per inserted row; the composite key replaces the plain
-- tenant key, so a run insert checks no more keys than before (docs/BENCHMARKS.md measures it).
--
-- The arbitrating indexes keep their leading column: admission looks a holder up by connection
-- or by dedupe key alone, and an index led by workspace_id could not serve that look-up (no
-- skip scan before PostgreSQL 18), so workspace_id is their last column. Uniqueness is
-- unchanged: a run's connection is of the run's workspace (foreign key below) and a dedupe key
-- holds the tenant id.

alter table tenants add constraint tenants_workspace_id_id unique (workspace_id, id);

create function opsgate_workspace_of_tenant() returns trigger
language plpgsql as $$
begin
  select t.workspace_id into new.workspace_id from tenants t where t.id = new.tenant_id;
  return new;
end;
$$;

-- Provider connections.
alter table provider_connections add column workspace_id uuid;
update provider_connections c set workspace_id = t.workspace_id from tenants t where t.id = c.tenant_id;
alter table provider_connections
  alter column workspace_id set not null,
  drop constraint provider_connections_tenant_id_fkey,
  add constraint provider_connections_tenant_fkey
    foreign key (workspace_id, tenant_id) references tenants (workspace_id, id) on delete cascade;
create trigger provider_connections_workspace before insert on provider_connections
  for each row when (new.workspace_id is null) execute function opsgate_workspace_of_tenant();

drop index provider_connections_one_default;
create unique index provider_connections_one_default on provider_connections (tenant_id, workspace_id) where is_default;
-- Not the gate's, but a distributed table can hold no unique index without the column.
alter table provider_connections
  drop constraint provider_connections_tenant_id_name_key,
  add constraint provider_connections_tenant_id_name_key unique (tenant_id, name, workspace_id);

-- Operation runs.
alter table operation_runs add column workspace_id uuid;
update operation_runs r set workspace_id = t.workspace_id from tenants t where t.id = r.tenant_id;
alter table operation_runs
  alter column workspace_id set not null,
  drop constraint operation_runs_tenant_id_fkey,
  add constraint operation_runs_tenant_fkey
    foreign key (workspace_id, tenant_id) references tenants (workspace_id, id) on delete cascade;
-- A run's connection is of its workspace too, so "one active run per connection" means what it
-- meant before the column joined the index. Deleting a connection still leaves its past runs
-- with the workspace and a null connection (0011).
alter table provider_connections add constraint provider_connections_workspace_id_id unique (workspace_id, id);
alter table operation_runs
  drop constraint operation_runs_provider_connection_id_fkey,
  add constraint operation_runs_provider_connection_id_fkey
    foreign key (workspace_id, provider_connection_id) references provider_connections (workspace_id, id)
    on delete set null (provider_connection_id);
create trigger operation_runs_workspace before insert on operation_runs
  for each row when (new.workspace_id is null) execute function opsgate_workspace_of_tenant();

drop index operation_runs_one_active_per_scope;
create unique index operation_runs_one_active_per_scope
  on operation_runs (provider_connection_id, workspace_id) where status in ('queued', 'running');
drop index operation_runs_one_active_per_identity;
create unique index operation_runs_one_active_per_identity
  on operation_runs (dedupe_key, workspace_id) where status in ('queued', 'running') and dedupe_key is not null;
