// "Delete connection" on the connection page, with a typed confirmation (the connection's
// name), because a deleted connection cannot come back. The API refuses while a run holds
// the connection (409 connection_in_use, with that run, linked here) and for the default while
// the tenant has others (409: make another one the default first); both are shown as they come.
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api, ApiError } from '../api.ts';
import { announceChange } from '../hooks.ts';
import type { ConnectionInUse, ProviderConnection } from '../types.ts';

interface Refusal {
  message: string;
  /** The run holding the connection (409 connection_in_use). */
  run: ConnectionInUse['run'] | null;
}

function refusalOf(err: unknown): Refusal {
  if (!(err instanceof ApiError)) return { message: String(err), run: null };
  return { message: err.message, run: err.code === 'connection_in_use' ? (err.body as ConnectionInUse).run : null };
}

export function DeleteConnection({ c, tenantSlug, canManage }: { c: ProviderConnection; tenantSlug: string; canManage: boolean }) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const navigate = useNavigate();
  if (!canManage) return null;

  async function remove() {
    setBusy(true);
    setRefusal(null);
    try {
      await api.del(`/api/provider-connections/${c.id}`);
      announceChange();
      void navigate(`/admin/provider-connections?tenant=${encodeURIComponent(tenantSlug)}`, { state: { deletedConnection: c.name } });
    } catch (err) {
      setRefusal(refusalOf(err));
      setBusy(false);
    }
  }

  return (
    <section className="card danger-zone" aria-labelledby="delete-conn-title">
      <h2 className="card-title" id="delete-conn-title">
        Delete connection
      </h2>
      <p className="muted small">
        Removes the connection and its stored credential from opsgate (the app registration itself stays). Runs that used it keep its name. Not possible while a
        run is queued or running on it, nor for the default while the tenant has other connections.
      </p>
      {refusal ? (
        <div className="callout callout-error" role="alert" data-testid="delete-refused">
          <p>{refusal.message}</p>
          {refusal.run ? <Link to={refusal.run.url}>View the run using this connection</Link> : null}
        </div>
      ) : null}
      <div className="field">
        <label htmlFor="delete-confirm">Type the connection name, {c.name}, to confirm</label>
        <input id="delete-confirm" value={typed} autoComplete="off" spellCheck={false} onChange={(e) => setTyped(e.target.value)} />
      </div>
      <button type="button" className="button button-danger" disabled={busy || typed.trim() !== c.name} onClick={() => void remove()}>
        Delete connection
      </button>
    </section>
  );
}
