// Runs as a table: the monitoring list, a tenant's recent runs, a connection's runs.
import { Link } from 'react-router-dom';
import { duration, isActive, relativeTime, runState, runTone } from '../format.ts';
import { useNow } from '../hooks.ts';
import { operationTitle } from '../operations.ts';
import type { Run } from '../types.ts';

export function RunBadge({ run }: { run: Pick<Run, 'status' | 'outcome'> }) {
  const state = runState(run);
  return (
    <span className={`badge tone-${runTone(run)}`} data-testid="run-state">
      {isActive(run) ? <span className="pulse" aria-hidden="true" /> : null}
      {state}
    </span>
  );
}

interface Props {
  runs: Run[];
  showTenant?: boolean;
  compact?: boolean;
}

export function RunsTable({ runs, showTenant = true, compact = false }: Props) {
  const now = useNow(1000);
  return (
    <table className={`table${compact ? ' table-compact' : ''}`} data-testid="runs-table">
      <thead>
        <tr>
          <th scope="col">Operation</th>
          {showTenant ? <th scope="col">Tenant</th> : null}
          <th scope="col">State</th>
          <th scope="col">Reason</th>
          {compact ? null : <th scope="col">Connection</th>}
          {compact ? null : <th scope="col">Started by</th>}
          <th scope="col">Created</th>
          {compact ? null : <th scope="col">Duration</th>}
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} data-run-id={r.id} className={r.outcome === 'blocked' ? 'row-blocked' : undefined}>
            <td>
              <Link to={`/admin/operations/${r.id}`}>{operationTitle(r.type)}</Link>
            </td>
            {showTenant ? (
              <td>
                <Link to={`/admin/t/${r.tenant.slug}`}>{r.tenant.name}</Link>
              </td>
            ) : null}
            <td>
              <RunBadge run={r} />
              {r.outcome === 'blocked' ? <span className="subtle-note">never queued</span> : null}
            </td>
            <td className="cell-reason">{r.reason ? r.reason.message : <span className="muted">—</span>}</td>
            {compact ? null : <td>{r.providerConnection ? r.providerConnection.name : <span className="muted">—</span>}</td>}
            {compact ? null : <td>{r.initiator ? r.initiator.email : <span className="muted">{r.trigger}</span>}</td>}
            <td className="nowrap" title={r.createdAt}>
              {relativeTime(r.createdAt, now)}
            </td>
            {compact ? null : <td className="nowrap">{duration(r, now)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
