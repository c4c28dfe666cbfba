-- Members and invitations (docs/API.md "Setup, workspaces, members and invitations").
--
-- 1. "All tenants" is a grant on the workspace membership, not a snapshot: a member invited
--    with tenants "all" must also get the tenants added later. Every read of access keeps
--    using tenant_memberships (one join, everywhere), and a trigger on tenants writes the
--    rows for members with all_tenants. It is a deferred constraint trigger: it runs at the
--    end of the transaction that created the tenant, after that transaction's own membership
--    rows (onboarding makes its creator the tenant's owner), and never overrides them.
--    Existing members who already hold every tenant of their workspace are marked "all".
alter table workspace_members add column all_tenants boolean not null default false;

update workspace_members wm
set all_tenants = true
where exists (select 1 from tenants t where t.workspace_id = wm.workspace_id)
  and not exists (
    select 1 from tenants t
    where t.workspace_id = wm.workspace_id
      and not exists (select 1 from tenant_memberships m where m.tenant_id = t.id and m.user_id = wm.user_id)
  );

create function opsgate_grant_all_tenants() returns trigger language plpgsql as $$
begin
  insert into tenant_memberships (tenant_id, user_id, role)
  select new.id, wm.user_id, wm.role
  from workspace_members wm
  where wm.workspace_id = new.workspace_id and wm.all_tenants
  on conflict (tenant_id, user_id) do nothing;
  return null;
end
$$;

create constraint trigger tenants_grant_all_tenants
  after insert on tenants
  deferrable initially deferred
  for each row execute function opsgate_grant_all_tenants();

-- 2. Invitations: the URL carries a random token; only its SHA-256 is stored. Single use
--    (accepted_at), valid 7 days (expires_at), revocable (revoked_at; a new invitation for the
--    same email in the same workspace revokes the pending one). The tenants are kept as ids
--    ("all" as all_tenants), so renaming a tenant's slug does not break a pending invitation.
create table invitations (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces on delete cascade,
  email text not null check (email = lower(email)),
  role text not null check (role in ('owner', 'manager', 'operator', 'readonly')),
  all_tenants boolean not null,
  tenant_ids uuid[] not null default '{}',
  token_hash text not null unique,
  invited_by uuid references users on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_by uuid references users on delete set null,
  revoked_at timestamptz,
  check (all_tenants or cardinality(tenant_ids) > 0)
);
create index invitations_workspace on invitations (workspace_id, created_at desc);
create index invitations_pending_email on invitations (workspace_id, email) where accepted_at is null and revoked_at is null;
