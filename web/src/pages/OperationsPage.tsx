// /admin/operations: every run the user may see, newest first, filtered by tenant, type,
// outcome and status — all kept in the URL, so "opened from a tenant" stays filtered.
import { useSearchParams } from 'react-router-dom';
import { Pager } from '../components/DataTable.tsx';
import { RunsTable } from '../components/RunsTable.tsx';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { isActive } from '../format.ts';
import { useDocumentTitle } from '../hooks.ts';
import { useServerList } from '../lists.ts';
import { OPERATION_TYPES, operationTitle } from '../operations.ts';
import { listedTenants, useSession } from '../session.tsx';
import type { Run } from '../types.ts';
import { RUN_OUTCOMES, RUN_STATUSES } from '../../../src/vocabulary.ts';

const OUTCOMES = RUN_OUTCOMES;
const STATUSES = RUN_STATUSES;
const FILTERS = ['tenant', 'type', 'outcome', 'status'] as const;

export function OperationsPage() {
  useDocumentTitle('Operations');
  const { session } = useSession();
  const [params, setParams] = useSearchParams();
  const filter = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  // Newest first, a page at a time by cursor (older runs are a page further); each page keeps
  // following its active runs.
  const r = useServerList<Run>('/api/operations', {
    defaultSort: '-created',
    params: { tenant: filter.tenant || undefined, type: filter.type || undefined, outcome: filter.outcome || undefined, status: filter.status || undefined },
    poll: (d) => d.items.some(isActive),
    intervalMs: 1500,
    idleIntervalMs: 8000,
  });
  const tenantName = session?.tenants.find((t) => t.slug === filter.tenant || t.id === filter.tenant)?.name;

  function set(k: (typeof FILTERS)[number], v: string) {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next);
  }
  const anyFilter = FILTERS.some((k) => filter[k]);
  const items = r.items;
  const active = items.filter(isActive).length;

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>Operations{tenantName ? <span className="muted"> · {tenantName}</span> : null}</h1>
          <p className="muted">
            Every start, including those prevented from starting (<em>blocked</em>: recorded, never queued).
            {active ? <span className="live-note"> {active} active — updating live.</span> : null}
          </p>
        </div>
      </div>
      <form className="filters card" onSubmit={(e) => e.preventDefault()} aria-label="Filter runs">
        <div className="field">
          <label htmlFor="f-tenant">Tenant</label>
          <select id="f-tenant" value={filter.tenant} onChange={(e) => set('tenant', e.target.value)}>
            <option value="">All tenants</option>
            {listedTenants(session?.tenants ?? [], filter.tenant).map((t) => (
              <option key={t.id} value={t.slug}>
                {t.name}
              </option>
            ))}
            {filter.tenant && !tenantName ? <option value={filter.tenant}>{filter.tenant}</option> : null}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-type">Operation</label>
          <select id="f-type" value={filter.type} onChange={(e) => set('type', e.target.value)}>
            <option value="">All operations</option>
            {OPERATION_TYPES.map((t) => (
              <option key={t} value={t}>
                {operationTitle(t)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-outcome">Outcome</label>
          <select id="f-outcome" value={filter.outcome} onChange={(e) => set('outcome', e.target.value)}>
            <option value="">Any outcome</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o.replace('_', ' ')}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-status">Status</label>
          <select id="f-status" value={filter.status} onChange={(e) => set('status', e.target.value)}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        {anyFilter ? (
          <button type="button" className="link-button" onClick={() => setParams({})}>
            Clear filters
          </button>
        ) : null}
      </form>
      <section className="card card-flush">
        {r.error ? (
          <ErrorState error={r.error} onRetry={r.reload} />
        ) : !r.data ? (
          <Loading />
        ) : items.length === 0 ? (
          <Empty title={anyFilter ? 'No runs match these filters' : 'No runs yet'}>Runs appear here the moment something is started.</Empty>
        ) : (
          <>
            <RunsTable runs={items} />
            <Pager list={r} noun="runs" />
          </>
        )}
      </section>
    </div>
  );
}
