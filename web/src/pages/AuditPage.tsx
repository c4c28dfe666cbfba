// /admin/audit: who did what, newest first. Filters live in the URL (a filtered view can be
// shared); "Load more" follows the API's keyset cursor; "Export CSV" downloads the same rows.
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, ApiError, qs } from '../api.ts';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { formatDateTime, humanizeKey } from '../format.ts';
import { useDocumentTitle, useResource } from '../hooks.ts';
import { operationTitle } from '../operations.ts';
import { listedTenants, membershipCan, useSession } from '../session.tsx';
import type { AuditItem, AuditPage as AuditPageData } from '../types.ts';

const FILTERS = ['tenant', 'actor', 'action', 'since', 'until'] as const;
type Filter = Record<(typeof FILTERS)[number], string>;
// Offered in the action field; any action name, or a prefix ending in ".*", can be typed.
const KNOWN_ACTIONS = [
  'operation.start',
  'session.sign_in',
  'setup',
  'provider_connection.*',
  'provider_connection.consent_granted',
  'onboarding.*',
  'tenant.*',
];
const OUTCOME_TONES: Record<string, string> = { accepted: 'info', succeeded: 'good', deduped: 'info', scope_busy: 'warn', blocked: 'bad', failed: 'bad' };

/** `datetime-local` speaks local time without a zone; the API takes ISO instants. */
const toInput = (iso: string) => {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromInput = (v: string) => (v ? new Date(v).toISOString() : '');

export function AuditPage() {
  useDocumentTitle('Audit log');
  const { session } = useSession();
  const [params, setParams] = useSearchParams();
  const filter = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ''])) as Filter;
  const query = qs(filter);
  const first = useResource<AuditPageData>(`/api/audit${qs({ ...filter, limit: '50' })}`);
  // Pages loaded with "Load more", kept only while the filters (the URL) stay the same.
  const [more, setMore] = useState<{ query: string; items: AuditItem[]; next: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  const [actor, setActor] = useState(filter.actor);
  const [action, setAction] = useState(filter.action);
  // Back/forward or a link changed the filters: the text fields show them.
  const [addressActor, setAddressActor] = useState(filter.actor);
  if (addressActor !== filter.actor) {
    setAddressActor(filter.actor);
    setActor(filter.actor);
  }
  const [addressAction, setAddressAction] = useState(filter.action);
  if (addressAction !== filter.action) {
    setAddressAction(filter.action);
    setAction(filter.action);
  }

  const tenants = listedTenants(session?.tenants ?? [], filter.tenant).filter((t) => membershipCan(t, 'audit.view'));
  const extra = more?.query === query ? more : null;
  const items = [...(first.data?.items ?? []), ...(extra?.items ?? [])];
  const next = extra ? extra.next : (first.data?.next ?? null);
  const anyFilter = FILTERS.some((k) => filter[k]);

  function set(changes: Partial<Filter>) {
    setMoreError(null);
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) p.set(k, v);
      else p.delete(k);
    }
    setParams(p);
  }
  function applyText(e: FormEvent) {
    e.preventDefault();
    set({ actor: actor.trim(), action: action.trim() });
  }
  async function loadMore() {
    if (!next) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await api.get<AuditPageData>(`/api/audit${qs({ ...filter, limit: '50', before: next })}`);
      setMore({ query, items: [...(extra?.items ?? []), ...page.items], next: page.next });
    } catch (err) {
      setMoreError(err instanceof ApiError ? err : new ApiError(0, 'client_error', String(err)));
    } finally {
      setLoadingMore(false);
    }
  }

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>Audit log</h1>
          <p className="muted">Every start attempt and every change, newest first. Secrets are never recorded.</p>
        </div>
        <div className="head-actions">
          <a className="button button-secondary" href={`/api/audit.csv${query}`} download>
            Export CSV
          </a>
        </div>
      </div>
      <form className="filters card" onSubmit={applyText} aria-label="Filter the audit log">
        <div className="field">
          <label htmlFor="a-tenant">Tenant</label>
          <select id="a-tenant" value={filter.tenant} onChange={(e) => set({ tenant: e.target.value })}>
            <option value="">All tenants</option>
            {tenants.map((t) => (
              <option key={t.id} value={t.slug}>
                {t.name}
              </option>
            ))}
            {filter.tenant && !tenants.some((t) => t.slug === filter.tenant) ? <option value={filter.tenant}>{filter.tenant}</option> : null}
          </select>
        </div>
        <div className="field">
          <label htmlFor="a-actor">Actor</label>
          <input
            id="a-actor"
            type="search"
            placeholder="Email"
            value={actor}
            onChange={(e) => setActor(e.target.value)}
            onBlur={() => actor.trim() !== filter.actor && set({ actor: actor.trim() })}
          />
        </div>
        <div className="field">
          <label htmlFor="a-action">Action</label>
          <input
            id="a-action"
            type="search"
            list="a-actions"
            placeholder="Any action"
            value={action}
            onChange={(e) => setAction(e.target.value)}
            onBlur={() => action.trim() !== filter.action && set({ action: action.trim() })}
          />
          <datalist id="a-actions">
            {KNOWN_ACTIONS.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor="a-since">From</label>
          <input
            id="a-since"
            type="datetime-local"
            value={filter.since ? toInput(filter.since) : ''}
            onChange={(e) => set({ since: fromInput(e.target.value) })}
          />
        </div>
        <div className="field">
          <label htmlFor="a-until">To</label>
          <input
            id="a-until"
            type="datetime-local"
            value={filter.until ? toInput(filter.until) : ''}
            onChange={(e) => set({ until: fromInput(e.target.value) })}
          />
        </div>
        <button type="submit" className="button button-secondary">
          Apply
        </button>
        {anyFilter ? (
          <button type="button" className="link-button" onClick={() => setParams({})}>
            Clear filters
          </button>
        ) : null}
      </form>
      <section className="card card-flush">
        {first.error ? (
          <ErrorState error={first.error} onRetry={first.reload} />
        ) : !first.data ? (
          <Loading />
        ) : items.length === 0 ? (
          <Empty title={anyFilter ? 'No audit entries match these filters' : 'No audit entries yet'}>
            Starts, sign-ins and changes appear here as they happen.
          </Empty>
        ) : (
          <>
            <AuditTable items={items} />
            <div className="table-foot">
              {moreError ? <p className="callout callout-error">{moreError.message}</p> : null}
              {next ? (
                <button type="button" className="button button-secondary" onClick={() => void loadMore()} disabled={loadingMore}>
                  {loadingMore ? 'Loading…' : 'Load more'}
                </button>
              ) : (
                <span className="muted">{items.length === 1 ? '1 entry' : `${items.length} entries`} — that is all.</span>
              )}
            </div>
          </>
        )}
      </section>
    </div>
  );
}

