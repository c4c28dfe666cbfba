-- The whole domain of opsgate (see docs/ARCHITECTURE.md). Every table is owned by the
-- application; the job queue's own schema (graphile_worker) is installed before this file.
--
-- Read with the later migrations: this file is the schema as first created, not as it is now.
-- Admission in particular: the partial unique index operation_runs_one_active_per_identity
-- was re-created by 0004-admission-insert-first.sql (it no longer covers rows without a
-- dedupe key); operation_runs_one_active_per_scope is as created here. The admission
-- functions are in 0002-admission.sql, the live opsgate_admit in 0004, the set-based ones
-- for many tenants in 0018-admit-many.sql. Later migrations add tables, columns and indexes
-- (0005, 0012 and 0019 add indexes on operation_runs).

create table workspaces (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique,
  name text not null,
  created_at timestamptz not null default now()
);

create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null unique check (email = lower(email)),
  display_name text not null,
  password_hash text not null,
  created_at timestamptz not null default now()
);

create table workspace_members (
  workspace_id uuid not null references workspaces on delete cascade,
  user_id uuid not null references users on delete cascade,
  primary key (workspace_id, user_id)
);

create table tenants (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces on delete cascade,
  slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text not null,
  entra_tenant_id text not null,
  status text not null check (status in ('onboarding', 'active', 'suspended', 'archived')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index tenants_workspace on tenants (workspace_id);

create table tenant_memberships (
  tenant_id uuid not null references tenants on delete cascade,
  user_id uuid not null references users on delete cascade,
  role text not null check (role in ('owner', 'manager', 'operator', 'readonly')),
  primary key (tenant_id, user_id)
);
create index tenant_memberships_user on tenant_memberships (user_id);

create table provider_connections (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants on delete cascade,
  name text not null,
  -- which cloud the connection talks to: Microsoft's global cloud or the local sandbox
  cloud text not null default 'global' check (cloud in ('global', 'sandbox')),
  client_id text not null,
  credential_kind text not null default 'secret' check (credential_kind in ('secret', 'certificate')),
  secret_ciphertext text,
  certificate_thumbprint text,
  credential_expires_at timestamptz,
  is_default boolean not null default false,
  enabled boolean not null default true,
  consent_status text not null default 'unknown' check (consent_status in ('granted', 'missing', 'unknown')),
  granted_permissions text[] not null default '{}',
  last_verified_at timestamptz,
  verification_status text not null default 'never'
    check (verification_status in ('never', 'succeeded', 'failed', 'unusable')),
  verification_reason_code text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, name)
);
-- at most one default connection per tenant
create unique index provider_connections_one_default on provider_connections (tenant_id) where is_default;

create table operation_runs (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants on delete cascade,
  type text not null,
  -- pinned at admission; jobs never resolve "the default" again
  provider_connection_id uuid references provider_connections,
  initiator_user_id uuid references users,
  trigger text not null check (trigger in ('operator', 'scheduled', 'system')),
  status text not null check (status in ('queued', 'running', 'completed')),
  outcome text not null
    check (outcome in ('pending', 'succeeded', 'partially_succeeded', 'failed', 'blocked', 'cancelled')),
  reason_code text,
  reason_params jsonb not null default '{}',
  summary_counts jsonb not null default '{}',
  context jsonb not null default '{}',
  -- identity for "already running": same type + same target
  dedupe_key text,
  -- blocked runs: repeated identical clicks reuse the latest record
  blocked_fingerprint text,
  attempt_count integer not null default 1,
  last_attempt_at timestamptz not null default now(),
  -- execution lease: a worker that stops heart-beating loses the run
  lease_owner text,
  lease_expires_at timestamptz,
  heartbeat_at timestamptz,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  completed_at timestamptz,
  check ((status = 'completed') = (outcome <> 'pending')),
  check ((status = 'completed') = (completed_at is not null)),
  check (outcome <> 'blocked' or started_at is null)
);
-- The arbiter of admission: no code path can ever hold two active runs on one connection, nor
-- two active runs of one identity. Since 0004 the admission's insert is the check (a start
-- these indexes refuse is deduped or scope busy); the advisory locks only serialise admissions.
create unique index operation_runs_one_active_per_scope
  on operation_runs (provider_connection_id) where status in ('queued', 'running');
create unique index operation_runs_one_active_per_identity
  on operation_runs (dedupe_key) where status in ('queued', 'running');
