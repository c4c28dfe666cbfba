// Adding a provider connection (the fix behind "no default connection"). When the workspace has
// app registrations, "Use a workspace app" comes first: the MSP's multi-tenant app, with no
// credential to enter here, only the tenant admin's consent to ask for next. Otherwise (or on
// request) an app registration of the customer tenant and its credential, either a client secret
// (write-only) with its expiry, or a certificate opsgate generates. For a certificate the answer
// carries the public certificate, shown right here to upload to the app registration.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { api, ApiError } from '../api.ts';
import { useAppRegistrations } from '../app-registrations.ts';
import { announceChange } from '../hooks.ts';
import type { ProviderConnection } from '../types.ts';
import { CertificatePanel } from './CertificatePanel.tsx';
import { StartButton } from './StartButton.tsx';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Kind = ProviderConnection['credentialKind'];
type Mode = ProviderConnection['kind'];

export function AddConnectionForm({
  tenant,
  tenantName,
  hasDefault,
  onAdded,
}: {
  tenant: string;
  tenantName: string;
  hasDefault: boolean;
  onAdded: () => void;
}) {
  const [name, setName] = useState(hasDefault ? '' : 'Primary');
  const [clientId, setClientId] = useState('');
  const [kind, setKind] = useState<Kind>('secret');
  const [secret, setSecret] = useState('');
  const [expires, setExpires] = useState('');
  const [cloud, setCloud] = useState<'global' | 'sandbox'>('global');
  const [makeDefault, setMakeDefault] = useState(!hasDefault);
  const [error, setError] = useState<string | null>(null);
  const [added, setAdded] = useState<ProviderConnection | null>(null);
  const [busy, setBusy] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);
  const location = useLocation();
  const apps = useAppRegistrations().data?.items ?? [];
  const [chosenMode, setMode] = useState<Mode | null>(null);
  const [appId, setAppId] = useState('');
  // The workspace's apps come first once known; the operator's own choice stays.
  const mode: Mode = chosenMode ?? (apps.length && !clientId ? 'workspace_app' : 'own_app');
  const app = apps.find((a) => a.id === appId) ?? apps[0] ?? null;

  // "Add connection" on the tenant page links here (#add-connection): bring the form into view.
  useEffect(() => {
    if (location.hash !== '#add-connection') return;
    document.getElementById('add-connection')?.scrollIntoView({ block: 'start' });
    nameRef.current?.focus();
  }, [location.hash]);

  async function submitOnApp() {
    if (!name.trim() || !app) {
      setError('Enter a name and choose the workspace app.');
      return;
    }
    await send({ name: name.trim(), appRegistrationId: app.id, isDefault: makeDefault });
  }

  async function send(body: Record<string, unknown>) {
    setBusy(true);
    setError(null);
    try {
      const c = await api.post<ProviderConnection>(`/api/tenants/${encodeURIComponent(tenant)}/provider-connections`, body);
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

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (mode === 'workspace_app') return submitOnApp();
    const at = new Date(`${expires}T23:59:59Z`);
    const secretOk = kind === 'certificate' || (secret && !Number.isNaN(at.getTime()));
    if (!name.trim() || !GUID.test(clientId.trim()) || !secretOk) {
      setError(
        kind === 'secret'
          ? 'Enter a name, the application (client) ID (a GUID), the client secret and the date it expires.'
          : 'Enter a name and the application (client) ID (a GUID).',
      );
      return;
    }
    const credential = kind === 'certificate' ? { credential: { type: 'certificate' } } : { clientSecret: secret, secretExpiresAt: at.toISOString() };
    await send({ name: name.trim(), clientId: clientId.trim(), ...credential, cloud, isDefault: makeDefault });
  }

  return (
    <div className="add-connection" id="add-connection">
      <h2 className="card-title" id="add-conn-title">
        Add a provider connection to {tenantName}
      </h2>
      {added ? <Added c={added} tenant={tenant} /> : null}
      {error ? (
        <div className="callout callout-error" role="alert">
          {error}
        </div>
      ) : null}
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="add-conn-title">
        <fieldset disabled={busy} className="form-grid-fields">
          {apps.length ? (
            <fieldset className="field checks" data-testid="connection-mode">
              <legend>Connect with</legend>
              <label className="check">
                <input type="radio" name="ac-mode" checked={mode === 'workspace_app'} onChange={() => setMode('workspace_app')} /> Use a workspace app
              </label>
              <label className="check">
                <input type="radio" name="ac-mode" checked={mode === 'own_app'} onChange={() => setMode('own_app')} /> Use an app registration of this tenant
              </label>
            </fieldset>
          ) : null}
          <div className="field">
            <label htmlFor="ac-name">Connection name</label>
            <input id="ac-name" ref={nameRef} value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          {mode === 'workspace_app' ? (
            <>
              <div className="field">
                <label htmlFor="ac-app">Workspace app</label>
                <select id="ac-app" value={app?.id ?? ''} onChange={(e) => setAppId(e.target.value)}>
                  {apps.map((a) => (
                    <option key={a.id} value={a.id}>
                      {a.name} ({a.clientId})
                    </option>
                  ))}
                </select>
              </div>
              <p className="muted small">
                No secret to enter: the app’s own credential is used in {tenantName}. Next, an admin of {tenantName} grants consent to the app (“Grant admin
                consent” on the connection’s page).
              </p>
            </>
          ) : (
            <>
              <div className="field">
                <label htmlFor="ac-client">Application (client) ID</label>
                <input
                  id="ac-client"
                  value={clientId}
                  onChange={(e) => setClientId(e.target.value)}
                  spellCheck={false}
                  placeholder="00000000-0000-0000-0000-000000000000"
                />
              </div>
              <div className="field">
                <label htmlFor="ac-kind">Credential</label>
                <select id="ac-kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
                  <option value="secret">Client secret</option>
                  <option value="certificate">Certificate (opsgate generates it)</option>
                </select>
              </div>
              {kind === 'secret' ? (
                <>
                  <div className="field">
                    <label htmlFor="ac-secret">Client secret</label>
                    <input id="ac-secret" type="password" autoComplete="new-password" value={secret} onChange={(e) => setSecret(e.target.value)} />
                  </div>
                  <div className="field">
                    <label htmlFor="ac-expires">Secret expires on</label>
                    <input id="ac-expires" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
                  </div>
                </>
              ) : (
                <p className="muted small">
                  opsgate generates an RSA key pair and a certificate valid for one year. You upload the certificate to the app registration; the private key
                  stays encrypted in opsgate.
                </p>
              )}
              <div className="field">
                <label htmlFor="ac-cloud">Cloud</label>
                <select id="ac-cloud" value={cloud} onChange={(e) => setCloud(e.target.value as 'global' | 'sandbox')}>
                  <option value="global">Microsoft global cloud</option>
                  <option value="sandbox">Sandbox cloud (local demo)</option>
                </select>
              </div>
            </>
          )}
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
    </div>
  );
}

/** What to do next with the connection just added; a certificate is shown for upload. */
function Added({ c, tenant }: { c: ProviderConnection; tenant: string }) {
  if (c.appRegistration) {
    return (
      <div className="callout callout-good" role="status" data-testid="connection-added">
        Added <Link to={`/admin/provider-connections/${c.id}`}>{c.name}</Link> on the workspace app {c.appRegistration.name}. Next: “Grant admin consent” from
        its page, so the tenant’s admin consents to the app.
      </div>
    );
  }
  if (!c.certificate) {
    return (
      <div className="callout callout-good" role="status">
        Added <Link to={`/admin/provider-connections/${c.id}`}>{c.name}</Link>. Next: grant admin consent and verify it from its page.
      </div>
    );
  }
  return (
    <div className="callout callout-good" role="status" data-testid="certificate-added">
      <p>
        Added <Link to={`/admin/provider-connections/${c.id}`}>{c.name}</Link> with a new certificate.
      </p>
      <CertificatePanel cert={c.certificate} fileName={`opsgate-${tenant}-${c.name}`} fresh />
      <StartButton tenant={tenant} type="provider_connection.check" providerConnectionId={c.id} allowed variant="primary" />
    </div>
  );
}