function AuditTable({ items }: { items: AuditItem[] }) {
  return (
    <table className="table" data-testid="audit-table">
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Actor</th>
          <th scope="col">Action</th>
          <th scope="col">Tenant</th>
          <th scope="col">Outcome</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {items.map((i) => (
          <tr key={i.id} data-audit-id={i.id}>
            <td title={i.at}>{formatDateTime(i.at)}</td>
            <td>{i.actor ? i.actor.email : <span className="muted">system</span>}</td>
            <td>
              <code>{i.action}</code>
              {i.operationType ? <div className="subtle-note">{operationTitle(i.operationType)}</div> : null}
            </td>
            <td>{i.tenant ? <Link to={`/admin/t/${encodeURIComponent(i.tenant.slug)}`}>{i.tenant.slug}</Link> : <span className="muted">—</span>}</td>
            <td>
              {i.outcome ? (
                <span className={`badge tone-${OUTCOME_TONES[i.outcome] ?? 'muted'}`}>{i.outcome.replace('_', ' ')}</span>
              ) : (
                <span className="muted">—</span>
              )}
            </td>
            <td className="cell-reason">
              {i.reason ? <div>{i.reason.message}</div> : null}
              {i.run ? <Link to={i.run.url}>View run</Link> : null}
              <Details details={i.details} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Details({ details }: { details: Record<string, unknown> }) {
  const entries = Object.entries(details).filter(([, v]) => v !== null && v !== undefined && !(typeof v === 'object' && Object.keys(v as object).length === 0));
  if (!entries.length) return null;
  return (
    <dl className="audit-details">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{humanizeKey(k)}</dt>
          <dd>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
