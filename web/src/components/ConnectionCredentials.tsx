// The connection page's credential card (#credentials, where "Rotate the client secret" and
// "Rotate the certificate" next steps land): the expiry, then either the secret rotation form
// or the public certificate with "Generate a new certificate". Switching kinds is possible
// both ways. Secrets and private keys are never shown; the public certificate always is.
// A connection on a workspace app has no credential of its own: the card shows the app's and
// sends the rotation to the app registrations page, where it is done once for every tenant.
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { APP_REGISTRATIONS_PATH } from '../app-registrations.ts';
import { expiryFact, Fact } from './Readiness.tsx';
import { CertificatePanel } from './CertificatePanel.tsx';
import type { ProviderConnection } from '../types.ts';

type Patch = (body: Record<string, unknown>, done: string) => Promise<boolean>;

export function ConnectionCredentials(props: { c: ProviderConnection; canManage: boolean; busy: boolean; patch: Patch; now: number }) {
  return props.c.kind === 'workspace_app' ? <AppCredential c={props.c} now={props.now} /> : <OwnCredential {...props} />;
}

function AppCredential({ c, now }: { c: ProviderConnection; now: number }) {
  const noun = c.credentialKind === 'certificate' ? 'certificate' : 'client secret';
  const app = c.appRegistration;
  return (
    <section className="card" id="credentials" aria-labelledby="cred-title" data-testid="app-credential">
      <h2 className="card-title" id="cred-title">
        Credential of the workspace app
      </h2>
      <p>
        <Fact {...(c.hasCredential === false ? { tone: 'bad' as const, text: 'The app has no credential stored' } : expiryFact(c, now))} />
      </p>
      <p className="muted small">
        This connection uses the {noun} of the workspace app <strong>{app?.name}</strong>, registered in your own tenant: one credential for every tenant on the
        app, rotated once. {app ? <Link to={`${APP_REGISTRATIONS_PATH}#app-${app.id}`}>Rotate it on App registrations</Link> : null} (owners and managers of the
        workspace).
      </p>
    </section>
  );
}

function OwnCredential({ c, canManage, busy, patch, now }: { c: ProviderConnection; canManage: boolean; busy: boolean; patch: Patch; now: number }) {
  const certificate = c.credentialKind === 'certificate';
  const [secret, setSecret] = useState('');
  const [expires, setExpires] = useState('');
  const [fresh, setFresh] = useState(false);

  async function rotateSecret(e: FormEvent) {
    e.preventDefault();
    const at = new Date(`${expires}T23:59:59Z`);
    if (!secret || Number.isNaN(at.getTime())) return;
    const ok = await patch(
      { clientSecret: secret, secretExpiresAt: at.toISOString() },
      'Client secret rotated. Run “Check connection” or “Verify tenant” to refresh readiness.',
    );
    if (ok) {
      setSecret('');
      setExpires('');
    }
  }

  async function newCertificate() {
    const replaces = certificate
      ? 'The current certificate stops working for opsgate at once: upload the new one to the app registration before the next run.'
      : 'The client secret is discarded: upload the new certificate to the app registration before the next run.';
    if (!window.confirm(`Generate a new certificate for ${c.name}? ${replaces}`)) return;
    const ok = await patch(
      { credential: { type: 'certificate' } },
      'New certificate generated. Upload it to the app registration, then run “Check connection”.',
    );
    if (ok) setFresh(true);
  }

  const generate = canManage ? (
    <button type="button" className="button button-secondary" disabled={busy} onClick={() => void newCertificate()}>
      {certificate ? 'Generate a new certificate' : 'Use a certificate instead'}
    </button>
  ) : null;

  return (
    <section className="card" id="credentials" aria-labelledby="cred-title">
      <h2 className="card-title" id="cred-title">
        {certificate ? 'Certificate' : 'Client secret'}
      </h2>
      <p>
        <Fact {...expiryFact(c, now)} />
      </p>
      {certificate ? (
        <>
          <p className="muted small">opsgate holds the private key, encrypted; it is never shown, here or by the API.</p>
          {c.certificate ? <CertificatePanel cert={c.certificate} fileName={`opsgate-${c.tenant.slug}-${c.name}`} fresh={fresh} /> : null}
          <div className="button-row">{generate}</div>
        </>
      ) : (
        <>
          <p className="muted small">The secret is stored encrypted and is never shown again, here or by the API.</p>
          {canManage ? (
            <form className="rotate-form" onSubmit={(e) => void rotateSecret(e)}>
              <div className="field">
                <label htmlFor="new-secret">New client secret</label>
                <input
                  id="new-secret"
                  type="password"
                  autoComplete="new-password"
                  spellCheck={false}
                  value={secret}
                  onChange={(e) => setSecret(e.target.value)}
                />
              </div>
              <div className="field">
                <label htmlFor="secret-expires">Secret expires on</label>
                <input id="secret-expires" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
              </div>
              <button type="submit" className="button button-primary" disabled={busy || !secret || !expires}>
                Rotate secret
              </button>
            </form>
          ) : null}
          <div className="button-row">{generate}</div>
        </>
      )}
    </section>
  );
}
