// /admin/t/{slug}/restore-runs/{id}: what the restore will write, a typed confirmation, and
// "Execute restore" — the same start button and answer as every other surface.
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { LastRunLine, useLatestRun } from '../components/LastRun.tsx';
import { StartActions, StartButton } from '../components/StartButton.tsx';
import { Guard, NotFoundPage } from '../components/States.tsx';
import { formatDateTime, humanizeKey } from '../format.ts';
import { useDocumentTitle, useResource } from '../hooks.ts';
import type { RestoreRun, Run } from '../types.ts';
import { useTenant } from './TenantLayout.tsx';

/** The restore run a run targeted, when the run says so. */
function restoreRunOf(r: Run): string | null {
  return r.target.restoreRunId ?? null;
}

export function RestoreRunPage() {
  const { tenant } = useTenant();
  const { id = '' } = useParams();
  const r = useResource<RestoreRun>(`/api/restore-runs/${encodeURIComponent(id)}`);
  return (
    <Guard r={r}>
      {(run) => {
        // A restore run of another tenant under this tenant's URL is not here.
        if (run.tenant.slug !== tenant.slug && run.tenant.id !== tenant.id) return <NotFoundPage />;
        return <RestoreRunView run={run} reload={r.reload} />;
      }}
    </Guard>
  );
}

function RestoreRunView({ run, reload }: { run: RestoreRun; reload: () => void }) {
  const { tenant, can, membership } = useTenant();
  useDocumentTitle(`Restore · ${run.name}`);
  const [confirm, setConfirm] = useState('');
  const { run: last } = useLatestRun(tenant.slug, 'restore.execute', reload, (r) => restoreRunOf(r) === null || restoreRunOf(r) === run.id);
  const items = run.items;
  const allowed = can('restore.execute');
  // The API checks the same confirmation (target.confirm = the restore run's name).
  const confirmed = confirm === run.name;
  const creates = items.filter((i) => i.action === 'create').length;
  const updates = items.filter((i) => i.action === 'update').length;
  return (
    <div className="grid-2 grid-2-wide-left">
      <div className="col">
        <section className="card">
          <p className="eyebrow">Restore run</p>
          <h2 className="card-title card-title-lg">{run.name}</h2>
          <p className="muted small">
            {run.itemCount} item{run.itemCount === 1 ? '' : 's'} · status <span className="badge tone-muted">{run.status}</span>
            <> · prepared {formatDateTime(run.createdAt)}</>
          </p>
          {run.status === 'failed' && run.lastRun ? (
            <p className="callout callout-error small" role="status" data-testid="restore-failure">
              The last execution did not complete{run.lastRun.reason ? `: ${run.lastRun.reason.message}` : '.'} <Link to={run.lastRun.url}>View run</Link>
            </p>
          ) : null}
          <StartActions
            title={null}
            note={
              allowed ? <LastRunLine run={last} label="Last execution" /> : <>Your role ({membership.role}) can preview this restore but cannot execute it.</>
            }
          >
            {allowed ? (
              <div className="field confirm-field">
                <label htmlFor="restore-confirm">
                  Type the restore run’s name, <code>{run.name}</code>, to confirm writing these items to {tenant.name}
                </label>
                <input id="restore-confirm" autoComplete="off" spellCheck={false} value={confirm} onChange={(e) => setConfirm(e.target.value)} />
              </div>
            ) : null}
            <StartButton
              tenant={tenant.slug}
              type="restore.execute"
              target={{ restoreRunId: run.id, confirm }}
              allowed={allowed}
              disabledReason={allowed && !confirmed ? 'Type the confirmation above to enable.' : null}
              variant="danger"
            />
          </StartActions>
        </section>
      </div>
      <div className="col">
        <section className="card" aria-labelledby="preview-title">
          <div className="card-head">
            <h2 className="card-title" id="preview-title">
              What will be written
            </h2>
            <span className="muted small">
              {creates ? `${creates} to create` : ''}
              {creates && updates ? ' · ' : ''}
              {updates ? `${updates} to update` : ''}
            </span>
          </div>
          {items.some((i) => i.action === 'unknown') ? (
            <p className="callout callout-warn small" role="note">
              Whether each item will be created or updated is known after the tenant’s inventory has been synced once. The restore itself always checks the live
              tenant.
            </p>
          ) : null}
          {items.length === 0 ? (
            <p className="muted">The server did not return an item preview for this restore run.</p>
          ) : (
            <table className="table table-compact" data-testid="restore-preview">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Item</th>
                  <th scope="col">Type</th>
                  <th scope="col">Action</th>
                  <th scope="col">Last result</th>
                </tr>
              </thead>
              <tbody>
                {items.map((i) => (
                  <tr key={i.backupItemId}>
                    <td>{i.position + 1}</td>
                    <td>{i.displayName}</td>
                    <td>{i.resourceType ? humanizeKey(i.resourceType) : '—'}</td>
                    <td>
                      <span className={`badge ${i.action === 'create' ? 'tone-info' : 'tone-muted'}`}>{i.action}</span>
                    </td>
                    <td>{i.result ?? <span className="muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="small">
            <Link to={`/admin/t/${encodeURIComponent(tenant.slug)}`}>← Back to {tenant.name}</Link>
          </p>
        </section>
      </div>
    </div>
  );
}
