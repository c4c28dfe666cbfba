// Adding a provider connection (the fix behind "no default connection"): an app registration
// of the customer tenant, its client secret (write-only) and the secret's expiry.
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { api, ApiError } from '../api.ts';
import { announceChange } from '../hooks.ts';
import type { ProviderConnection } from '../types.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function AddConnectionForm({ tenant, tenantName, hasDefault, onAdded }: { tenant: string; tenantName: string; hasDefault: boolean; onAdded: () => void }) {
  const [name, setName] = useState(hasDefault ? '' : 'Primary');
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [expires, setExpires] = useState('');
  const [cloud, setCloud] = useState<'global' | 'sandbox'>('global');
  const [makeDefault, setMakeDefault] = useState(!hasDefault);
  const [error, setError] = useState<string | null>(null);
  const [added, setAdded] = useState<ProviderConnection | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const at = new Date(`${expires}T23:59:59Z`);
    if (!name.trim() || !GUID.test(clientId.trim()) || !secret || Number.isNaN(at.getTime())) {
      setError('Enter a name, the application (client) ID (a GUID), the client secret and the date it expires.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const c = await api.post<ProviderConnection>(`/api/tenants/${encodeURIComponent(tenant)}/provider-connections`, {
        name: name.trim(),
        clientId: clientId.trim(),
        clientSecret: secret,
        secretExpiresAt: at.toISOString(),
        cloud,
        isDefault: makeDefault,
      });
      setAdded(c);
      setSecret('');
      setClientId('');
      setName('');
      onAdded();
      announceChange();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="add-connection" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="add-conn-title">
      <h2 className="card-title" id="add-conn-title">
        Add a provider connection to {tenantName}
      </h2>
      {added ? (
        <div className="callout callout-good" role="status">
          Added <Link to={`/admin/provider-connections/${added.id}`}>{added.name}</Link>. Next: grant admin consent and verify it from its page.
        </div>
      ) : null}
      {error ? (
        <div className="callout callout-error" role="alert">
          {error}
        </div>
      ) : null}
      <fieldset disabled={busy} className="form-grid-fields">
        <div className="field">
          <label htmlFor="ac-name">Connection name</label>
          <input id="ac-name" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="ac-client">Application (client) ID</label>
          <input id="ac-client" value={clientId} onChange={(e) => setClientId(e.target.value)} spellCheck={false} placeholder="00000000-0000-0000-0000-000000000000" />
        </div>
        <div className="field">
          <label htmlFor="ac-secret">Client secret</label>
          <input id="ac-secret" type="password" autoComplete="new-password" value={secret} onChange={(e) => setSecret(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="ac-expires">Secret expires on</label>
          <input id="ac-expires" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="ac-cloud">Cloud</label>
          <select id="ac-cloud" value={cloud} onChange={(e) => setCloud(e.target.value as 'global' | 'sandbox')}>
            <option value="global">Microsoft global cloud</option>
            <option value="sandbox">Sandbox cloud (local demo)</option>
          </select>
        </div>
        <label className="check">
          <input type="checkbox" checked={makeDefault} onChange={(e) => setMakeDefault(e.target.checked)} /> Use as the tenant’s default connection
        </label>
        <div>
          <button type="submit" className="button button-primary">
            Add connection
          </button>
        </div>
      </fieldset>
    </form>
  );
}
