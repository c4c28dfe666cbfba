// /admin/attention: what needs attention across every tenant the user may see, critical first,
// grouped by tenant or by reason (?group=reason keeps the choice in the URL). Each item has the
// same next steps a blocked start would show, as links or as "ask …" hints. A workspace app's
// credential problem is one item for all its tenants, grouped under the app.
import { Link, useSearchParams } from 'react-router-dom';
import { REASON_TITLES, useAttention } from '../attention.ts';
import type { AttentionItem } from '../types.ts';
import { APP_REGISTRATIONS_PATH } from '../app-registrations.ts';
import { NextSteps } from '../components/NextSteps.tsx';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { formatDateTime, humanizeKey, relativeTime } from '../format.ts';
import { useDocumentTitle, useNow } from '../hooks.ts';

type Grouping = 'tenant' | 'reason';

interface Group {
  key: string;
  title: string;
  link: string | null;
  items: AttentionItem[];
}

/** Groups keep the API's order (critical first, then oldest): a group sorts by its first item. */
function groupBy(items: AttentionItem[], by: Grouping): Group[] {
  const groups = new Map<string, Group>();
  for (const i of items) {
    const key = by === 'tenant' ? (i.tenant?.slug ?? `app:${i.appRegistration?.id ?? ''}`) : i.code;
    let g = groups.get(key);
    if (!g) {
      g =
        by === 'reason'
          ? { key, title: REASON_TITLES[i.code] ?? humanizeKey(i.code), link: null, items: [] }
          : i.tenant
            ? { key, title: i.tenant.name, link: `/admin/t/${encodeURIComponent(i.tenant.slug)}`, items: [] }
            : { key, title: `Workspace app ${i.appRegistration?.name ?? ''}`, link: appLink(i), items: [] };
      groups.set(key, g);
    }
    g.items.push(i);
  }
  return [...groups.values()];
}

export function AttentionPage() {
  useDocumentTitle('Needs attention');
  const [params, setParams] = useSearchParams();
  const by: Grouping = params.get('group') === 'reason' ? 'reason' : 'tenant';
  const r = useAttention();
  const items = r.data?.items ?? [];
  const critical = items.filter((i) => i.severity === 'critical').length;

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>Needs attention</h1>
          <p className="muted">What would block or soon block operations on your tenants, from what opsgate knows now. Fix these before anyone clicks.</p>
        </div>
        <div className="head-actions" role="group" aria-label="Group by">
          <span className="muted group-by-label">Group by</span>
          <button
            type="button"
            className={`button ${by === 'tenant' ? 'button-primary' : 'button-secondary'}`}
            aria-pressed={by === 'tenant'}
            onClick={() => setParams({})}
          >
            Tenant
          </button>
          <button
            type="button"
            className={`button ${by === 'reason' ? 'button-primary' : 'button-secondary'}`}
            aria-pressed={by === 'reason'}
            onClick={() => setParams({ group: 'reason' })}
          >
            Reason
          </button>
        </div>
      </div>
      {r.error ? (
        <ErrorState error={r.error} onRetry={r.reload} />
      ) : !r.data ? (
        <Loading />
      ) : items.length === 0 ? (
        <section className="card">
          <Empty title="Nothing needs attention">Every tenant you can see is ready for its operations.</Empty>
        </section>
      ) : (
        <>
          <p className="muted" data-testid="attention-summary">
            {items.length === 1 ? '1 item' : `${items.length} items`}
            {critical ? `, ${critical} critical` : ''}.
          </p>
          {groupBy(items, by).map((g) => (
            <AttentionGroup key={g.key} group={g} by={by} />
          ))}
        </>
      )}
    </div>
  );
}

const appLink = (i: AttentionItem) => `${APP_REGISTRATIONS_PATH}#app-${i.appRegistration?.id ?? ''}`;

function AttentionGroup({ group, by }: { group: Group; by: Grouping }) {
  const now = useNow(60_000);
  return (
    <section className="card card-flush" data-attention-group={group.key}>
      <h2 className="attention-group-title">
        {group.link ? <Link to={group.link}>{group.title}</Link> : group.title}
        <span className="badge tone-muted">{group.items.length}</span>
      </h2>
      <ul className="attention-list">
        {group.items.map((i) => (
          <li
            key={`${i.tenant?.slug ?? i.appRegistration?.id ?? ''}-${i.providerConnection?.id ?? ''}-${i.code}-${i.message}`}
            className={`attention-item tone-border-${i.severity === 'critical' ? 'bad' : 'warn'}`}
            data-code={i.code}
            data-tenant={i.tenant?.slug}
            data-app={i.appRegistration?.id}
          >
            <div className="attention-head">
              <span className={`badge ${i.severity === 'critical' ? 'tone-bad' : 'tone-warn'}`}>{i.severity}</span>
              {by === 'reason' ? (
                i.tenant ? (
                  <Link to={`/admin/t/${encodeURIComponent(i.tenant.slug)}`} className="strong-link">
                    {i.tenant.name}
                  </Link>
                ) : (
                  <Link to={appLink(i)} className="strong-link">
                    Workspace app {i.appRegistration?.name}
                  </Link>
                )
              ) : (
                <strong>{REASON_TITLES[i.code] ?? humanizeKey(i.code)}</strong>
              )}
              {i.providerConnection ? (
                <Link to={`/admin/provider-connections/${i.providerConnection.id}`} className="muted">
                  {i.providerConnection.name}
                </Link>
              ) : null}
              <span className="muted" title={formatDateTime(i.since)}>
                since {relativeTime(i.since, now)}
              </span>
            </div>
            <p className="attention-message">{i.message}</p>
            <NextSteps steps={i.nextSteps} />
          </li>
        ))}
      </ul>
    </section>
  );
}
