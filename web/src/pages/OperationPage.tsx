// /admin/operations/{id}: the human outcome first (what happened, the one dominant reason,
// the next step), then the facts (pinned connection, who, when, summary counts), and the
// raw record collapsed at the bottom.
import { Link, useParams } from 'react-router-dom';
import { CancelRunButton } from '../components/CancelRunButton.tsx';
import { NextSteps } from '../components/NextSteps.tsx';
import { RunBadge } from '../components/RunsTable.tsx';
import { Guard } from '../components/States.tsx';
import { assertNever } from '../assert.ts';
import { duration, formatDateTime, humanizeKey, isActive, runTone } from '../format.ts';
import { useDocumentTitle, useNow, useResource } from '../hooks.ts';
import type { Run } from '../types.ts';

export function OperationPage() {
  const { id = '' } = useParams();
  const r = useResource<Run>(`/api/operations/${encodeURIComponent(id)}`, { poll: isActive, intervalMs: 1000 });
  return <Guard r={r}>{(run) => <RunView run={run} reload={r.reload} />}</Guard>;
}

/** One sentence for the run's state, in the console's vocabulary. */
function explanation(run: Run): string {
  if (run.status === 'queued') return 'Accepted and waiting for a worker.';
  if (run.status === 'running') return 'A worker is running this operation now.';
  switch (run.outcome) {
    case 'succeeded':
      return 'Completed successfully.';
    case 'partially_succeeded':
      return 'Completed, but not everything could be done.';
    case 'failed':
      return 'Accepted and executed, but it failed.';
    case 'blocked':
      return 'Prevented from starting: a prerequisite was missing, so nothing was queued or sent to Microsoft.';
    case 'cancelled':
      return 'Cancelled before it finished.';
    case 'pending':
      return '';
    default:
      return assertNever(run.outcome);
  }
}

function RunView({ run, reload }: { run: Run; reload: () => void }) {
  // The presenter's title already carries the state ("Inventory sync failed").
  const heading = run.title;
  useDocumentTitle(heading);
  const now = useNow(1000);
  const counts = Object.entries(run.summaryCounts);
  const tenantLabel = run.tenant.name;
  return (
    <div className="stack run-detail" data-run-status={run.status} data-run-outcome={run.outcome}>
      <p className="breadcrumbs small">
        <Link to="/admin/operations">Operations</Link> › <Link to={`/admin/operations?tenant=${encodeURIComponent(run.tenant.slug)}`}>{tenantLabel}</Link>
      </p>
      <section className={`card run-outcome tone-border-${runTone(run)}`} aria-labelledby="run-title">
        <div className="run-outcome-head">
          <h1 id="run-title">{heading}</h1>
          <RunBadge run={run} />
        </div>
        <p className="run-explanation">{explanation(run)}</p>
        <CancelRunButton run={run} onChanged={reload} />
        {run.reason ? (
          <div className="run-reason">
            <p className="run-reason-message">{run.reason.message}</p>
            <NextSteps steps={run.nextSteps} />
          </div>
        ) : run.nextSteps.length ? (
          <NextSteps steps={run.nextSteps} />
        ) : null}
      </section>

      <div className="grid-2">
        <section className="card" aria-labelledby="facts-title">
          <h2 className="card-title" id="facts-title">
            Details
          </h2>
          <dl className="facts">
            <div className="facts-row">
              <dt>Tenant</dt>
              <dd>
                <Link to={`/admin/t/${encodeURIComponent(run.tenant.slug)}`}>{tenantLabel}</Link>
              </dd>
            </div>
            <div className="facts-row">
              <dt>Provider connection</dt>
              <dd>
                {run.providerConnection?.deleted ? (
                  <span>
                    {run.providerConnection.name} <span className="badge tone-muted">deleted</span>
                  </span>
                ) : run.providerConnection ? (
                  <>
                    <Link to={`/admin/provider-connections/${run.providerConnection.id}`}>{run.providerConnection.name}</Link>
                    <span className="muted small"> · pinned when the run was {run.outcome === 'blocked' ? 'recorded' : 'accepted'}</span>
                  </>
                ) : (
                  <span className="muted">none resolved</span>
                )}
              </dd>
            </div>
            <div className="facts-row">
              <dt>Started by</dt>
              <dd>{run.initiator ? run.initiator.email : <span>{run.trigger === 'scheduled' ? 'Schedule' : 'System'}</span>}</dd>
            </div>
            <div className="facts-row">
              <dt>Trigger</dt>
              <dd>{run.trigger}</dd>
            </div>
            <div className="facts-row">
              <dt>Created</dt>
              <dd>{formatDateTime(run.createdAt)}</dd>
            </div>
            <div className="facts-row">
              <dt>Started</dt>
              <dd>{run.outcome === 'blocked' ? <span className="muted">never (not queued)</span> : formatDateTime(run.startedAt)}</dd>
            </div>
            <div className="facts-row">
              <dt>Completed</dt>
              <dd>{formatDateTime(run.completedAt)}</dd>
            </div>
            {typeof run.attemptCount === 'number' && run.attemptCount > 1 ? (
              <div className="facts-row">
                <dt>Attempts</dt>
                <dd>
                  {run.attemptCount} identical {run.outcome === 'blocked' ? 'blocked starts, recorded once' : 'attempts'}
                  {typeof run.lastAttemptAt === 'string' ? <span className="muted small"> · last {formatDateTime(run.lastAttemptAt)}</span> : null}
                </dd>
              </div>
            ) : null}
            <div className="facts-row">
              <dt>Duration</dt>
              <dd>{duration(run, now)}</dd>
            </div>
          </dl>
        </section>
        <section className="card" aria-labelledby="counts-title">
          <h2 className="card-title" id="counts-title">
            Summary
          </h2>
          {counts.length ? (
            <dl className="counts" data-testid="summary-counts">
              {counts.map(([k, v]) => (
                <div key={k} className="count-tile">
                  <dt>{humanizeKey(k)}</dt>
                  <dd>{v.toLocaleString('en-GB')}</dd>
                </div>
              ))}
            </dl>
          ) : (
            <p className="muted">{isActive(run) ? 'Counts appear when the run completes.' : 'No counts recorded for this run.'}</p>
          )}
        </section>
      </div>

      <details className="card diagnostics">
        <summary>Raw diagnostics</summary>
        <pre>{JSON.stringify(run, null, 2)}</pre>
      </details>
    </div>
  );
}
