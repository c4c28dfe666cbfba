// /admin/members: the workspace's members (role, tenants; change or remove), open invitations
// (withdraw) and "Invite member". Owners only — the API answers 403 to anyone else, and the
// page says so instead of showing controls that would be refused.
import { useState } from 'react';
import { api, ApiError } from '../api.ts';
import { InviteForm } from '../components/InviteForm.tsx';
import { TenantPicker } from '../components/TenantPicker.tsx';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { formatDateTime } from '../format.ts';
import { useDocumentTitle, useResource } from '../hooks.ts';
import { ROLE_OPTIONS, roleLabel, tenantsLabel, type TenantsGrant } from '../members.ts';
import type { ItemList, Member, OpenInvitation } from '../types.ts';
import { listedTenants, useSession, useWorkspaceWith } from '../session.tsx';
import type { Role } from '../types.ts';

export function MembersPage() {
  useDocumentTitle('Members');
  const { session } = useSession();
  const ws = useWorkspaceWith('workspace.manage_members');
  const base = ws ? `/api/workspaces/${encodeURIComponent(ws.slug)}` : null;
  const members = useResource<ItemList<Member>>(base && `${base}/members`);
  const invitations = useResource<ItemList<OpenInvitation>>(base && `${base}/invitations`);
  const tenants = listedTenants(session?.tenants ?? []).map((t) => ({ slug: t.slug, name: t.name }));

  if (!ws) {
    return (
      <div className="stack">
        <h1>Members</h1>
        <div className="callout callout-info" role="status">
          Only workspace owners manage members. Ask an owner to invite colleagues or change roles.
        </div>
      </div>
    );
  }
  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>Members</h1>
          <p className="muted">Who works in {ws.name}, with which role, on which tenants.</p>
        </div>
      </div>
      <div className="grid-2 grid-2-wide-left">
        <InviteForm workspace={ws.slug} tenants={tenants} onInvited={invitations.reload} />
        <div className="stack">
          <section className="card card-flush" aria-label="Members">
            {members.error ? (
              <ErrorState error={members.error} onRetry={members.reload} />
            ) : !members.data ? (
              <Loading />
            ) : (
              <MembersTable base={base!} items={members.data.items} tenants={tenants} selfId={session?.user.id} onChanged={members.reload} />
            )}
          </section>
          <section className="card" aria-labelledby="open-invitations">
            <h2 className="card-title" id="open-invitations">
              Open invitations
            </h2>
            {invitations.error ? (
              <ErrorState error={invitations.error} />
            ) : !invitations.data ? (
              <Loading />
            ) : (
              <InvitationsTable base={base!} items={invitations.data.items} onChanged={invitations.reload} />
            )}
          </section>
        </div>
      </div>
    </div>
  );
}

function MembersTable({
  base,
  items,
  tenants,
  selfId,
  onChanged,
}: {
  base: string;
  items: Member[];
  tenants: { slug: string; name: string }[];
  selfId?: string;
  onChanged(): void;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function removeMember(m: Member) {
    if (!window.confirm(`Remove ${m.user.email} from the workspace? They are signed out at once.`)) return;
    setError(null);
    try {
      await api.del(`${base}/members/${m.user.id}`);
      onChanged();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  }

  return (
    <>
      {error ? (
        <div className="callout callout-error" role="alert" style={{ margin: 12 }}>
          {error}
        </div>
      ) : null}
      <table className="table" data-testid="members-table">
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Role</th>
            <th scope="col">Tenants</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((m) =>
            editing === m.user.id ? (
              <tr key={m.user.id} data-member={m.user.email}>
                <td colSpan={4}>
                  <MemberEditor
                    base={base}
                    member={m}
                    tenants={tenants}
                    onDone={(changed) => {
                      setEditing(null);
                      if (changed) onChanged();
                    }}
                  />
                </td>
              </tr>
            ) : (
              <tr key={m.user.id} data-member={m.user.email}>
                <th scope="row">
                  {m.user.displayName}
                  {m.user.id === selfId ? <span className="muted small"> (you)</span> : null}
                  <div className="muted small">{m.user.email}</div>
                </th>
                <td>{roleLabel(m.role)}</td>
                <td>{tenantsLabel(m.tenants)}</td>
                <td style={{ whiteSpace: 'nowrap' }}>
                  <button type="button" className="link-button" onClick={() => setEditing(m.user.id)} aria-label={`Change ${m.user.email}`}>
                    Change
                  </button>{' '}
                  ·{' '}
                  <button type="button" className="link-button" onClick={() => void removeMember(m)} aria-label={`Remove ${m.user.email}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </>
  );
}

function MemberEditor({
  base,
  member,
  tenants,
  onDone,
}: {
  base: string;
  member: Member;
  tenants: { slug: string; name: string }[];
  onDone(changed: boolean): void;
}) {
  const [role, setRole] = useState<Role>(member.role);
  const [grant, setGrant] = useState<TenantsGrant>(member.tenants === 'all' ? 'all' : member.tenants.map((t) => t.slug));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function save() {
    if (grant !== 'all' && grant.length === 0) return setError('Choose at least one tenant, or all tenants.');
    setBusy(true);
    setError(null);
    try {
      await api.patch(`${base}/members/${member.user.id}`, { role, tenants: grant });
      onDone(true);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setBusy(false);
    }
  }

  return (
    <div className="stack" aria-label={`Change ${member.user.email}`} role="group">
      <strong>{member.user.email}</strong>
      {error ? (
        <div className="callout callout-error" role="alert">
          {error}
        </div>
      ) : null}
      <div className="field">
        <label htmlFor={`role-${member.user.id}`}>Role</label>
        <select id={`role-${member.user.id}`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLE_OPTIONS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label} — {o.hint}
            </option>
          ))}
        </select>
      </div>
      <TenantPicker id={`member-${member.user.id}`} tenants={tenants} value={grant} onChange={setGrant} disabled={busy} />
      <div>
        <button type="button" className="button button-primary" disabled={busy} onClick={() => void save()}>
          Save changes
        </button>{' '}
        <button type="button" className="button button-secondary" disabled={busy} onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function InvitationsTable({ base, items, onChanged }: { base: string; items: OpenInvitation[]; onChanged(): void }) {
  if (!items.length) return <Empty title="No open invitations" />;
  return (
    <table className="table table-compact" data-testid="invitations-table">
      <thead>
        <tr>
          <th scope="col">Email</th>
          <th scope="col">Role</th>
          <th scope="col">Tenants</th>
          <th scope="col">Expires</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {items.map((i) => (
          <tr key={i.id}>
            <td>{i.email}</td>
            <td>{roleLabel(i.role)}</td>
            <td>{tenantsLabel(i.tenants)}</td>
            <td>{i.status === 'expired' ? <span className="badge tone-warn">expired</span> : formatDateTime(i.expiresAt)}</td>
            <td>
              <button
                type="button"
                className="link-button"
                aria-label={`Withdraw invitation for ${i.email}`}
                onClick={() => void api.del(`${base}/invitations/${i.id}`).then(onChanged)}
              >
                Withdraw
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
