-- One app for every customer tenant: a workspace's multi-tenant app registration (registered in
-- the MSP's own tenant, admin-consented in each customer tenant). A connection on such an app
-- holds no credential of its own: credential presence, kind and expiry are facts of the app,
-- so one rotation serves (or one expiry blocks) every connection on it; consent and
-- permissions stay facts of each connection (each customer tenant consents for itself).
create table app_registrations (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces on delete cascade,
  name text not null,
  client_id text not null,
  cloud text not null default 'global' check (cloud in ('global', 'sandbox')),
  credential_kind text not null default 'secret' check (credential_kind in ('secret', 'certificate')),
  secret_ciphertext text,
  certificate_thumbprint text,
  certificate_pem text,
  private_key_ciphertext text,
  credential_expires_at timestamptz,
  created_by uuid references users on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, name),
  unique (workspace_id, client_id)
);

-- A connection is either on its own app registration (client_id + credential columns, as
-- before) or on a workspace app (app_registration_id; its own credential columns stay empty,
-- client_id repeats the app's). An app in use cannot be deleted (409 app_in_use).
alter table provider_connections
  add column app_registration_id uuid references app_registrations on delete restrict;
create index provider_connections_app on provider_connections (app_registration_id) where app_registration_id is not null;
