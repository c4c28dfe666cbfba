// Everything under /admin/t/{slug}: loads the tenant once (404 — missing or not entitled —
// renders the one "not found" page), shows its header and tabs, and hands it to the pages.
import { useEffect, useRef, useState } from 'react';
import { NavLink, Outlet, useLocation, useOutletContext, useParams } from 'react-router-dom';
import { peekPreloaded, preload } from '../api.ts';
import { Guard } from '../components/States.tsx';
import { TenantStatus, useLandOnStatus } from '../components/TenantStatus.tsx';
import { announceChange, useResource } from '../hooks.ts';
import { membershipCan, useMembership, useSession } from '../session.tsx';
import type { Capability, SessionTenant, Tenant } from '../types.ts';

// Opened directly (a bookmark, a reload): the tenant is asked for while the console starts,
// beside the session, not after it.
{
  const m = typeof window === 'undefined' ? null : /^\/admin\/t\/([^/]+)/.exec(window.location.pathname);
  if (m) preload(`/api/tenants/${encodeURIComponent(decodeURIComponent(m[1]!))}`);
}

export interface TenantContext {
  tenant: Tenant;
  membership: SessionTenant;
  can: (capability: Capability) => boolean;
}

export function useTenant(): TenantContext {
  return useOutletContext<TenantContext>();
}

export function TenantLayout() {
  const { slug = '' } = useParams();
  const url = `/api/tenants/${encodeURIComponent(slug)}`;
  // Opened directly: the tenant asked for while the console started is shown by the first
  // render; useResource's first read takes the same answer.
  const [first] = useState(() => ({ url, data: peekPreloaded<Tenant>(url) }));
  const loaded = useResource<Tenant>(url);
  const r = loaded.data || loaded.error || first.url !== url || first.data === undefined ? loaded : { ...loaded, data: first.data, loading: false };
  const membership = useMembership(slug);
  const { refresh } = useSession();
  // On a narrow screen the tabs scroll sideways: keep the current one in view.
  const tabs = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  useEffect(() => {
    const active = tabs.current?.querySelector<HTMLElement>('.tab.active');
    if (active && tabs.current && tabs.current.scrollWidth > tabs.current.clientWidth)
      tabs.current.scrollLeft = active.offsetLeft - tabs.current.offsetLeft - 12;
  }, [pathname, r.data]);
  useLandOnStatus(r.data !== null);
  // A status change moves start hints, run lists and tenant pickers: reload them all.
  const changed = () => {
    announceChange();
    void refresh();
  };
  return (
    <Guard r={r}>
      {(tenant) => {
        // The tenant's answer carries the viewer's role and capabilities too (a tenant the session does not list yet).
        const m: SessionTenant = membership ?? tenant;
        const ctx: TenantContext = { tenant, membership: m, can: (cap) => membershipCan(m, cap) };
        const base = `/admin/t/${encodeURIComponent(tenant.slug)}`;
        // Owners of an active tenant find the controls beside its name; a tenant that is not
        // active says so in a note under the header, with the controls inside it.
        const status = <TenantStatus key={tenant.status} tenant={tenant} canManage={ctx.can('tenant.manage')} onChanged={changed} />;
        return (
          <div className="tenant" data-tenant={tenant.slug}>
            <div className="page-head">
              <div>
                <p className="eyebrow">Tenant</p>
                <h1>
                  {tenant.name}{' '}
                  <span className={`badge tone-${tenant.status === 'active' ? 'good' : tenant.status === 'onboarding' ? 'info' : 'bad'}`}>{tenant.status}</span>
                </h1>
                <p className="muted small">
                  {tenant.slug}
                  {tenant.entraTenantId ? <> · Entra tenant {tenant.entraTenantId}</> : null}
                  <> · your role: {m.role}</>
                </p>
              </div>
              {tenant.status === 'active' ? status : null}
            </div>
            {tenant.status === 'active' ? null : status}
            <nav className="tabs" aria-label="Tenant sections" ref={tabs}>
              <NavLink end to={base} className={({ isActive }) => `tab${isActive ? ' active' : ''}`}>
                Overview
              </NavLink>
              <NavLink to={`${base}/groups`} className={({ isActive }) => `tab${isActive ? ' active' : ''}`}>
                Groups
              </NavLink>
              <NavLink to={`${base}/role-definitions`} className={({ isActive }) => `tab${isActive ? ' active' : ''}`}>
                Role definitions
              </NavLink>
              <NavLink to={`${base}/inventory`} className={({ isActive }) => `tab${isActive ? ' active' : ''}`}>
                Inventory
              </NavLink>
              <NavLink to={`${base}/backups`} className={({ isActive }) => `tab${isActive ? ' active' : ''}`}>
                Backups
              </NavLink>
              <NavLink to={`/admin/operations?tenant=${encodeURIComponent(tenant.slug)}`} className="tab">
                Operations
              </NavLink>
            </nav>
            <Outlet context={ctx} />
          </div>
        );
      }}
    </Guard>
  );
}
