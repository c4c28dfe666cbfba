// The credential of an app registration, as the add and rotate forms ask for it: a client secret
// (write-only, with the date it expires) or a certificate opsgate generates. `credentialBody`
// turns the fields into the API's `credential`, or says what is missing. Also the fields and the
// submit state the workspace-app, add-connection and onboarding forms share: the application
// (client) ID, the cloud, and the API's refusal shown above the form.
import { useState, type ReactNode } from 'react';
import { ApiError } from '../api.ts';
import type { AppRegistration } from '../types.ts';

export type CredentialType = AppRegistration['credentialType'];

export interface CredentialState {
  type: CredentialType;
  secret: string;
  expires: string;
}

export function useCredentialState(): [CredentialState, (patch: Partial<CredentialState>) => void] {
  const [state, setState] = useState<CredentialState>({ type: 'secret', secret: '', expires: '' });
  return [state, (patch) => setState((s) => ({ ...s, ...patch }))];
}

export function credentialBody(c: CredentialState): { credential: Record<string, string> } | { missing: string } {
  if (c.type === 'certificate') return { credential: { type: 'certificate' } };
  const at = new Date(`${c.expires}T23:59:59Z`);
  if (!c.secret || Number.isNaN(at.getTime())) return { missing: 'Enter the client secret and the date it expires.' };
  return { credential: { type: 'secret', secret: c.secret, expiresAt: at.toISOString() } };
}

export type Cloud = 'global' | 'sandbox';

/** A form's submission: `busy` while `run`'s request is out, and its refusal as `error`. */
export function useSubmitState() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run(request: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await request();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}

export function FormError({ error }: { error: string | null }) {
  return error ? (
    <div className="callout callout-error" role="alert">
      {error}
    </div>
  ) : null;
}

export function ClientIdField({ id, value, onChange }: { id: string; value: string; onChange: (clientId: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>Application (client) ID</label>
      <input id={id} value={value} onChange={(e) => onChange(e.target.value)} spellCheck={false} placeholder="00000000-0000-0000-0000-000000000000" />
    </div>
  );
}

export function CloudField({ id, value, onChange }: { id: string; value: Cloud; onChange: (cloud: Cloud) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>Cloud</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as Cloud)}>
        <option value="global">Microsoft global cloud</option>
        <option value="sandbox">Sandbox cloud (local demo)</option>
      </select>
    </div>
  );
}

/** The client secret and the date it expires. `spellCheck` is set on the secret input only when given. */
export function SecretExpiryFields({
  idPrefix,
  value,
  onChange,
  rotating = false,
  spellCheck,
}: {
  idPrefix: string;
  value: Pick<CredentialState, 'secret' | 'expires'>;
  onChange: (patch: Partial<CredentialState>) => void;
  rotating?: boolean;
  spellCheck?: boolean;
}) {
  return (
    <>
      <div className="field">
        <label htmlFor={`${idPrefix}-secret`}>{rotating ? 'New client secret' : 'Client secret'}</label>
        <input
          id={`${idPrefix}-secret`}
          type="password"
          autoComplete="new-password"
          spellCheck={spellCheck}
          value={value.secret}
          onChange={(e) => onChange({ secret: e.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor={`${idPrefix}-expires`}>{rotating ? 'New secret expires on' : 'Secret expires on'}</label>
        <input id={`${idPrefix}-expires`} type="date" value={value.expires} onChange={(e) => onChange({ expires: e.target.value })} />
      </div>
    </>
  );
}

const APP_CERTIFICATE_NOTE =
  'opsgate generates an RSA key pair and a certificate valid for one year. You upload the certificate to the app registration in your own tenant; the private key stays encrypted in opsgate.';

/** `rotating`: the labels say "New …", so the add form's fields keep their own labels on the same page. */
export function AppCredentialFields({
  idPrefix,
  value,
  onChange,
  rotating = false,
  spellCheck,
  certificateNote = APP_CERTIFICATE_NOTE,
}: {
  idPrefix: string;
  value: CredentialState;
  onChange: (patch: Partial<CredentialState>) => void;
  rotating?: boolean;
  spellCheck?: boolean;
  certificateNote?: ReactNode;
}) {
  return (
    <>
      <div className="field">
        <label htmlFor={`${idPrefix}-kind`}>{rotating ? 'New credential' : 'Credential'}</label>
        <select id={`${idPrefix}-kind`} value={value.type} onChange={(e) => onChange({ type: e.target.value as CredentialType })}>
          <option value="secret">Client secret</option>
          <option value="certificate">Certificate (opsgate generates it)</option>
        </select>
      </div>
      {value.type === 'secret' ? (
        <SecretExpiryFields idPrefix={idPrefix} value={value} onChange={onChange} rotating={rotating} spellCheck={spellCheck} />
      ) : (
        <p className="muted small">{certificateNote}</p>
      )}
    </>
  );
}
