-- Sessions end after a while without use, as well as at their absolute end (expires_at):
-- last_seen_at is when the session was last used by its person (src/http/auth.ts), written
-- at most once a minute per session so that requests do not each cost a write.
alter table http_sessions add column last_seen_at timestamptz not null default now();
