// /admin/bulk: start one operation on many tenants with one request, then read every tenant's
// answer on /admin/bulk/{id}. Below: the workspace's recent bulk starts and schedule firings.
// Only for workspace roles with bulk.start; each tenant's own role still decides (forbidden).
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { rolesWith } from '../../../src/access/capabilities.ts';
import { api, ApiError } from '../api.ts';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { activeTenants, TenantChooser, useFleetWorkspace } from '../components/TenantChooser.tsx';
import { BULK_TYPES, countsText, fieldErrors, tenantCount, type Bulk, type BulkSummary } from '../fleet.ts';
import { formatDateTime, relativeTime } from '../format.ts';
import { announceChange, useDocumentTitle, useNow, useResource } from '../hooks.ts';
import { OPERATIONS, operationAction, operationTitle } from '../operations.ts';
import { listedTenants, useSession } from '../session.tsx';
import type { ItemList, OperationType, SessionWorkspace, TenantSelection } from '../types.ts';
import '../fleet.css';

const WHO_CAN = rolesWith('bulk.start')
  .map((r) => `${r}s`)
  .join(', ')
  .replace(/, ([^,]+)$/, ' and $1');

export function BulkPage() {
  useDocumentTitle('Bulk start');
  const { ws, can } = useFleetWorkspace('bulk.start');
  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>Bulk start</h1>
          <p className="muted">
            One operation on many tenants at once. Each tenant gets exactly the answer a single start would give it: queued, already running, scope busy or
            blocked.
          </p>
        </div>
      </div>
      {!ws ? null : can ? (
        <BulkForm ws={ws} />
      ) : (
        <div className="callout callout-info" data-testid="bulk-not-allowed">
          Your role in {ws.name} ({ws.role}) cannot start operations on many tenants; {WHO_CAN} can. You can still read the bulk starts below.
        </div>
      )}
      {ws ? <RecentBulks ws={ws} /> : null}
    </div>
  );
}

function BulkForm({ ws }: { ws: SessionWorkspace }) {
  const { session } = useSession();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const typeParam = params.get('type') ?? '';
  const type = (BULK_TYPES as string[]).includes(typeParam) ? (typeParam as OperationType) : null;
  const [tenants, setTenants] = useState<TenantSelection>('all');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Record<string, string> | null>(null);
  const listed = listedTenants(session?.tenants ?? []);
  const n = tenants === 'all' ? activeTenants(listed).length : tenants.length;
  const label = `${type ? operationAction(type) : 'Start'} on ${tenantCount(n)}`;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!type || n === 0) return;
    setBusy(true);
    setError(null);
    try {
      const bulk = await api.post<Bulk>(`/api/workspaces/${encodeURIComponent(ws.slug)}/bulk-operations`, { type, tenants });
      announceChange();
      void navigate(`/admin/bulk/${bulk.id}`);
    } catch (err) {
      setError(fieldErrors(err instanceof ApiError ? err.message : String(err)));
      setBusy(false);
    }
  }

  const other = error ? Object.entries(error).filter(([k]) => k !== 'tenants' && k !== 'type') : [];
  return (
    <section className="card" aria-labelledby="bulk-form-title">
      <h2 className="card-title" id="bulk-form-title">
        Start on many tenants
      </h2>
      <form className="bulk-form" onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor="bulk-type">Operation</label>
          <select
            id="bulk-type"
            value={type ?? ''}
            onChange={(e) => {
              const next = new URLSearchParams(params);
              next.set('type', e.target.value);
              setParams(next, { replace: true });
            }}
          >
            <option value="">Choose an operation…</option>
            {BULK_TYPES.map((t) => (
              <option key={t} value={t}>
                {OPERATIONS[t].action}
              </option>
            ))}
          </select>
          {error?.type ? <p className="callout-inline">{error.type}</p> : null}
        </div>
        <TenantChooser value={tenants} onChange={setTenants} capability={type ? OPERATIONS[type].capability : null} error={error?.tenants} />
        {other.length ? (
          <div className="callout callout-error" role="alert">
            {other.map(([k, v]) => (k === '_' ? v : `${k}: ${v}`)).join('; ')}
          </div>
        ) : null}
        <div>
          <button type="submit" className={`button button-primary${busy ? ' is-busy' : ''}`} disabled={!type || n === 0 || busy}>
            {label}
          </button>
          {!type ? <span className="help inline-help">Choose an operation first.</span> : null}
        </div>
      </form>
    </section>
  );
}

function RecentBulks({ ws }: { ws: SessionWorkspace }) {
  const now = useNow(30_000);
  const r = useResource<ItemList<BulkSummary>>(`/api/workspaces/${encodeURIComponent(ws.slug)}/bulk-operations`, { idleIntervalMs: 30_000 });
  return (
    <section className="card card-flush" aria-labelledby="recent-bulks-title">
      <h2 className="card-title attention-group-title" id="recent-bulks-title">
        Recent bulk starts
      </h2>
      {r.error ? (
        <ErrorState error={r.error} onRetry={r.reload} />
      ) : !r.data ? (
        <Loading />
      ) : r.data.items.length === 0 ? (
        <Empty title="No bulk starts yet">Starts on many tenants, yours and the schedules’, appear here.</Empty>
      ) : (
        <table className="table" data-testid="recent-bulks">
          <thead>
            <tr>
              <th scope="col">Operation</th>
              <th scope="col">Started by</th>
              <th scope="col">Tenants</th>
              <th scope="col">Answers</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {r.data.items.map((b) => (
              <tr key={b.id} data-bulk={b.id}>
                <td>
                  <Link to={`/admin/bulk/${b.id}`}>{operationTitle(b.type)}</Link>
                </td>
                <td>{b.initiator ? b.initiator.email : <span className="muted">{b.trigger === 'scheduled' ? 'a schedule' : b.trigger}</span>}</td>
                <td>{b.total}</td>
                <td>{countsText(b.counts)}</td>
                <td title={formatDateTime(b.createdAt)}>{relativeTime(b.createdAt, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
