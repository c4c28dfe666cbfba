// Adding a provider connection (the fix behind "no default connection"). When the workspace has
// app registrations, "Use a workspace app" comes first: the MSP's multi-tenant app, with no
// credential to enter here, only the tenant admin's consent to ask for next. Otherwise (or on
// request) an app registration of the customer tenant and its credential, either a client secret
// (write-only) with its expiry, or a certificate opsgate generates. For a certificate the answer
// carries the public certificate, shown right here to upload to the app registration.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { api } from '../api.ts';
import { announceChange } from '../hooks.ts';
import type { ProviderConnection } from '../types.ts';
import { AppCredentialFields, ClientIdField, CloudField, FormError, useCredentialState, useSubmitState, type Cloud } from './AppCredentialFields.tsx';
import { CertificatePanel } from './CertificatePanel.tsx';
import { ConnectionModeChoice, useConnectionMode, WorkspaceAppSelect } from './ConnectionModeFields.tsx';
import { StartButton } from './StartButton.tsx';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  const [cred, setCred] = useCredentialState();
  const [cloud, setCloud] = useState<Cloud>('global');
  const [makeDefault, setMakeDefault] = useState(!hasDefault);
  const { busy, error, setError, run } = useSubmitState();
  const [added, setAdded] = useState<ProviderConnection | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const location = useLocation();
  // The workspace's apps come first once known; the operator's own choice stays.
  const { apps, mode, setMode, app, setAppId } = useConnectionMode(clientId);

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
    await run(async () => {
      const c = await api.post<ProviderConnection>(`/api/tenants/${encodeURIComponent(tenant)}/provider-connections`, body);
      setAdded(c);
      setCred({ secret: '' });
      setClientId('');
      setName('');
      onAdded();
      announceChange();
    });
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (mode === 'workspace_app') return submitOnApp();
    const at = new Date(`${cred.expires}T23:59:59Z`);
    const secretOk = cred.type === 'certificate' || (cred.secret && !Number.isNaN(at.getTime()));
    if (!name.trim() || !GUID.test(clientId.trim()) || !secretOk) {
      setError(
        cred.type === 'secret'
          ? 'Enter a name, the application (client) ID (a GUID), the client secret and the date it expires.'
          : 'Enter a name and the application (client) ID (a GUID).',
      );
      return;
    }
    const credential = cred.type === 'certificate' ? { credential: { type: 'certificate' } } : { clientSecret: cred.secret, secretExpiresAt: at.toISOString() };
    await send({ name: name.trim(), clientId: clientId.trim(), ...credential, cloud, isDefault: makeDefault });
  }

  return (
    <div className="add-connection" id="add-connection">
      <h2 className="card-title" id="add-conn-title">
        Add a provider connection to {tenantName}
      </h2>
      {added ? <Added c={added} tenant={tenant} /> : null}
      <FormError error={error} />
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="add-conn-title">
        <fieldset disabled={busy} className="form-grid-fields">
          <ConnectionModeChoice name="ac-mode" apps={apps} mode={mode} onChange={setMode} />
          <div className="field">
            <label htmlFor="ac-name">Connection name</label>
            <input id="ac-name" ref={nameRef} value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          {mode === 'workspace_app' ? (
            <>
              <WorkspaceAppSelect id="ac-app" apps={apps} app={app} onChange={setAppId} />
              <p className="muted small">
                No secret to enter: the app’s own credential is used in {tenantName}. Next, an admin of {tenantName} grants consent to the app (“Grant admin
                consent” on the connection’s page).
              </p>
            </>
          ) : (
            <>
              <ClientIdField id="ac-client" value={clientId} onChange={setClientId} />
              <AppCredentialFields
                idPrefix="ac"
                value={cred}
                onChange={setCred}
                certificateNote="opsgate generates an RSA key pair and a certificate valid for one year. You upload the certificate to the app registration; the private key stays encrypted in opsgate."
              />
              <CloudField id="ac-cloud" value={cloud} onChange={setCloud} />
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
