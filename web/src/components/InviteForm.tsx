// "Invite member": email, role, tenants. The answer's link is shown here once (the server
// keeps only a hash of its token), with a way to copy it.
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { ROLE_OPTIONS, type TenantsGrant } from '../members.ts';
import type { CreatedInvitation } from '../types.ts';
import type { Role } from '../types.ts';
import { formatDateTime } from '../format.ts';
import { TenantPicker } from './TenantPicker.tsx';

export function InviteForm({ workspace, tenants, onInvited }: { workspace: string; tenants: { slug: string; name: string }[]; onInvited(): void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [grant, setGrant] = useState<TenantsGrant>('all');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  const [copied, setCopied] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!email.trim()) return setError('Enter the email address to invite.');
    if (grant !== 'all' && grant.length === 0) return setError('Choose at least one tenant, or all tenants.');
    setBusy(true);
    setError(null);
    try {
      const inv = await api.post<CreatedInvitation>(`/api/workspaces/${encodeURIComponent(workspace)}/invitations`, {
        email: email.trim(),
        role,
        tenants: grant,
      });
      setCreated(inv);
      setCopied(false);
      setEmail('');
      onInvited();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  async function copy() {
    if (!created) return;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- undefined outside a secure context (plain http), whatever the DOM types say
    await navigator.clipboard?.writeText(created.url).then(
      () => setCopied(true),
      () => undefined,
    );
  }

  return (
    <section className="card" aria-labelledby="invite-title">
      <h2 className="card-title" id="invite-title">
        Invite member
      </h2>
      {created ? (
        <div className="callout callout-good" role="status" data-testid="invitation-link">
          <strong>Invitation for {created.email} created.</strong>
          <p>Send them this link. It is shown only now, works once, and expires {formatDateTime(created.expiresAt)}.</p>
          <p>
            <input aria-label="Invitation link" readOnly value={created.url} style={{ width: '100%' }} onFocus={(e) => e.target.select()} />
          </p>
          <p>
            <button type="button" className="button button-secondary" onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy link'}
            </button>
          </p>
        </div>
      ) : null}
      {error ? (
        <div className="callout callout-error" role="alert">
          {error}
        </div>
      ) : null}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor="invite-email">Email</label>
          <input id="invite-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLE_OPTIONS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label} — {o.hint}
              </option>
            ))}
          </select>
        </div>
        <TenantPicker id="invite" tenants={tenants} value={grant} onChange={setGrant} />
        <button type="submit" className="button button-primary" disabled={busy}>
          Create invitation
        </button>
      </form>
    </section>
  );
}
