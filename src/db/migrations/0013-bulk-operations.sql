-- One start on many tenants (POST /api/workspaces/{ws}/bulk-operations, and every schedule
-- firing). A bulk operation is N ordinary starts through the same gate — the runs, blocked
-- records and audit rows are exactly those of N single starts — plus this record of who asked
-- for what and the answer each tenant got, so the bulk page can show it again with the
-- accepted runs' live status.
create table bulk_operations (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces on delete cascade,
  type text not null,
  trigger text not null check (trigger in ('operator', 'scheduled', 'system')),
  initiator_user_id uuid references users on delete set null,
  -- what was asked for: "all" or the list of slugs
  selection jsonb not null,
  total integer not null,
  counts jsonb not null,
  created_at timestamptz not null default now()
);
create index bulk_operations_workspace on bulk_operations (workspace_id, created_at desc);

create table bulk_operation_items (
  bulk_operation_id uuid not null references bulk_operations on delete cascade,
  position integer not null,
  tenant_id uuid not null references tenants on delete cascade,
  -- the gate's outcome, or forbidden: the user may see the tenant but lacks the capability there
  outcome text not null check (outcome in ('accepted', 'deduped', 'scope_busy', 'blocked', 'forbidden')),
  run_id uuid references operation_runs on delete set null,
  run_type text,
  provider_connection_id uuid,
  provider_connection_name text,
  reason_code text,
  reason_params jsonb not null default '{}',
  primary key (bulk_operation_id, position)
);
create index bulk_operation_items_run on bulk_operation_items (run_id) where run_id is not null;
