-- First run (docs/API.md "Setup, workspaces, members and invitations").
--
-- 1. A role on the workspace itself. Tenant roles (tenant_memberships) say what a member may
--    do on a tenant; workspace-level capabilities (workspace.manage_members, onboarding a new
--    tenant, ...) need a role that does not depend on having tenants: the owner created by
--    the first-run setup has none yet. Owning one tenant must not make someone an owner of
--    the workspace (whoever onboards a tenant owns that tenant), so this is its own column.
--    Existing members get their highest role on the workspace's tenants.
alter table workspace_members
  add column role text not null default 'readonly' check (role in ('owner', 'manager', 'operator', 'readonly'));

update workspace_members wm
set role = best.role
from (
  select t.workspace_id, m.user_id,
         (array['owner', 'manager', 'operator', 'readonly'])[min(array_position(array['owner', 'manager', 'operator', 'readonly'], m.role))] as role
  from tenant_memberships m
  join tenants t on t.id = m.tenant_id
  group by t.workspace_id, m.user_id
) best
where best.workspace_id = wm.workspace_id and best.user_id = wm.user_id;

create index workspace_members_user on workspace_members (user_id);

-- 2. Setup tokens: every serve/start process that finds no user prints a URL with a fresh
--    random token; only its SHA-256 is stored, so any process behind the same database
--    accepts it and a leaked table cannot be replayed. The setup that succeeds deletes them
--    all (once a user exists, setup is refused whatever the token).
create table setup_tokens (
  token_hash text primary key,
  created_at timestamptz not null default now()
);
