// /admin/settings/webhooks (owners: webhook.manage): add a webhook with its signing secret,
// list and delete them, and read a webhook's delivery log (?webhook={id} keeps the choice in
// the URL). The log refreshes while deliveries are still pending.
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../api.ts';
import { useCurrentWorkspace } from '../attention.ts';
import { Empty, ErrorState, Loading, NotFoundPage } from '../components/States.tsx';
import { WebhookForm } from '../components/WebhookForm.tsx';
import { formatDateTime, relativeTime } from '../format.ts';
import { useDocumentTitle, useNow, useResource } from '../hooks.ts';
import type { Delivery, ItemList, Webhook } from '../types.ts';

const STATUS_TONES: Record<Delivery['status'], string> = { pending: 'info', delivered: 'good', failed: 'bad' };

export function WebhooksPage() {
  useDocumentTitle('Webhooks');
  const ws = useCurrentWorkspace();
  const [params, setParams] = useSearchParams();
  const selected = params.get('webhook');
  const list = useResource<ItemList<Webhook>>(ws ? `/api/workspaces/${encodeURIComponent(ws.slug)}/webhooks` : null, {
    poll: (d) => d.items.some((w) => w.deliveries.pending > 0),
    intervalMs: 3000,
    // New deliveries appear without a click: the counts follow the log.
    idleIntervalMs: 10_000,
  });
  const [error, setError] = useState<string | null>(null);

  if (!ws || !ws.capabilities.includes('webhook.manage') || list.error?.status === 403) return <NotFoundPage />;

  async function remove(w: Webhook) {
    if (!window.confirm(`Delete the webhook to ${w.url}? Nothing more is sent to it, and its delivery log goes with it.`)) return;
    setError(null);
    try {
      await api.del(`/api/webhooks/${w.id}`);
      if (selected === w.id) setParams({});
      list.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  }

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>Webhooks</h1>
          <p className="muted">
            Send finished runs, blocked starts and new needs-attention items to a chat channel or your own service. Each delivery is signed; failed ones are
            retried with growing waits.
          </p>
        </div>
      </div>
      <WebhookForm
        workspace={ws.slug}
        onCreated={(w) => {
          list.reload();
          setParams({ webhook: w.id });
        }}
      />
      {error ? (
        <div className="callout callout-error" role="alert">
          {error}
        </div>
      ) : null}
      <section className="card card-flush" aria-label="Webhooks">
        {list.error ? (
          <ErrorState error={list.error} onRetry={list.reload} />
        ) : !list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty title="No webhooks yet">Add one above to be told when runs finish or starts are blocked.</Empty>
        ) : (
          <table className="table" data-testid="webhooks-table">
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Deliveries</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((w) => (
                <tr key={w.id} data-webhook={w.id} aria-selected={selected === w.id}>
                  <td className="cell-url">
                    <code>{w.url}</code>
                  </td>
                  <td>{w.events.join(', ')}</td>
                  <td>
                    <span className="badge tone-good">{w.deliveries.delivered} delivered</span>{' '}
                    {w.deliveries.pending ? <span className="badge tone-info">{w.deliveries.pending} pending</span> : null}{' '}
                    {w.deliveries.failed ? <span className="badge tone-bad">{w.deliveries.failed} failed</span> : null}
                  </td>
                  <td title={formatDateTime(w.createdAt)}>
                    {formatDateTime(w.createdAt)}
                    {w.createdBy ? <div className="subtle-note">by {w.createdBy.email}</div> : null}
                  </td>
                  <td className="cell-actions">
                    <button type="button" className="button button-secondary" onClick={() => setParams({ webhook: w.id })}>
                      Deliveries
                    </button>{' '}
                    <button type="button" className="button button-danger" onClick={() => void remove(w)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {selected && list.data?.items.some((w) => w.id === selected) ? <DeliveryLog webhook={list.data.items.find((w) => w.id === selected)!} /> : null}
    </div>
  );
}

function DeliveryLog({ webhook }: { webhook: Webhook }) {
  const now = useNow(15_000);
  const log = useResource<ItemList<Delivery>>(`/api/webhooks/${webhook.id}/deliveries`, {
    poll: (d) => d.items.some((x) => x.status === 'pending'),
    intervalMs: 2000,
    idleIntervalMs: 10_000,
  });
  return (
    <section className="card card-flush" aria-labelledby="deliveries-title">
      <h2 className="card-title attention-group-title" id="deliveries-title">
        Deliveries to <code>{webhook.url}</code>
      </h2>
      {log.error ? (
        <ErrorState error={log.error} onRetry={log.reload} />
      ) : !log.data ? (
        <Loading />
      ) : log.data.items.length === 0 ? (
        <Empty title="Nothing sent yet">Deliveries appear here when a subscribed event happens.</Empty>
      ) : (
        <table className="table" data-testid="deliveries-table">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Message</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {log.data.items.map((d) => (
              <tr key={d.id} data-delivery={d.id} data-status={d.status}>
                <td>
                  <code>{d.event}</code>
                </td>
                <td className="delivery-text">{d.text}</td>
                <td>
                  <span className={`badge tone-${STATUS_TONES[d.status]}`}>{d.status}</span>
                  {d.status === 'pending' && d.nextAttemptAt ? <div className="subtle-note">next try {relativeTime(d.nextAttemptAt, now)}</div> : null}
                </td>
                <td>{d.attempts}</td>
                <td>{d.lastError ?? (d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : '—')}</td>
                <td title={formatDateTime(d.createdAt)}>
                  {relativeTime(d.createdAt, now)}
                  {d.deliveredAt ? <div className="subtle-note">delivered {formatDateTime(d.deliveredAt)}</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
