// /admin/bulk/{id}: a bulk start's answer in one screen — counts per outcome in the public
// wording, the blocked tenants grouped by reason with that reason's next step, the accepted
// runs' live progress (polled while any is queued or running), and every tenant's answer.
import { Link, useParams } from 'react-router-dom';
import { NextStepItem, NextSteps } from '../components/NextSteps.tsx';
import { RunBadge } from '../components/RunsTable.tsx';
import { Guard } from '../components/States.tsx';
import { ITEM_OUTCOMES, ITEM_WORDING, tenantCount, type Bulk, type BulkItem } from '../fleet.ts';
import { formatDateTime, relativeTime } from '../format.ts';
import { useDocumentTitle, useNow, useResource } from '../hooks.ts';
import { operationTitle } from '../operations.ts';
import '../fleet.css';

const moving = (b: Bulk) => b.progress.queued + b.progress.running > 0;

export function BulkOperationPage() {
  const { id = '' } = useParams();
  const r = useResource<Bulk>(`/api/bulk-operations/${encodeURIComponent(id)}`, { poll: moving, intervalMs: 1500 });
  useDocumentTitle(r.data ? `${operationTitle(r.data.type)} on ${tenantCount(r.data.total)}` : 'Bulk start');
  return <Guard r={r}>{(b) => <BulkView bulk={b} />}</Guard>;
}

function BulkView({ bulk }: { bulk: Bulk }) {
  const now = useNow(30_000);
  return (
    <div className="stack" data-testid="bulk-operation">
      <div className="page-head">
        <div>
          <p className="breadcrumbs">
            <Link to="/admin/bulk">Bulk start</Link>
          </p>
          <h1>
            {operationTitle(bulk.type)} on {tenantCount(bulk.total)}
          </h1>
          <p className="muted">
            {bulk.initiator ? `Started by ${bulk.initiator.email}` : bulk.trigger === 'scheduled' ? 'Fired by a schedule' : `Started by the ${bulk.trigger}`} ·{' '}
            <span title={formatDateTime(bulk.createdAt)}>{relativeTime(bulk.createdAt, now)}</span>
          </p>
        </div>
      </div>
      <dl className="counts bulk-counts" data-testid="bulk-counts" aria-label="Answers">
        {ITEM_OUTCOMES.map((o) => (
          <div key={o} className={`count-tile bulk-count-${o}${bulk.counts[o] ? '' : ' is-zero'}`} data-outcome={o}>
            <dt>{ITEM_WORDING[o]}</dt>
            <dd>{bulk.counts[o]}</dd>
          </div>
        ))}
      </dl>
      {bulk.counts.accepted > 0 ? <Progress bulk={bulk} /> : null}
      {bulk.blockedByReason.length ? <BlockedGroups bulk={bulk} /> : null}
      <ItemsTable items={bulk.items} />
    </div>
  );
}

const PROGRESS_KEYS = ['queued', 'running', 'succeeded', 'partially_succeeded', 'failed', 'cancelled'] as const;
const PROGRESS_WORDS: Record<(typeof PROGRESS_KEYS)[number], string> = {
  queued: 'queued',
  running: 'running',
  succeeded: 'succeeded',
  partially_succeeded: 'partially succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
};