create index operation_runs_tenant_created on operation_runs (tenant_id, created_at desc);
create index operation_runs_created on operation_runs (created_at desc);
create index operation_runs_leases on operation_runs (lease_expires_at) where status = 'running';
create index operation_runs_blocked_fp on operation_runs (blocked_fingerprint, last_attempt_at desc)
  where outcome = 'blocked';

create table backup_items (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants on delete cascade,
  resource_type text not null check (resource_type in ('deviceConfiguration')),
  source_id text not null,
  display_name text not null,
  payload jsonb not null,
  assignments jsonb not null default '[]',
  captured_at timestamptz not null default now()
);

create table restore_runs (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants on delete cascade,
  name text not null,
  status text not null default 'ready' check (status in ('ready', 'executing', 'completed', 'failed')),
  last_run_id uuid references operation_runs,
  created_by uuid references users,
  created_at timestamptz not null default now()
);

create table restore_run_items (
  restore_run_id uuid not null references restore_runs on delete cascade,
  backup_item_id uuid not null references backup_items on delete cascade,
  position integer not null,
  result text check (result in ('created', 'updated', 'failed')),
  target_id text,
  primary key (restore_run_id, backup_item_id)
);

create table onboarding_sessions (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces on delete cascade,
  tenant_id uuid not null references tenants on delete cascade,
  created_by uuid not null references users,
  status text not null default 'draft' check (status in ('draft', 'completed', 'cancelled')),
  provider_connection_id uuid references provider_connections,
  verification_run_id uuid references operation_runs,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table onboarding_selections (
  session_id uuid not null references onboarding_sessions on delete cascade,
  position integer not null,
  type text not null,
  state text not null default 'pending'
    check (state in ('pending', 'queued', 'running', 'succeeded', 'partially_succeeded', 'failed', 'blocked', 'deduped', 'scope_busy', 'cancelled')),
  run_id uuid references operation_runs,
  reason_code text,
  updated_at timestamptz not null default now(),
  primary key (session_id, position),
  unique (session_id, type)
);

-- Runtime records written by jobs -------------------------------------------------------
create table inventory_items (
  tenant_id uuid not null references tenants on delete cascade,
  kind text not null check (kind in ('deviceConfiguration', 'configurationPolicy', 'compliancePolicy')),
  external_id text not null,
  display_name text not null,
  data jsonb not null,
  provider_connection_id uuid references provider_connections on delete set null,
  last_run_id uuid references operation_runs on delete set null,
  synced_at timestamptz not null default now(),
  primary key (tenant_id, kind, external_id)
);

create table compliance_snapshots (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants on delete cascade,
  run_id uuid references operation_runs on delete set null,
  counts jsonb not null,
  devices jsonb not null default '[]',
  taken_at timestamptz not null default now()
);
create index compliance_snapshots_tenant on compliance_snapshots (tenant_id, taken_at desc);

create table entra_groups (
  tenant_id uuid not null references tenants on delete cascade,
  external_id text not null,
  display_name text not null,
  mail text,
  security_enabled boolean not null default false,
  data jsonb not null,
  last_run_id uuid references operation_runs on delete set null,
  synced_at timestamptz not null default now(),
  primary key (tenant_id, external_id)
);

create table role_definitions (
  tenant_id uuid not null references tenants on delete cascade,
  external_id text not null,
  display_name text not null,
  is_built_in boolean not null default true,
  data jsonb not null,
  last_run_id uuid references operation_runs on delete set null,
  synced_at timestamptz not null default now(),
  primary key (tenant_id, external_id)
);

create table notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users on delete cascade,
  run_id uuid not null references operation_runs on delete cascade,
  created_at timestamptz not null default now(),
  read_at timestamptz,
  -- one terminal notification per run and initiator
  unique (user_id, run_id)
);
create index notifications_user on notifications (user_id, created_at desc);

create table audit_log (
  id bigint generated always as identity primary key,
  workspace_id uuid,
  tenant_id uuid,
  actor_user_id uuid,
  action text not null,
  outcome text,
  operation_type text,
  run_id uuid,
  reason_code text,
  details jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index audit_log_tenant on audit_log (tenant_id, created_at desc);

create table http_sessions (
  id text primary key,
  user_id uuid not null references users on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index http_sessions_user on http_sessions (user_id);
