-- Connection lifecycle: deleting a connection, and certificate credentials.
--
-- 1. A connection can be deleted (DELETE /api/provider-connections/{id}). Past runs keep what
--    they were: the delete stamps each pinned run's context with the connection's id and name
--    and the foreign key sets provider_connection_id to null, so the run view still names the
--    connection (src/presenter/run.ts). The delete refuses while a queued or running run holds
--    the connection, under the admission's advisory lock on that connection, so the partial
--    unique index "one active run per connection" never sees a null from a delete: only
--    completed runs lose the reference. An onboarding session forgets a deleted connection
--    the same way (its wizard then asks for a connection again).
-- 2. Certificate credentials: opsgate generates the key pair. The public certificate is kept
--    (it is shown again for upload to the app registration); the private key is sealed with
--    the same secret box as client secrets and never leaves the server. certificate_thumbprint
--    (already there) holds the SHA-256 thumbprint, base64url, as Entra's x5t#S256.
alter table operation_runs
  drop constraint operation_runs_provider_connection_id_fkey,
  add constraint operation_runs_provider_connection_id_fkey
    foreign key (provider_connection_id) references provider_connections on delete set null;

alter table onboarding_sessions
  drop constraint onboarding_sessions_provider_connection_id_fkey,
  add constraint onboarding_sessions_provider_connection_id_fkey
    foreign key (provider_connection_id) references provider_connections on delete set null;

alter table provider_connections
  add column certificate_pem text,
  add column private_key_ciphertext text,
  -- A certificate connection holds all three or none: readiness reads only the thumbprint.
  add constraint provider_connections_certificate_complete check (
    (certificate_pem is null) = (private_key_ciphertext is null)
    and (certificate_pem is null or certificate_thumbprint is not null)
  );
