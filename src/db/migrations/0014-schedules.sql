-- Schedules: one operation on many tenants of a workspace at the times a cron expression names,
-- in a time zone. Each firing is a bulk start with trigger "scheduled" and no initiator.
--
-- Exactly once, however many processes tick: a process claims a due schedule with one
-- conditional update that moves next_fire_at past now() (FOR UPDATE SKIP LOCKED), and records
-- the firing in the same transaction (unique per schedule and instant). Missed firings collapse:
-- after downtime the due schedule fires once, for the instant it was due, and next_fire_at
-- jumps to the next instant after now. A firing whose process died before its bulk start
-- finished (bulk_operation_id still null) is taken over once by another process.
create table schedules (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces on delete cascade,
  name text not null,
  type text not null,
  selection jsonb not null,
  cron text not null,
  timezone text not null,
  enabled boolean not null default true,
  next_fire_at timestamptz,
  created_by uuid references users on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, name)
);
create index schedules_due on schedules (next_fire_at) where enabled;

create table schedule_firings (
  id uuid primary key default gen_random_uuid(),
  schedule_id uuid not null references schedules on delete cascade,
  -- the instant the schedule was due (not when a process got to it)
  fired_at timestamptz not null,
  claimed_at timestamptz not null default now(),
  claimed_by text not null,
  bulk_operation_id uuid references bulk_operations on delete set null,
  counts jsonb,
  unique (schedule_id, fired_at)
);
create index schedule_firings_unfinished on schedule_firings (claimed_at) where bulk_operation_id is null;