function Progress({ bulk }: { bulk: Bulk }) {
  const p = bulk.progress;
  const total = bulk.counts.accepted;
  const done = p.succeeded + p.partially_succeeded + p.failed + p.cancelled;
  const pct = (n: number) => `${total ? (100 * n) / total : 0}%`;
  return (
    <section className="card" aria-labelledby="bulk-progress-title" data-testid="bulk-progress">
      <div className="card-head">
        <h2 className="card-title" id="bulk-progress-title">
          Progress of the {total} queued {total === 1 ? 'run' : 'runs'}
        </h2>
        <span className={moving(bulk) ? 'live-note' : 'muted'}>{moving(bulk) ? 'updating live' : 'all finished'}</span>
      </div>
      <div
        className="bulk-bar"
        role="progressbar"
        aria-label="Runs finished"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-valuetext={`${done} of ${total} finished`}
      >
        <span className="bulk-bar-good" style={{ width: pct(p.succeeded) }} />
        <span className="bulk-bar-warn" style={{ width: pct(p.partially_succeeded) }} />
        <span className="bulk-bar-bad" style={{ width: pct(p.failed) }} />
        <span className="bulk-bar-muted" style={{ width: pct(p.cancelled) }} />
        <span className="bulk-bar-active" style={{ width: pct(p.running) }} />
      </div>
      <p className="help">
        {done} of {total} finished
      </p>
      <dl className="facts-inline bulk-progress-counts">
        {PROGRESS_KEYS.map((k) => (
          <div key={k} data-progress={k} className={p[k] ? '' : 'muted'}>
            <dt>{PROGRESS_WORDS[k]}</dt> <dd>{p[k]}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function BlockedGroups({ bulk }: { bulk: Bulk }) {
  return (
    <section className="bulk-groups" aria-label="Blocked, grouped by reason">
      {bulk.blockedByReason.map((g) => {
        const members = bulk.items.filter((i) => i.outcome === 'blocked' && i.reason?.code === g.code);
        return (
          <article key={g.code} className="card bulk-group" data-reason={g.code}>
            <h3 className="bulk-group-title">
              {g.count} blocked: {g.message}
            </h3>
            <ul className="plain-list">
              {g.nextSteps.map((step, i) => {
                // One tenant, or one place to fix it for all: the step itself. Otherwise the
                // step once, with each tenant's own link (its own connection, its own page).
                const perTenant = members.map((m) => ({ tenant: m.tenant, step: m.nextSteps.find((s) => s.label === step.label) ?? null }));
                const same = perTenant.every((x) => x.step?.url === step.url);
                return (
                  <li key={`${step.label}-${i}`}>
                    {same ? (
                      <NextStepItem step={step} />
                    ) : (
                      <>
                        <strong>{step.label}</strong>:{' '}
                        {perTenant.map((x, j) => (
                          <span key={x.tenant.slug}>
                            {j ? ', ' : ''}
                            {x.step?.url ? <Link to={x.step.url}>{x.tenant.name}</Link> : x.tenant.name}
                          </span>
                        ))}
                      </>
                    )}
                  </li>
                );
              })}
            </ul>
            <p className="help">{members.map((m) => m.tenant.name).join(', ')}</p>
          </article>
        );
      })}
    </section>
  );
}

function ItemsTable({ items }: { items: BulkItem[] }) {
  return (
    <section className="card card-flush" aria-label="Every tenant’s answer">
      <table className="table" data-testid="bulk-items">
        <thead>
          <tr>
            <th scope="col">Tenant</th>
            <th scope="col">Answer</th>
            <th scope="col">Reason</th>
            <th scope="col">Next step</th>
            <th scope="col">Run</th>
          </tr>
        </thead>
        <tbody>
          {items.map((it) => {
            // The run is linked in its own column.
            const steps = it.nextSteps.filter((s) => !(it.run && s.url === it.run.url));
            return (
              <tr key={it.tenant.slug} data-tenant={it.tenant.slug} data-outcome={it.outcome} className={it.outcome === 'blocked' ? 'row-blocked' : undefined}>
                <td>
                  <Link to={`/admin/t/${encodeURIComponent(it.tenant.slug)}`}>{it.tenant.name}</Link>
                </td>
                <td>
                  <span className={`badge outcome-badge-${it.outcome}${it.outcome === 'accepted' ? ' tone-good' : ''}`} data-testid="item-label">
                    {it.label}
                  </span>
                  {it.providerConnection ? <span className="subtle-note">{it.providerConnection.name}</span> : null}
                </td>
                <td className="cell-reason">{it.reason ? it.reason.message : <span className="muted">—</span>}</td>
                <td>{steps.length ? <NextSteps steps={steps} heading={null} /> : <span className="muted">—</span>}</td>
                <td className="nowrap">
                  {it.run ? (
                    <>
                      <Link to={it.run.url}>View run</Link>{' '}
                      {it.run.status ? <RunBadge run={{ status: it.run.status, outcome: it.run.outcome ?? 'pending' }} /> : null}
                    </>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
