-- Needs attention and webhooks (docs/API.md "Needs attention, and webhooks").
--
-- Webhooks are fed by an outbox *read*, never by the gate: a periodic task in the workers reads
-- runs that completed (or were recorded blocked) since a stored watermark and writes one
-- delivery per subscribed webhook; each delivery is then sent by a `webhook.deliver` job. The
-- admission statement (0004) is untouched, so a start costs what it cost before.

create table webhooks (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces on delete cascade,
  url text not null,
  events text[] not null check (cardinality(events) > 0),
  -- sealed with the process's secret box (AES-256-GCM); never returned by any API
  secret_ciphertext text not null,
  created_by uuid references users on delete set null,
  created_at timestamptz not null default now()
);
create index webhooks_workspace on webhooks (workspace_id, created_at);

create table webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  webhook_id uuid not null references webhooks on delete cascade,
  workspace_id uuid not null references workspaces on delete cascade,
  event text not null,
  -- what the event is about (a run id, an attention item's key and when it was raised): with
  -- the unique key below, an outbox scan that reads the same run twice enqueues it once
  subject text not null,
  -- the exact bytes sent (and signed) on every attempt
  body text not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  last_attempt_at timestamptz,
  -- pending: when the next attempt may start (also a claim's lease, so two jobs for one
  -- delivery never both send it); null once delivered or failed
  next_attempt_at timestamptz default now(),
  delivered_at timestamptz,
  unique (webhook_id, event, subject)
);
create index webhook_deliveries_webhook on webhook_deliveries (webhook_id, created_at desc);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';

-- One global watermark for the run outbox: the last completed_at the scan has handed out.
-- A row lock on it (FOR UPDATE SKIP LOCKED) lets one process scan at a time.
create table webhook_outbox (
  name text primary key,
  watermark timestamptz not null
);
insert into webhook_outbox (name, watermark) values ('runs', now());

-- The outbox reads runs by completion time. Partial: queued and running runs never enter it,
-- so admission inserts do not maintain it (blocked records do: they are completed at once).
create index operation_runs_completed_at on operation_runs (completed_at) where completed_at is not null;

-- "Last scheduled run failed" (needs attention): the newest completed scheduled run of each
-- tenant and type is one index probe. Operator starts never enter this index.
create index operation_runs_last_scheduled on operation_runs (tenant_id, type, created_at desc)
  where trigger = 'scheduled' and status = 'completed';

-- attention.raised: the attention items open at the last scan of a workspace. An item whose
-- key is not in the set is new (raised); keys that are no longer open leave the set, so an
-- item that comes back is raised again. Kept only for workspaces with an attention.raised
-- webhook; the first scan of a workspace records what is open without raising it.
create table attention_open (
  workspace_id uuid not null references workspaces on delete cascade,
  key text not null,
  raised_at timestamptz not null default now(),
  primary key (workspace_id, key)
);
create table attention_scans (
  workspace_id uuid primary key references workspaces on delete cascade,
  scanned_at timestamptz not null
);
