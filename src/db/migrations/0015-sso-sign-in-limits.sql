-- Sign in with Microsoft, and a sign-in limit that holds across processes.
--
-- users.entra_tenant_id / entra_object_id: the Microsoft account (tenant + object id, `tid` +
-- `oid`) linked to the user by their first Microsoft sign-in. Later sign-ins match on it, so
-- renaming the account's email in Entra keeps the link, and another Microsoft account that
-- comes to carry the same email is not taken for this user.
alter table users
  add column entra_tenant_id text,
  add column entra_object_id text;
create unique index users_entra_identity on users (entra_tenant_id, entra_object_id) where entra_object_id is not null;

-- One row per sign-in started at GET /api/auth/microsoft/start, consumed by its callback:
-- the state (only its SHA-256), the nonce and the PKCE verifier (sealed like a secret), the
-- redirect URI the authorize request named, and a hash of the random value in the browser's
-- short-lived binding cookie, so a callback only completes in the browser that started it.
create table sso_requests (
  state_hash text primary key,
  binding_hash text not null,
  nonce text not null,
  code_verifier text not null,
  redirect_uri text not null,
  next_path text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index sso_requests_expiry on sso_requests (expires_at);

-- Sign-in attempts per key (an account, a client address) in fixed windows. Every attempt is
-- counted by one upsert before the password is looked at, so parallel attempts on any number
-- of processes each get a distinct count and only the allowed number is ever evaluated.
-- Keys are SHA-256 hashes: what was typed into the email field is not kept.
create table sign_in_attempts (
  key_hash text primary key,
  window_started_at timestamptz not null,
  attempts integer not null
);
create index sign_in_attempts_window on sign_in_attempts (window_started_at);
