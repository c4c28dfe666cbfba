// /admin/tenants: every tenant the user may see, with readiness at a glance — default
// connection and its state, last verification, and what is running right now. Archived
// tenants only with "Show archived" (?include=archived, the API's own switch).
import { Link, useSearchParams } from 'react-router-dom';
import { Fact, headlineFact, verificationFact } from '../components/Readiness.tsx';
import { RunBadge } from '../components/RunsTable.tsx';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { isActive } from '../format.ts';
import { useDocumentTitle, useNow, useResource } from '../hooks.ts';
import { operationTitle } from '../operations.ts';
import type { ProviderConnection, Run, Tenant } from '../types.ts';

export function TenantsPage() {
  useDocumentTitle('Tenants');
  const [params, setParams] = useSearchParams();
  const withArchived = params.get('include') === 'archived';
  const tenants = useResource<{ items: Tenant[] }>(withArchived ? '/api/tenants?include=archived' : '/api/tenants');
  const queued = useResource<{ items: Run[] }>('/api/operations?status=queued', { idleIntervalMs: 3000, poll: (d) => d.items.length > 0 });
  const running = useResource<{ items: Run[] }>('/api/operations?status=running', { idleIntervalMs: 3000, poll: (d) => d.items.length > 0 });
  const active = [...(running.data?.items ?? []), ...(queued.data?.items ?? [])].filter(isActive);
  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>Tenants</h1>
          <p className="muted">Customer tenants you manage, and whether operations can start for them right now.</p>
        </div>
        <div className="head-actions">
          <label className="check">
            <input type="checkbox" checked={withArchived} onChange={(e) => setParams(e.target.checked ? { include: 'archived' } : {})} />
            Show archived
          </label>
          <Link to="/admin/onboarding" className="button button-secondary">
            Onboard a tenant
          </Link>
        </div>
      </div>
      <section className="card card-flush">
        {tenants.error ? (
          <ErrorState error={tenants.error} onRetry={tenants.reload} />
        ) : !tenants.data ? (
          <Loading />
        ) : tenants.data.items.length === 0 ? (
          <Empty title="No tenants yet">
            <Link to="/admin/onboarding">Onboard your first tenant</Link>
          </Empty>
        ) : (
          <table className="table" data-testid="tenants-table">
            <thead>
              <tr>
                <th scope="col">Tenant</th>
                <th scope="col">Status</th>
                <th scope="col">Default connection</th>
                <th scope="col">Readiness</th>
                <th scope="col">Last verification</th>
                <th scope="col">Active run</th>
              </tr>
            </thead>
            <tbody>
              {tenants.data.items.map((t) => (
                <TenantRow key={t.id} tenant={t} active={active.filter((r) => r.tenant.id === t.id || r.tenant.slug === t.slug)} />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function TenantRow({ tenant, active }: { tenant: Tenant; active: Run[] }) {
  const now = useNow(30_000);
  const conns = useResource<{ items: ProviderConnection[] }>(`/api/tenants/${encodeURIComponent(tenant.slug)}/provider-connections`);
  const def = conns.data?.items.find((c) => c.isDefault) ?? null;
  const operable = tenant.status === 'active';
  return (
    <tr data-tenant={tenant.slug}>
      <th scope="row">
        <Link to={`/admin/t/${encodeURIComponent(tenant.slug)}`} className="strong-link">
          {tenant.name}
        </Link>
        <div className="muted small">{tenant.slug}</div>
      </th>
      <td>
        <span className={`badge tone-${operable ? 'good' : tenant.status === 'onboarding' ? 'info' : 'bad'}`}>{tenant.status}</span>
      </td>
      <td>
        {!conns.data ? (
          conns.error ? <span className="muted">—</span> : <span className="muted">…</span>
        ) : def ? (
          <Link to={`/admin/provider-connections/${def.id}`}>{def.name}</Link>
        ) : (
          <span className="muted">{conns.data.items.length ? 'none set as default' : 'none'}</span>
        )}
      </td>
      <td>
        {!conns.data ? null : !operable ? (
          <Fact tone="bad" text={`Tenant ${tenant.status}`} />
        ) : def ? (
          <Fact {...headlineFact(def, now)} />
        ) : (
          <Fact tone="bad" text="No default connection" />
        )}
      </td>
      <td>{def ? <Fact {...verificationFact(def, now)} /> : <span className="muted">—</span>}</td>
      <td>
        {active.length ? (
          <ul className="plain-list">
            {active.map((r) => (
              <li key={r.id}>
                <Link to={`/admin/operations/${r.id}`}>{r.title ?? operationTitle(r.type)}</Link> <RunBadge run={r} />
              </li>
            ))}
          </ul>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
}
