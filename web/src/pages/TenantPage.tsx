// /admin/t/{slug}: start actions first (so an answer is on screen where the click was), the
// verification report of the default connection, recent runs, restore runs (and the backups
// they are made from), connections.
import { Link } from 'react-router-dom';
import { ConnectionLink, Fact, headlineFact, VerificationReport } from '../components/Readiness.tsx';
import { RunsTable } from '../components/RunsTable.tsx';
import { StartActions, StartButton } from '../components/StartButton.tsx';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { isActive } from '../format.ts';
import { useDocumentTitle, useNow, useResource } from '../hooks.ts';
import type { ItemList, ProviderConnection, RestoreRunSummary, RunPage } from '../types.ts';
import { useTenant } from './TenantLayout.tsx';

export function TenantPage() {
  const { tenant, can, membership } = useTenant();
  useDocumentTitle(tenant.name);
  const now = useNow(30_000);
  const t = encodeURIComponent(tenant.slug);
  const conns = useResource<ItemList<ProviderConnection>>(`/api/tenants/${t}/provider-connections`, { idleIntervalMs: 10_000 });
  const runs = useResource<RunPage>(`/api/operations?tenant=${t}&limit=8`, { poll: (d) => d.items.some(isActive), idleIntervalMs: 10_000 });
  const restores = useResource<ItemList<RestoreRunSummary>>(`/api/tenants/${t}/restore-runs`);
  const def = conns.data?.items.find((c) => c.isDefault) ?? null;
  const canStartAny = can('tenant.verify') || can('inventory.sync') || can('directory.sync') || can('restore.execute');

  return (
    <div className="grid-2">
      <div className="col">
        <section className="card">
          <StartActions
            note={
              canStartAny ? (
                def ? (
                  <>
                    Starts use the default connection, <ConnectionLink c={def} />, unless you start from a connection’s page.
                  </>
                ) : null
              ) : (
                <>Your role ({membership.role}) can view this tenant but cannot start operations.</>
              )
            }
          >
            <StartButton tenant={tenant.slug} type="tenant.verification" allowed={can('tenant.verify')} variant="primary" />
            <StartButton tenant={tenant.slug} type="inventory.sync" allowed={can('inventory.sync')} />
            <StartButton tenant={tenant.slug} type="entra_group_sync" allowed={can('directory.sync')} />
            <StartButton tenant={tenant.slug} type="directory_role_definitions.sync" allowed={can('directory.sync')} />
            <StartButton tenant={tenant.slug} type="backup.capture" allowed={can('restore.execute')} />
          </StartActions>
        </section>

        <section className="card" aria-labelledby="report-title">
          <div className="card-head">
            <h2 className="card-title" id="report-title">
              Verification report
            </h2>
            {def ? (
              <span className="muted small">
                Default connection: <ConnectionLink c={def} />
              </span>
            ) : null}
          </div>
          {conns.error ? (
            <ErrorState error={conns.error} onRetry={conns.reload} />
          ) : !conns.data ? (
            <Loading />
          ) : def ? (
            <VerificationReport connection={def} now={now} />
          ) : (
            <Empty title={conns.data.items.length ? 'No default provider connection' : 'No provider connection yet'}>
              <p>Starts for this tenant are blocked until a connection is set as default.</p>
              <Link to={`/admin/provider-connections?tenant=${t}`}>Manage provider connections</Link>
            </Empty>
          )}
        </section>
      </div>

      <div className="col">
        <section className="card" aria-labelledby="runs-title">
          <div className="card-head">
            <h2 className="card-title" id="runs-title">
              Recent runs
            </h2>
            <Link to={`/admin/operations?tenant=${t}`} className="small">
              All runs in monitoring →
            </Link>
          </div>
          {runs.error ? (
            <ErrorState error={runs.error} onRetry={runs.reload} />
          ) : !runs.data ? (
            <Loading />
          ) : runs.data.items.length === 0 ? (
            <Empty title="No runs yet">Runs appear here as soon as something is started for this tenant.</Empty>
          ) : (
            <RunsTable runs={runs.data.items.slice(0, 8)} showTenant={false} compact />
          )}
        </section>

        <section className="card" aria-labelledby="restore-title">
          <div className="card-head">
            <h2 className="card-title" id="restore-title">
              Restore runs
            </h2>
            <Link to={`/admin/t/${t}/backups`} className="small">
              Backups →
            </Link>
          </div>
          {restores.error ? (
            <ErrorState error={restores.error} onRetry={restores.reload} />
          ) : !restores.data ? (
            <Loading />
          ) : restores.data.items.length === 0 ? (
            <Empty title="No restore runs prepared">
              <Link to={`/admin/t/${t}/backups`}>Pick items from a backup</Link> to prepare one.
            </Empty>
          ) : (
            <ul className="link-list">
              {restores.data.items.map((r) => (
                <li key={r.id}>
                  <Link to={`/admin/t/${t}/restore-runs/${r.id}`}>{r.name}</Link>
                  <span className="muted small">
                    {r.itemCount} item{r.itemCount === 1 ? '' : 's'} · <span className="badge tone-muted">{r.status}</span>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="card" aria-labelledby="conns-title">
          <div className="card-head">
            <h2 className="card-title" id="conns-title">
              Provider connections
            </h2>
            <span className="small">
              {can('provider_connection.manage') ? (
                <>
                  <Link to={`/admin/provider-connections?tenant=${t}#add-connection`}>Add connection</Link> ·{' '}
                </>
              ) : null}
              <Link to={`/admin/provider-connections?tenant=${t}`}>Manage →</Link>
            </span>
          </div>
          {conns.data && conns.data.items.length === 0 ? <Empty title="No provider connection" /> : null}
          {conns.data && conns.data.items.length > 0 ? (
            <ul className="link-list">
              {conns.data.items.map((c) => (
                <li key={c.id}>
                  <ConnectionLink c={c} />
                  {c.isDefault ? <span className="badge tone-info">default</span> : null}
                  <Fact {...headlineFact(c, now)} />
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      </div>
    </div>
  );
}
