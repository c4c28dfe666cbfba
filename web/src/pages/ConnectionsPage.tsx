// /admin/provider-connections[?tenant=slug]: every connection the user may see, with its kind
// (the tenant's own app registration, or a workspace app), its readiness at a glance and
// "Check connection" on each row.
import { Link, useLocation, useSearchParams } from 'react-router-dom';
import { AddConnectionForm } from '../components/AddConnectionForm.tsx';
import { ConnectionLink, consentFact, expiryFact, Fact, headlineFact, verificationFact } from '../components/Readiness.tsx';
import { StartActions, StartButton } from '../components/StartButton.tsx';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { qs } from '../api.ts';
import { daysUntil, formatDate } from '../format.ts';
import { useDocumentTitle, useNow, useResource } from '../hooks.ts';
import { listedTenants, membershipCan, useSession } from '../session.tsx';
import type { ItemList, ProviderConnection, SessionTenant } from '../types.ts';

export function ConnectionsPage() {
  useDocumentTitle('Provider connections');
  const { session } = useSession();
  const [params, setParams] = useSearchParams();
  // Arriving from a deleted connection's page: say what happened.
  const deleted = (useLocation().state as { deletedConnection?: string } | null)?.deletedConnection;
  const tenantFilter = params.get('tenant') ?? '';
  const tenants = listedTenants(session?.tenants ?? [], tenantFilter).filter((t) => !tenantFilter || t.slug === tenantFilter || t.id === tenantFilter);
  const unknownTenant = tenantFilter && tenants.length === 0;
  const conns = useResource<ItemList<ProviderConnection>>(unknownTenant ? null : `/api/provider-connections${qs({ tenant: tenantFilter })}`, {
    idleIntervalMs: 10_000,
  });
  // Filtered to one tenant: its manager can add a connection here (the fix for "no connection").
  const single = tenantFilter && tenants.length === 1 ? tenants[0]! : null;
  const byTenant = (t: SessionTenant) => (conns.data?.items ?? []).filter((c) => c.tenant.id === t.id);
  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>Provider connections</h1>
          <p className="muted">App registrations opsgate uses to call each customer tenant through Microsoft Graph.</p>
        </div>
        <div className="field field-inline">
          <label htmlFor="conn-tenant">Tenant</label>
          <select id="conn-tenant" value={unknownTenant ? '' : tenantFilter} onChange={(e) => setParams(e.target.value ? { tenant: e.target.value } : {})}>
            <option value="">All tenants</option>
            {listedTenants(session?.tenants ?? [], tenantFilter).map((t) => (
              <option key={t.id} value={t.slug}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      {deleted ? (
        <div className="callout callout-good" role="status" data-testid="connection-deleted">
          Deleted the connection {deleted}. Runs that used it keep its name.
        </div>
      ) : null}
      <section className="card">
        <StartActions title={null} layout="plain">
          {unknownTenant ? (
            <Empty title="No such tenant">
              <Link to="/admin/provider-connections">Show all connections</Link>
            </Empty>
          ) : conns.error ? (
            <ErrorState error={conns.error} onRetry={conns.reload} />
          ) : !conns.data ? (
            <Loading />
          ) : tenants.length === 0 ? (
            <Empty title="No tenants">You are not a member of any tenant yet.</Empty>
          ) : (
            <table className="table" data-testid="connections-table">
              <thead>
                <tr>
                  <th scope="col">Connection</th>
                  <th scope="col">App</th>
                  <th scope="col">Tenant</th>
                  <th scope="col">Readiness</th>
                  <th scope="col">Consent</th>
                  <th scope="col">Credential</th>
                  <th scope="col">Last verification</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              {tenants.map((t) => (
                <TenantRows key={t.id} tenant={t} connections={byTenant(t)} />
              ))}
            </table>
          )}
        </StartActions>
      </section>
      {single && membershipCan(single, 'provider_connection.manage') && conns.data ? (
        <section className="card">
          <AddConnectionForm tenant={single.slug} tenantName={single.name} hasDefault={byTenant(single).some((c) => c.isDefault)} onAdded={conns.reload} />
        </section>
      ) : null}
    </div>
  );
}

/** Which app a connection uses: the tenant's own registration, or a workspace app (named). */
export function ConnectionKind({ c }: { c: Pick<ProviderConnection, 'kind' | 'appRegistration'> }) {
  if (c.kind !== 'workspace_app') return <span className="muted">Own app registration</span>;
  return (
    <span>
      Workspace app <span className="badge tone-info">{c.appRegistration?.name ?? 'app'}</span>
    </span>
  );
}

function shortExpiry(c: ProviderConnection, now: number): string {
  const days = daysUntil(c.credentialExpiresAt, now);
  if (days === null) return 'no expiry recorded';
  if (days < 0) return `expired ${formatDate(c.credentialExpiresAt)}`;
  if (days <= 30) return `expires in ${days} d`;
  return `valid to ${formatDate(c.credentialExpiresAt)}`;
}

function TenantRows({ tenant, connections }: { tenant: SessionTenant; connections: ProviderConnection[] }) {
  const now = useNow(30_000);
  const canCheck = membershipCan(tenant, 'provider_connection.run_checks');
  const tenantCell = (
    <td>
      <Link to={`/admin/t/${encodeURIComponent(tenant.slug)}`}>{tenant.name}</Link>
    </td>
  );
  if (connections.length === 0) {
    return (
      <tbody>
        <tr>
          <td className="muted">No provider connection</td>
          <td />
          {tenantCell}
          <td colSpan={5}>
            <Fact tone="bad" text="Starts blocked: no connection" />
          </td>
        </tr>
      </tbody>
    );
  }
  return (
    <tbody>
      {connections.map((c) => (
        <tr key={c.id} data-connection-id={c.id}>
          <td>
            <ConnectionLink c={c} /> {c.isDefault ? <span className="badge tone-info">default</span> : null}
            {!c.enabled ? <span className="badge tone-bad">disabled</span> : null}
          </td>
          <td data-testid="connection-kind" data-kind={c.kind}>
            <ConnectionKind c={c} />
          </td>
          {tenantCell}
          <td>
            <Fact {...headlineFact(c, now)} />
          </td>
          <td>
            <Fact tone={consentFact(c).tone} text={c.consentStatus} />
          </td>
          <td>
            <Fact tone={expiryFact(c, now).tone} text={shortExpiry(c, now)} />
          </td>
          <td>
            <Fact {...verificationFact(c, now)} />
          </td>
          <td className="cell-action">
            <StartButton tenant={tenant.slug} type="provider_connection.check" providerConnectionId={c.id} allowed={canCheck} />
          </td>
        </tr>
      ))}
    </tbody>
  );
}
