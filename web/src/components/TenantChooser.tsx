// Which tenants a bulk start or a schedule covers: "All active tenants", or hand-picked from a
// searchable checkbox list of the user's tenants (archived ones left out). Tenants where the
// user's role lacks the operation's capability stay pickable — the answer for them is
// "forbidden" — but say so beforehand.
import { useId, useMemo, useState } from 'react';
import { useCurrentWorkspace } from '../attention.ts';
import { listedTenants, membershipCan, useSession, useWorkspaceWith } from '../session.tsx';
import type { Capability, SessionTenant, SessionWorkspace, TenantSelection } from '../types.ts';
import { PickList } from './PickList.tsx';

interface Props {
  value: TenantSelection;
  onChange(v: TenantSelection): void;
  /** The chosen operation's capability, to mark the tenants where it would be forbidden. */
  capability?: Capability | null;
  error?: string | null;
  /** What "all" means here (a schedule's "all" is every active tenant when it fires). */
  allHint?: string;
}

/** The workspace this page acts on: the first where the role grants `capability`, else the shell's. */
export function useFleetWorkspace(capability: Capability): { ws: SessionWorkspace | null; can: boolean } {
  const withCap = useWorkspaceWith(capability);
  const current = useCurrentWorkspace();
  const ws = withCap ?? current;
  return { ws, can: !!ws?.capabilities.includes(capability) };
}

export const activeTenants = (tenants: readonly SessionTenant[]) => tenants.filter((t) => t.status === 'active');

export function TenantChooser({ value, onChange, capability, error, allHint }: Props) {
  const id = useId();
  const { session } = useSession();
  const [filter, setFilter] = useState('');
  const tenants = listedTenants(session?.tenants ?? []);
  const active = activeTenants(tenants);
  const picked = useMemo(() => (value === 'all' ? [] : value), [value]);
  const pickedSet = useMemo(() => new Set(picked), [picked]);
  const q = filter.trim().toLowerCase();
  const shown = q ? tenants.filter((t) => t.name.toLowerCase().includes(q) || t.slug.includes(q)) : tenants;

  function toggle(slug: string, on: boolean) {
    onChange(on ? [...picked.filter((s) => s !== slug), slug] : picked.filter((s) => s !== slug));
  }

  return (
    <fieldset className="field tenant-chooser" aria-describedby={error ? `${id}-error` : undefined}>
      <legend>Tenants</legend>
      <div className="tenant-mode">
        <label className="check">
          <input type="radio" name={`${id}-mode`} checked={value === 'all'} onChange={() => onChange('all')} />
          All active tenants <span className="muted">({active.length})</span>
        </label>
        <label className="check">
          <input type="radio" name={`${id}-mode`} checked={value !== 'all'} onChange={() => onChange(picked)} />
          Choose tenants
        </label>
      </div>
      {value === 'all' && allHint ? <p className="help">{allHint}</p> : null}
      {value !== 'all' ? (
        <div className="tenant-pick">
          <div className="tenant-pick-head">
            <input type="search" aria-label="Filter tenants" placeholder="Filter tenants" value={filter} onChange={(e) => setFilter(e.target.value)} />
            <button type="button" className="link-button" onClick={() => onChange([...new Set([...picked, ...shown.map((t) => t.slug)])])}>
              Select {q ? 'shown' : 'all'}
            </button>
            <button type="button" className="link-button" onClick={() => onChange([])} disabled={picked.length === 0}>
              Clear
            </button>
            <span className="muted">{picked.length} selected</span>
          </div>
          <PickList
            className="tenant-pick-list"
            label="Tenants to include"
            items={shown}
            itemKey={(t) => t.id}
            render={(t) => (
              <label className="check">
                <input type="checkbox" checked={pickedSet.has(t.slug)} onChange={(e) => toggle(t.slug, e.target.checked)} data-tenant={t.slug} />
                {t.name}
                {t.status !== 'active' ? <span className="badge tone-muted">{t.status}</span> : null}
                {capability && !membershipCan(t, capability) ? <span className="subtle-inline">your role ({t.role}) cannot: answered forbidden</span> : null}
              </label>
            )}
            empty={<li className="muted">No tenant matches “{filter}”.</li>}
          />
        </div>
      ) : null}
      {error ? (
        <p className="callout-inline" id={`${id}-error`} role="alert">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
