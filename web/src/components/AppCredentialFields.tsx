// The credential of a workspace app, as the add and rotate forms ask for it: a client secret
// (write-only, with the date it expires) or a certificate opsgate generates. `toBody` turns the
// fields into the API's `credential`, or says what is missing.
import { useState } from 'react';
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

/** `rotating`: the labels say "New …", so the add form's fields keep their own labels on the same page. */
export function AppCredentialFields({
  idPrefix,
  value,
  onChange,
  rotating = false,
}: {
  idPrefix: string;
  value: CredentialState;
  onChange: (patch: Partial<CredentialState>) => void;
  rotating?: boolean;
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
        <>
          <div className="field">
            <label htmlFor={`${idPrefix}-secret`}>{rotating ? 'New client secret' : 'Client secret'}</label>
            <input
              id={`${idPrefix}-secret`}
              type="password"
              autoComplete="new-password"
              spellCheck={false}
              value={value.secret}
              onChange={(e) => onChange({ secret: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${idPrefix}-expires`}>{rotating ? 'New secret expires on' : 'Secret expires on'}</label>
            <input id={`${idPrefix}-expires`} type="date" value={value.expires} onChange={(e) => onChange({ expires: e.target.value })} />
          </div>
        </>
      ) : (
        <p className="muted small">
          opsgate generates an RSA key pair and a certificate valid for one year. You upload the certificate to the app registration in your own tenant; the
          private key stays encrypted in opsgate.
        </p>
      )}
    </>
  );
}
