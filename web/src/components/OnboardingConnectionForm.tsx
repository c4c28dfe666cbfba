// The onboarding wizard's connection step. When the workspace has app registrations, "Use a
// workspace app" comes first: onboarding then needs no secret at all, only the tenant admin's
// consent (the verification says so and links "Grant admin consent"). Otherwise, or on request,
// the tenant's own app registration with its client secret (write-only); the demo's preset
// fills that one in.
import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import type { DemoPreset } from '../types.ts';
import { ClientIdField, CloudField, FormError, SecretExpiryFields, useCredentialState, useSubmitState, type Cloud } from './AppCredentialFields.tsx';
import { ConnectionModeChoice, useConnectionMode, WorkspaceAppSelect } from './ConnectionModeFields.tsx';
import { DemoPresetOffer } from './DemoPresetOffer.tsx';

export function ConnectionForm({ sessionId, disabled, preset, onDone }: { sessionId: string; disabled: boolean; preset?: DemoPreset; onDone: () => void }) {
  const [name, setName] = useState('Primary');
  const [clientId, setClientId] = useState('');
  const [cred, setCred] = useCredentialState();
  const [cloud, setCloud] = useState<Cloud>('global');
  const { busy, error, setError, run } = useSubmitState();
  // The workspace's apps come first once known, unless the operator chose or typed otherwise.
  const { apps, mode, setMode, app, setAppId } = useConnectionMode(clientId);

  function applyPreset(p: DemoPreset) {
    setMode('own_app');
    setName(p.connection.name);
    setClientId(p.connection.clientId);
    setCred({ secret: p.connection.clientSecret, expires: p.connection.secretExpiresAt.slice(0, 10) });
    setCloud(p.connection.cloud);
    setError(null);
  }

  async function save(body: Record<string, unknown>) {
    await run(async () => {
      await api.post(`/api/onboarding/${encodeURIComponent(sessionId)}/connection`, body);
      setCred({ secret: '' });
      onDone();
    });
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (mode === 'workspace_app') {
      if (!name.trim() || !app) return setError('Enter a name and choose the workspace app.');
      return save({ name: name.trim(), appRegistrationId: app.id });
    }
    const at = new Date(`${cred.expires}T23:59:59Z`);
    if (!name.trim() || !clientId.trim() || !cred.secret || Number.isNaN(at.getTime())) {
      setError('Enter a name, the application (client) ID, the client secret and its expiry date.');
      return;
    }
    await save({ name: name.trim(), clientId: clientId.trim(), clientSecret: cred.secret, secretExpiresAt: at.toISOString(), cloud });
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      {preset && !disabled ? (
        <DemoPresetOffer
          preset={preset}
          detail={`${preset.tenant.name}'s app registration is consented in the sandbox cloud already: this fills in its client ID, secret and expiry, on the sandbox cloud.`}
          disabled={busy}
          onUse={() => applyPreset(preset)}
        />
      ) : null}
      <FormError error={error} />
      <fieldset disabled={disabled || busy} className="form-grid-fields">
        <ConnectionModeChoice name="oc-mode" apps={apps} mode={mode} onChange={setMode} />
        <div className="field">
          <label htmlFor="oc-name">Connection name</label>
          <input id="oc-name" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        {mode === 'workspace_app' ? (
          <>
            <WorkspaceAppSelect id="oc-app" apps={apps} app={app} onChange={setAppId} />
            <p className="muted small">No secret needed: the tenant’s admin consents to the app, which the verification then confirms.</p>
          </>
        ) : (
          <>
            <ClientIdField id="oc-client" value={clientId} onChange={setClientId} />
            <CloudField id="oc-cloud" value={cloud} onChange={setCloud} />
            <SecretExpiryFields idPrefix="oc" value={cred} onChange={setCred} />
          </>
        )}
        <div>
          <button type="submit" className="button button-primary">
            Save connection
          </button>
        </div>
      </fieldset>
    </form>
  );
}
