// /admin/settings/app-registrations (provider_connection.manage on the workspace: owners,
// managers): the workspace's multi-tenant app(s). Add one with a client secret or a certificate
// opsgate generates (the public certificate is shown to upload), see how many connections use
// each and their expiry, rotate once for every tenant, delete (refused with the server's 409
// while connections use it). Rows have anchors (#app-{id}) for needs-attention's next step.
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { api, ApiError } from '../api.ts';
import { useCurrentWorkspace } from '../attention.ts';
import { credentialLabel } from '../app-registrations.ts';
import type { AppRegistration, ItemList } from '../types.ts';
import {
  AppCredentialFields,
  ClientIdField,
  CloudField,
  credentialBody,
  FormError,
  useCredentialState,
  useSubmitState,
  type Cloud,
} from '../components/AppCredentialFields.tsx';
import { CertificatePanel } from '../components/CertificatePanel.tsx';
import { expiryFact, Fact } from '../components/Readiness.tsx';
import { Empty, ErrorState, Loading, NotFoundPage } from '../components/States.tsx';
import { announceChange, useDocumentTitle, useNow, useResource } from '../hooks.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Notice = { tone: 'good' | 'bad'; text: string; app?: AppRegistration } | null;

export function AppRegistrationsPage() {
  useDocumentTitle('App registrations');
  const ws = useCurrentWorkspace();
  const may = !!ws?.capabilities.includes('provider_connection.manage');
  const list = useResource<ItemList<AppRegistration>>(ws && may ? `/api/workspaces/${encodeURIComponent(ws.slug)}/app-registrations` : null, {
    idleIntervalMs: 30_000,
  });
  const [notice, setNotice] = useState<Notice>(null);
  const [rotating, setRotating] = useState<string | null>(null);
  const [showing, setShowing] = useState<string | null>(null);
  const location = useLocation();
  const now = useNow(60_000);

  // Needs attention's "Rotate the app's …" lands on #app-{id}: show that row with its form open
  // and bring it into view, once per arrival (each navigation has its own location key). The
  // list's reloads (every 30 s, after a change) leave the form as the operator left it: closed
  // after a rotation, not opened again under them.
  const linked = /^#app-(.+)$/.exec(location.hash)?.[1] ?? null;
  const arrival = linked ? `${location.key}:${linked}` : null;
  const [opened, setOpened] = useState<string | null>(null);
  const loaded = !!list.data;
  if (arrival && loaded && opened !== arrival) {
    setOpened(arrival);
    setRotating(linked);
  }
  useEffect(() => {
    if (linked && loaded) document.getElementById(`app-${linked}`)?.scrollIntoView({ block: 'center' });
  }, [arrival, linked, loaded]);

  if (!ws || !may || list.error?.status === 403) return <NotFoundPage />;

  async function remove(a: AppRegistration) {
    if (!window.confirm(`Delete the app registration ${a.name}? opsgate forgets its credential; the app itself stays in your tenant.`)) return;
    setNotice(null);
    try {
      await api.del(`/api/app-registrations/${a.id}`);
      setNotice({ tone: 'good', text: `Deleted ${a.name}.` });
      list.reload();
    } catch (err) {
      // 409 app_in_use says how many connections still use it.
      setNotice({ tone: 'bad', text: err instanceof ApiError ? err.message : String(err) });
    }
  }

  function changed(a: AppRegistration, text: string) {
    setNotice({ tone: 'good', text, app: a });
    setRotating(null);
    // The notice shows the new certificate; an older one left open below would be stale.
    setShowing(null);
    list.reload();
    // Readiness of every connection on the app may have changed: preflight hints ask again.
    announceChange();
  }

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>App registrations</h1>
          <p className="muted">
            One multi-tenant app in your own tenant, consented by each customer tenant’s admin, instead of an app registration and a secret in every customer
            tenant. Register it in Entra for “Accounts in any organizational directory”, with the Graph application permissions opsgate needs; its credential
            serves every connection on it, so it is rotated here, once.
          </p>
        </div>
      </div>
      {notice ? (
        <div
          className={`callout ${notice.tone === 'good' ? 'callout-good' : 'callout-error'}`}
          role={notice.tone === 'bad' ? 'alert' : 'status'}
          data-testid="apps-notice"
        >
          <p>{notice.text}</p>
          {notice.app?.certificate ? <CertificatePanel cert={notice.app.certificate} fileName={`opsgate-${notice.app.name}`} fresh /> : null}
        </div>
      ) : null}
      <section className="card card-flush" aria-label="App registrations">
        {list.error ? (
          <ErrorState error={list.error} onRetry={list.reload} />
        ) : !list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty title="No app registrations yet">Add your multi-tenant app below; then add connections on it from each tenant’s connections.</Empty>
        ) : (
          <table className="table" data-testid="apps-table">
            <thead>
              <tr>
                <th scope="col">App</th>
                <th scope="col">Credential</th>
                <th scope="col">Connections</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            {list.data.items.map((a) => (
              <tbody key={a.id} id={`app-${a.id}`} data-app={a.name}>
                <tr>
                  <td>
                    <strong>{a.name}</strong>
                    <div className="subtle-note">
                      App (client) ID {a.clientId} · {a.cloud === 'sandbox' ? 'sandbox cloud' : 'Microsoft global cloud'}
                    </div>
                  </td>
                  <td>
                    {credentialLabel(a)}
                    <div>
                      <Fact
                        {...(a.hasCredential
                          ? expiryFact({ credentialExpiresAt: a.credentialExpiresAt, credentialKind: a.credentialType }, now)
                          : { tone: 'bad', text: 'No credential stored' })}
                      />
                    </div>
                    {a.certificate ? (
                      // The public certificate is no secret: its thumbprint stays on the row, to match
                      // against the portal's list, and the certificate can be shown again to re-upload.
                      <div className="subtle-note">
                        Thumbprint{' '}
                        <code className="thumbprint" data-testid="app-thumbprint">
                          {a.certificate.thumbprintSha1}
                        </code>{' '}
                        <button
                          type="button"
                          className="link-button"
                          aria-expanded={showing === a.id}
                          onClick={() => setShowing(showing === a.id ? null : a.id)}
                        >
                          {showing === a.id ? 'Hide certificate' : 'Show certificate'}
                        </button>
                      </div>
                    ) : null}
                  </td>
                  <td data-testid="app-connections">
                    {a.connectionCount === 0 ? 'No connection yet' : `${a.connectionCount} connection${a.connectionCount === 1 ? '' : 's'}`}
                    {a.tenants.length ? (
                      <div className="subtle-note">
                        {a.tenants.slice(0, 6).map((t, i) => (
                          <span key={t.slug}>
                            {i ? ', ' : ''}
                            <Link to={`/admin/provider-connections?tenant=${encodeURIComponent(t.slug)}`}>{t.name}</Link>
                          </span>
                        ))}
                        {a.tenants.length > 6 ? ` and ${a.tenants.length - 6} more` : ''}
                      </div>
                    ) : null}
                  </td>
                  <td className="cell-actions">
                    <button
                      type="button"
                      className="button button-secondary"
                      aria-expanded={rotating === a.id}
                      onClick={() => setRotating(rotating === a.id ? null : a.id)}
                    >
                      Rotate credential
                    </button>{' '}
                    <button type="button" className="button button-danger" onClick={() => void remove(a)}>
                      Delete
                    </button>
                  </td>
                </tr>
                {showing === a.id && a.certificate ? (
                  <tr>
                    <td colSpan={4}>
                      <CertificatePanel cert={a.certificate} fileName={`opsgate-${a.name}`} />
                    </td>
                  </tr>
                ) : null}
                {rotating === a.id ? (
                  <tr>
                    <td colSpan={4}>
                      <RotateForm app={a} onDone={changed} />
                    </td>
                  </tr>
                ) : null}
              </tbody>
            ))}
          </table>
        )}
      </section>
      <AddAppForm
        workspace={ws.slug}
        onAdded={(a) => changed(a, a.certificate ? `Added ${a.name} with a new certificate: upload it to the app registration.` : `Added ${a.name}.`)}
      />
    </div>
  );
}

