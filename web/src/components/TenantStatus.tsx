// A tenant's status and, for its owner, the controls that change it: Rename, Suspend /
// Reactivate, Archive (confirmed first). This is where `tenant_not_operable` sends people
// (/admin/t/{slug}#status), so arriving with that anchor brings the block into view and puts
// the keyboard on its first control. Everyone else reads the status note, which names the
// owners who can change it. The API decides (owner only, allowed transitions); the buttons
// offered here are the ones it would accept.
import { useEffect, useState, type FormEvent } from 'react';
import { useLocation } from 'react-router-dom';
import { api, ApiError } from '../api.ts';
import type { SettableTenantStatus, Tenant } from '../types.ts';

/**
 * The next step of tenant_not_operable: on arriving at #status (once the tenant is on screen),
 * bring the block into view and put the keyboard on its first control. Keyed on the
 * navigation, not on the block, so a status change that re-renders it does not steal focus.
 */
export function useLandOnStatus(loaded: boolean): void {
  const location = useLocation();
  useEffect(() => {
    const el = loaded && location.hash === '#status' ? document.getElementById('status') : null;
    if (!el) return;
    el.scrollIntoView({ block: 'nearest' });
    (el.querySelector<HTMLElement>('.tenant-status-actions .button') ?? el).focus({ preventScroll: true });
    el.classList.add('highlight');
    const t = setTimeout(() => el.classList.remove('highlight'), 2500);
    return () => clearTimeout(t);
  }, [loaded, location.hash, location.key]);
}

type Status = SettableTenantStatus;
type Mode = 'idle' | 'rename' | 'archive';

// Suspended stops work that is expected to run; archived and onboarding are states by design.
const TONE: Record<string, string> = { suspended: 'callout-error', archived: 'callout-warn', onboarding: 'callout-warn' };

export function TenantStatus({ tenant, canManage, onChanged }: { tenant: Tenant; canManage: boolean; onChanged: () => void }) {
  const [mode, setMode] = useState<Mode>('idle');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState(tenant.name);
  const active = tenant.status === 'active';

  if (!canManage && !tenant.statusNote) return null;

  async function change(body: { status?: Status; name?: string }) {
    setBusy(true);
    setError(null);
    try {
      await api.patch(`/api/tenants/${encodeURIComponent(tenant.slug)}`, body);
      setMode('idle');
      onChanged();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  function rename(e: FormEvent) {
    e.preventDefault();
    void change({ name: name.trim() });
  }

  const s = tenant.status;
  return (
    <div
      id="status"
      tabIndex={-1}
      className={active ? 'tenant-status tenant-status-inline' : `callout ${TONE[s] ?? 'callout-error'} tenant-status`}
      role={active ? undefined : 'status'}
      data-testid={active ? 'tenant-status' : 'tenant-status-note'}
    >
      {tenant.statusNote ? <p>{tenant.statusNote.message}</p> : null}
      {canManage ? (
        <div className="tenant-status-actions" aria-label="Tenant status controls" role="group">
          {s === 'suspended' || s === 'archived' ? (
            <button type="button" className="button button-primary" disabled={busy} onClick={() => void change({ status: 'active' })}>
              Reactivate tenant
            </button>
          ) : null}
          {s === 'active' ? (
            <button type="button" className="button button-secondary" disabled={busy} onClick={() => void change({ status: 'suspended' })}>
              Suspend tenant
            </button>
          ) : null}
          {s === 'active' || s === 'suspended' ? (
            <button
              type="button"
              className="button button-secondary"
              disabled={busy}
              aria-expanded={mode === 'archive'}
              onClick={() => setMode(mode === 'archive' ? 'idle' : 'archive')}
            >
              Archive tenant
            </button>
          ) : null}
          <button
            type="button"
            className="button button-secondary"
            disabled={busy}
            aria-expanded={mode === 'rename'}
            onClick={() => {
              setName(tenant.name);
              setMode(mode === 'rename' ? 'idle' : 'rename');
            }}
          >
            Rename tenant
          </button>
        </div>
      ) : null}
      {canManage && mode === 'rename' ? (
        <form className="tenant-status-panel rename-form" onSubmit={rename}>
          <div className="field">
            <label htmlFor="tenant-name">Tenant name</label>
            <input id="tenant-name" value={name} maxLength={200} autoComplete="off" onChange={(e) => setName(e.target.value)} autoFocus />
          </div>
          <div className="head-actions">
            <button type="submit" className="button button-primary" disabled={busy || !name.trim() || name.trim() === tenant.name}>
              Save name
            </button>
            <button type="button" className="button button-secondary" onClick={() => setMode('idle')}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {canManage && mode === 'archive' ? (
        <div className="tenant-status-panel" role="alertdialog" aria-labelledby="archive-title" aria-describedby="archive-body">
          <p id="archive-title">
            <strong>Archive {tenant.name}?</strong>
          </p>
          <p id="archive-body">
            It leaves tenant lists and no operation can start for it; its runs stay visible in monitoring. An owner can reactivate it later.
          </p>
          <div className="head-actions">
            <button type="button" className="button button-danger" disabled={busy} onClick={() => void change({ status: 'archived' })}>
              Archive {tenant.name}
            </button>
            <button type="button" className="button button-secondary" onClick={() => setMode('idle')}>
              Keep it
            </button>
          </div>
        </div>
      ) : null}
      {error ? (
        <p className="callout-inline" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
