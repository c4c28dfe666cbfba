// /admin/tenants: every tenant the user may see, with readiness at a glance — default
// connection and its state, last verification, and what is running right now. Archived
// tenants only with "Show archived" (?include=archived, the API's own switch). An MSP may
// hold thousands: the list is searched (name or slug), sorted and paged by the API.
import { useId } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { ListCount, ListSearch, Pager } from '../components/DataTable.tsx';
import { Fact, headlineFact, verificationFact } from '../components/Readiness.tsx';
import { RunBadge } from '../components/RunsTable.tsx';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { isActive } from '../format.ts';
import { useDocumentTitle, useNow, useResource } from '../hooks.ts';
import { useServerList, type ServerList } from '../lists.ts';
import type { ItemList, ProviderConnection, Run, RunPage, TenantSummary } from '../types.ts';

export function TenantsPage() {
  useDocumentTitle('Tenants');
  const [params, setParams] = useSearchParams();
  const withArchived = params.get('include') === 'archived';
  const tenants = useServerList<TenantSummary>('/api/tenants', { defaultSort: 'name', params: { include: withArchived ? 'archived' : undefined } });
  const statusId = useId();
  const queued = useResource<RunPage>('/api/operations?status=queued', { idleIntervalMs: 3000, poll: (d) => d.items.length > 0 });
  const running = useResource<RunPage>('/api/operations?status=running', { idleIntervalMs: 3000, poll: (d) => d.items.length > 0 });
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
            <input
              type="checkbox"
              checked={withArchived}
              onChange={(e) =>
                setParams((prev) => {
                  const next = new URLSearchParams(prev);
                  if (e.target.checked) next.set('include', 'archived');
                  else next.delete('include');
                  return next;
                })
              }
            />
            Show archived
          </label>
          <Link to="/admin/onboarding" className="button button-secondary">
            Onboard a tenant
          </Link>
        </div>
      </div>
      <section className="card card-flush" aria-labelledby="tenants-list-title">
        <div className="card-head list-head card-head-padded">
          <h2 className="card-title" id="tenants-list-title">
            Tenant list <ListCount list={tenants} />
          </h2>
          <ListSearch list={tenants} id="tenant-search" label="Search tenants" placeholder="Name or slug" />
        </div>
        {tenants.error ? (
          <ErrorState error={tenants.error} onRetry={tenants.reload} />
        ) : !tenants.data ? (
          <Loading />
        ) : tenants.items.length === 0 ? (
          tenants.q ? (
            <Empty title={`No tenant matches “${tenants.q}”`}>
              <button type="button" className="link-button" onClick={() => tenants.setSearch('')}>
                Clear the search
              </button>
            </Empty>
          ) : (
            <Empty title="No tenants yet">
              <Link to="/admin/onboarding">Onboard your first tenant</Link>
            </Empty>
          )
        ) : (
          <>
            <div className="data-table-wrap">
              <table className="table data-table" data-testid="tenants-table" aria-labelledby="tenants-list-title" aria-describedby={statusId}>
                <thead>
                  <tr>
                    <SortHeader list={tenants} label="Tenant" asc="name" desc="-name" />
                    <th scope="col">Status</th>
                    <th scope="col">Default connection</th>
                    <th scope="col">Readiness</th>
                    <th scope="col">Last verification</th>
                    <th scope="col">Active run</th>
                  </tr>
                </thead>
                <tbody>
                  {tenants.items.map((t) => (
                    <TenantRow key={t.id} tenant={t} active={active.filter((r) => r.tenant.id === t.id || r.tenant.slug === t.slug)} />
                  ))}
                </tbody>
              </table>
            </div>
            <Pager list={tenants} noun="tenants" statusId={statusId} />
          </>
        )}
      </section>
    </div>
  );
}

/** A column header that sorts the list on the server (aria-sort says how it is sorted now). */
function SortHeader<T>({ list, label, asc, desc }: { list: ServerList<T>; label: string; asc: string; desc: string }) {
  const dir = list.sort === asc ? 'ascending' : list.sort === desc ? 'descending' : 'none';
  return (
    <th scope="col" aria-sort={dir}>
      <button type="button" className="sort-button" onClick={() => list.setSort(dir === 'ascending' ? desc : asc)}>
        {label}
        <span className="sort-mark" aria-hidden="true">
          {dir === 'ascending' ? '▲' : dir === 'descending' ? '▼' : '↕'}
        </span>
      </button>
    </th>
  );
}

function TenantRow({ tenant, active }: { tenant: TenantSummary; active: Run[] }) {
  const now = useNow(30_000);
  const conns = useResource<ItemList<ProviderConnection>>(`/api/tenants/${encodeURIComponent(tenant.slug)}/provider-connections`);
  const def = conns.data?.items.find((c) => c.isDefault) ?? null;
  const operable = tenant.status === 'active';
  return (
    <tr data-tenant={tenant.slug}>
      <th scope="row" data-label="Tenant">
        <Link to={`/admin/t/${encodeURIComponent(tenant.slug)}`} className="strong-link">
          {tenant.name}
        </Link>
        <div className="muted small">{tenant.slug}</div>
      </th>
      <td data-label="Status">
        <span className={`badge tone-${operable ? 'good' : tenant.status === 'onboarding' ? 'info' : 'bad'}`}>{tenant.status}</span>
      </td>
      <td data-label="Default connection">
        {!conns.data ? (
          conns.error ? (
            <span className="muted">—</span>
          ) : (
            <span className="muted">…</span>
          )
        ) : def ? (
          <Link to={`/admin/provider-connections/${def.id}`}>{def.name}</Link>
        ) : (
          <span className="muted">{conns.data.items.length ? 'none set as default' : 'none'}</span>
        )}
      </td>
      <td data-label="Readiness">
        {!conns.data ? null : !operable ? (
          <Fact tone="bad" text={`Tenant ${tenant.status}`} />
        ) : def ? (
          <Fact {...headlineFact(def, now)} />
        ) : (
          <Fact tone="bad" text="No default connection" />
        )}
      </td>
      <td data-label="Last verification">{def ? <Fact {...verificationFact(def, now)} /> : <span className="muted">—</span>}</td>
      <td data-label="Active run">
        {active.length ? (
          <ul className="plain-list">
            {active.map((r) => (
              <li key={r.id}>
                <Link to={`/admin/operations/${r.id}`}>{r.title}</Link> <RunBadge run={r} />
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
