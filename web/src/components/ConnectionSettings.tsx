// A connection's settings card (default, enabled) and its credential: the manager's changes,
// each a PATCH of the connection, with what happened said in one line.
import { useState } from 'react';
import { api, ApiError } from '../api.ts';
import { announceChange } from '../hooks.ts';
import type { ProviderConnection } from '../types.ts';
import { ConnectionCredentials } from './ConnectionCredentials.tsx';

export function ConnectionSettings({ c, canManage, reload, now }: { c: ProviderConnection; canManage: boolean; reload: () => void; now: number }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ tone: 'good' | 'bad'; text: string } | null>(null);

  async function patch(body: Record<string, unknown>, done: string) {
    setBusy(true);
    setMessage(null);
    try {
      await api.patch(`/api/provider-connections/${c.id}`, body);
      setMessage({ tone: 'good', text: done });
      reload();
      // Readiness changed: every preflight hint on screen asks again.
      announceChange();
      return true;
    } catch (err) {
      setMessage({ tone: 'bad', text: err instanceof ApiError ? err.message : String(err) });
      return false;
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <section className="card" aria-labelledby="manage-title">
        <h2 className="card-title" id="manage-title">
          Settings
        </h2>
        {message ? (
          <div className={`callout ${message.tone === 'good' ? 'callout-good' : 'callout-error'}`} role={message.tone === 'bad' ? 'alert' : 'status'}>
            {message.text}
          </div>
        ) : null}
        {!canManage ? <p className="muted small">Only owners and managers can change this connection.</p> : null}
        <div className="settings-row">
          <div>
            <strong>Default connection</strong>
            <p className="muted small">Starts on the tenant page use the default connection. Runs already accepted keep the connection they were pinned to.</p>
          </div>
          {c.isDefault ? (
            <span className="badge tone-info">This is the default</span>
          ) : (
            <button
              type="button"
              className="button button-secondary"
              disabled={!canManage || busy}
              onClick={() => void patch({ isDefault: true }, `${c.name} is now the default connection.`)}
            >
              Make default
            </button>
          )}
        </div>
        <div className="settings-row">
          <div>
            <strong>{c.enabled ? 'Enabled' : 'Disabled'}</strong>
            <p className="muted small">A disabled connection blocks every start that would use it.</p>
          </div>
          <button
            type="button"
            className={`button ${c.enabled ? 'button-secondary' : 'button-primary'}`}
            disabled={!canManage || busy}
            onClick={() => void patch({ enabled: !c.enabled }, c.enabled ? `${c.name} is disabled.` : `${c.name} is enabled.`)}
          >
            {c.enabled ? 'Disable connection' : 'Enable connection'}
          </button>
        </div>
      </section>
      <ConnectionCredentials c={c} canManage={canManage} busy={busy} patch={patch} now={now} />
    </>
  );
}
