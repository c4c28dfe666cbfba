// "Add webhook": URL, events, secret. The secret is sent once and never shown again by the
// server, so the form says to keep it; "Generate" fills a random one.
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import type { Webhook } from '../types.ts';
import { EVENT_OPTIONS, generateSecret } from '../webhooks.ts';

export function WebhookForm({ workspace, onCreated }: { workspace: string; onCreated(w: Webhook): void }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['run.completed', 'run.blocked', 'attention.raised']);
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  function toggle(value: string, on: boolean) {
    setEvents((e) => (on ? [...e.filter((x) => x !== value), value] : e.filter((x) => x !== value)));
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!url.trim()) return setError('Enter the URL that receives the deliveries.');
    if (events.length === 0) return setError('Choose at least one event.');
    setBusy(true);
    setError(null);
    try {
      // The order of the options, whatever order they were ticked in.
      const ordered = EVENT_OPTIONS.map((o) => o.value).filter((v) => events.includes(v));
      const created = await api.post<Webhook>(`/api/workspaces/${encodeURIComponent(workspace)}/webhooks`, { url: url.trim(), events: ordered, secret });
      setUrl('');
      setSecret('');
      onCreated(created);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="webhook-form-title">
      <h2 className="card-title" id="webhook-form-title">
        Add webhook
      </h2>
      {error ? (
        <div className="callout callout-error" role="alert">
          {error}
        </div>
      ) : null}
      <form className="webhook-form" onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor="webhook-url">URL</label>
          <input
            id="webhook-url"
            type="url"
            placeholder="https://hooks.example.com/…"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            autoComplete="off"
          />
        </div>
        <fieldset className="field checks">
          <legend>Events</legend>
          <div className="webhook-events">
            {EVENT_OPTIONS.map((o) => (
              <label key={o.value} className="check" title={o.hint}>
                <input type="checkbox" checked={events.includes(o.value)} onChange={(e) => toggle(o.value, e.target.checked)} />
                {o.label}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor="webhook-secret">Signing secret</label>
          <div className="field-inline">
            <input id="webhook-secret" type="text" value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="off" spellCheck={false} />
            <button type="button" className="button button-secondary" onClick={() => setSecret(generateSecret())}>
              Generate
            </button>
          </div>
          <p className="subtle-note">
            At least 16 characters. Each delivery carries <code>x-opsgate-signature: sha256=…</code>, the HMAC-SHA256 of its body with this secret. Keep a copy:
            it is never shown again.
          </p>
        </div>
        <div>
          <button type="submit" className="button button-primary" disabled={busy}>
            Add webhook
          </button>
        </div>
      </form>
    </section>
  );
}
