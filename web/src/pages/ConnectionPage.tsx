// /admin/provider-connections/{id}: the connection's readiness (with #consent, #permissions
// and #credentials for next-step links), its starts ("Check connection", "Sync inventory",
// "Take compliance snapshot"), management (default, enabled, credential, delete) and its runs.
import { useEffect } from 'react';
import { Link, useLocation, useParams } from 'react-router-dom';
import { AdminConsentButton } from '../components/AdminConsentButton.tsx';
import { ConnectionSettings } from '../components/ConnectionSettings.tsx';
import { ConsentResult } from '../components/ConsentResult.tsx';
import { DeleteConnection } from '../components/DeleteConnection.tsx';
import { VerificationReport } from '../components/Readiness.tsx';
import { RunsTable } from '../components/RunsTable.tsx';
import { StartActions, StartButton } from '../components/StartButton.tsx';
import { Empty, Guard } from '../components/States.tsx';
import { isActive } from '../format.ts';
import { useDocumentTitle, useNow, useResource } from '../hooks.ts';
import { membershipCan, useSession } from '../session.tsx';
import type { Capability, ProviderConnection, RunPage } from '../types.ts';

export function ConnectionPage() {
  const { id = '' } = useParams();
  const r = useResource<ProviderConnection>(`/api/provider-connections/${encodeURIComponent(id)}`);
  return <Guard r={r}>{(c) => <ConnectionView c={c} reload={r.reload} />}</Guard>;
}

function ConnectionView({ c, reload }: { c: ProviderConnection; reload: () => void }) {
  useDocumentTitle(c.name);
  const { session } = useSession();
  const location = useLocation();
  const now = useNow(30_000);
  const slug = c.tenant.slug;
  const m = session?.tenants.find((t) => t.id === c.tenant.id) ?? null;
  const tenantName = m?.name ?? slug;
  const can = (cap: Capability) => membershipCan(m, cap);
  const runs = useResource<RunPage>(`/api/operations?tenant=${encodeURIComponent(slug)}`, {
    poll: (d) => d.items.some((x) => x.providerConnection?.id === c.id && isActive(x)),
    idleIntervalMs: 10_000,
  });
  const mine = (runs.data?.items ?? []).filter((x) => x.providerConnection?.id === c.id);

  // Next steps link to #consent, #permissions, #credentials: bring that part into view.
  useEffect(() => {
    const hash = location.hash.slice(1);
    if (!hash) return;
    const el = document.getElementById(hash);
    if (!el) return;
    el.scrollIntoView({ block: 'start' });
    el.classList.add('highlight');
    const t = setTimeout(() => el.classList.remove('highlight'), 2500);
    return () => clearTimeout(t);
  }, [location.hash]);

  const anyStart = can('provider_connection.run_checks') || can('inventory.sync') || can('compliance.snapshot');
  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <p className="eyebrow">
            Provider connection · <Link to={`/admin/t/${encodeURIComponent(slug)}`}>{tenantName}</Link>
          </p>
          <h1>
            {c.name} {c.isDefault ? <span className="badge tone-info">default</span> : null}
            {!c.enabled ? <span className="badge tone-bad">disabled</span> : null}
          </h1>
          <p className="muted small">
            <>App (client) ID {c.clientId}</>
            <> · cloud: {c.cloud}</>
            {c.appRegistration ? <> · workspace app {c.appRegistration.name}</> : <> · own app registration</>}
          </p>
        </div>
      </div>
      <ConsentResult connectionId={c.id} onSettled={reload} />
      <div className="grid-2">
        <div className="col">
          <section className="card">
            <StartActions
              note={
                anyStart ? (
                  <>Starts here run on this connection, {c.name}, whether or not it is the default.</>
                ) : (
                  <>Your role{m ? ` (${m.role})` : ''} can view this connection but cannot start operations.</>
                )
              }
            >
              <StartButton
                tenant={slug}
                type="provider_connection.check"
                providerConnectionId={c.id}
                allowed={can('provider_connection.run_checks')}
                variant="primary"
              />
              <StartButton tenant={slug} type="inventory.sync" providerConnectionId={c.id} allowed={can('inventory.sync')} />
              <StartButton tenant={slug} type="compliance.snapshot" providerConnectionId={c.id} allowed={can('compliance.snapshot')} />
            </StartActions>
          </section>
          <section className="card" aria-labelledby="readiness-title">
            <h2 className="card-title" id="readiness-title">
              Readiness
            </h2>
            <VerificationReport
              connection={c}
              anchors
              now={now}
              consentAction={<AdminConsentButton c={c} canManage={can('provider_connection.manage')} label="Grant admin consent" />}
              permissionsAction={<AdminConsentButton c={c} canManage={can('provider_connection.manage')} label="Grant the missing permissions" />}
            />
          </section>
        </div>
        <div className="col">
          <ConnectionSettings c={c} canManage={can('provider_connection.manage')} reload={reload} now={now} />
          <DeleteConnection c={c} tenantSlug={slug} canManage={can('provider_connection.manage')} />
          <section className="card" aria-labelledby="conn-runs-title">
            <div className="card-head">
              <h2 className="card-title" id="conn-runs-title">
                Runs on this connection
              </h2>
              <Link className="small" to={`/admin/operations?tenant=${encodeURIComponent(slug)}`}>
                All runs of {tenantName} →
              </Link>
            </div>
            {runs.data && mine.length === 0 ? <Empty title="No runs on this connection yet" /> : null}
            {mine.length ? <RunsTable runs={mine.slice(0, 8)} showTenant={false} compact /> : null}
          </section>
        </div>
      </div>
    </div>
  );
}
