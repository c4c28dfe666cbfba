-- Admin-consent round trips: the `state` sent to Microsoft is a random token whose hash is
-- stored here, bound to the signed-in session and the connection, single use, short-lived.
create table consent_requests (
  state_hash text primary key,
  user_id uuid not null references users on delete cascade,
  http_session_id text not null,
  provider_connection_id uuid not null references provider_connections on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index consent_requests_connection on consent_requests (provider_connection_id);
