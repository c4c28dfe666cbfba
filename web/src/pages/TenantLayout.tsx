// Everything under /admin/t/{slug}: loads the tenant once (404 — missing or not entitled —
// renders the one "not found" page), shows its header and tabs, and hands it to the pages.
import { NavLink, Outlet, useOutletContext, useParams } from 'react-router-dom';
import { Guard } from '../components/States.tsx';
import { useResource } from '../hooks.ts';
import { membershipCan, useMembership } from '../session.tsx';
import type { Capability, SessionTenant, Tenant } from '../types.ts';

export interface TenantContext {
  tenant: Tenant;
  membership: SessionTenant | null;
  can: (capability: Capability) => boolean;
}

export function useTenant(): TenantContext {
  return useOutletContext<TenantContext>();
}

function unwrap(raw: unknown): Tenant {
  const r = raw as Record<string, unknown>;
  return (r.tenant ?? r) as Tenant;
}

export function TenantLayout() {
  const { slug = '' } = useParams();
  const r = useResource<unknown>(`/api/tenants/${encodeURIComponent(slug)}`);
  const membership = useMembership(slug);
  return (
    <Guard r={r}>
      {(raw) => {
        const tenant = unwrap(raw);
        const m: SessionTenant | null =
          membership ?? (tenant.role ? { id: tenant.id, slug: tenant.slug, name: tenant.name, role: tenant.role, capabilities: tenant.capabilities } : null);
        const ctx: TenantContext = { tenant, membership: m, can: (cap) => membershipCan(m, cap) };
        const base = `/admin/t/${encodeURIComponent(tenant.slug)}`;
        return (
          <div className="tenant" data-tenant={tenant.slug}>
            <div className="page-head">
              <div>
                <p className="eyebrow">Tenant</p>
                <h1>
                  {tenant.name} <span className={`badge tone-${tenant.status === 'active' ? 'good' : tenant.status === 'onboarding' ? 'info' : 'bad'}`}>{tenant.status}</span>
                </h1>
                <p className="muted small">
                  {tenant.slug}
                  {tenant.entraTenantId ? <> · Entra tenant {tenant.entraTenantId}</> : null}
                  {m ? <> · your role: {m.role}</> : null}
                </p>
              </div>
            </div>
            {tenant.statusNote ? (
              <div className="callout callout-error" id="status" role="status" data-testid="tenant-status-note">
                <p>{tenant.statusNote.message}</p>
              </div>
            ) : null}
            <nav className="tabs" aria-label="Tenant sections">
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