function RotateForm({ app, onDone }: { app: AppRegistration; onDone: (a: AppRegistration, text: string) => void }) {
  const [cred, setCred] = useCredentialState();
  const { busy, error, setError, run } = useSubmitState();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = credentialBody(cred);
    if ('missing' in body) return setError(body.missing);
    await run(async () => {
      const a = await api.patch<AppRegistration>(`/api/app-registrations/${app.id}`, body);
      const tenants = `${a.connectionCount} connection${a.connectionCount === 1 ? '' : 's'}`;
      onDone(
        a,
        a.certificate
          ? `New certificate for ${a.name} (${tenants}): upload it to the app registration before the next run.`
          : `Rotated the client secret of ${a.name}, for its ${tenants}.`,
      );
    });
  }
  return (
    <form className="rotate-form" onSubmit={(e) => void submit(e)} noValidate aria-label={`Rotate the credential of ${app.name}`}>
      <FormError error={error} />
      <fieldset disabled={busy} className="form-grid-fields">
        <AppCredentialFields idPrefix={`rot-${app.id}`} value={cred} onChange={setCred} rotating spellCheck={false} />
        <p className="muted small">Every connection on this app uses the new credential from its next run on: one rotation for every tenant.</p>
        <div>
          <button type="submit" className="button button-primary">
            Rotate
          </button>
        </div>
      </fieldset>
    </form>
  );
}

function AddAppForm({ workspace, onAdded }: { workspace: string; onAdded: (a: AppRegistration) => void }) {
  const [name, setName] = useState('');
  const [clientId, setClientId] = useState('');
  const [cloud, setCloud] = useState<Cloud>('global');
  const [cred, setCred] = useCredentialState();
  const { busy, error, setError, run } = useSubmitState();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = credentialBody(cred);
    if (!name.trim() || !GUID.test(clientId.trim())) return setError('Enter a name and the application (client) ID (a GUID).');
    if ('missing' in body) return setError(body.missing);
    await run(async () => {
      const a = await api.post<AppRegistration>(`/api/workspaces/${encodeURIComponent(workspace)}/app-registrations`, {
        name: name.trim(),
        clientId: clientId.trim(),
        cloud,
        ...body,
      });
      setName('');
      setClientId('');
      setCred({ secret: '', expires: '' });
      onAdded(a);
    });
  }
  return (
    <section className="card" aria-labelledby="add-app-title">
      <h2 className="card-title" id="add-app-title">
        Add an app registration
      </h2>
      <FormError error={error} />
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="add-app-title">
        <fieldset disabled={busy} className="form-grid-fields">
          <div className="field">
            <label htmlFor="app-name">App name</label>
            <input id="app-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="Contoso MSP automation" />
          </div>
          <ClientIdField id="app-client" value={clientId} onChange={setClientId} />
          <CloudField id="app-cloud" value={cloud} onChange={setCloud} />
          <AppCredentialFields idPrefix="app" value={cred} onChange={setCred} spellCheck={false} />
          <div>
            <button type="submit" className="button button-primary">
              Add app registration
            </button>
          </div>
        </fieldset>
      </form>
    </section>
  );
}
