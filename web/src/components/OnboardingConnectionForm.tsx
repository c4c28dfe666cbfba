// The onboarding wizard's connection step. When the workspace has app registrations, "Use a
// workspace app" comes first: onboarding then needs no secret at all, only the tenant admin's
// consent (the verification says so and links "Grant admin consent"). Otherwise, or on request,
// the tenant's own app registration with its client secret (write-only); the demo's preset
// fills that one in.
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { useAppRegistrations } from '../app-registrations.ts';
import type { DemoPreset, OnboardingSession } from '../types.ts';
import { DemoPresetOffer } from './DemoPresetOffer.tsx';

type Mode = NonNullable<OnboardingSession['providerConnection']>['kind'];

export function ConnectionForm({ sessionId, disabled, preset, onDone }: { sessionId: string; disabled: boolean; preset?: DemoPreset; onDone: () => void }) {
  const [name, setName] = useState('Primary');
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [expires, setExpires] = useState('');
  const [cloud, setCloud] = useState<'global' | 'sandbox'>('global');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const apps = useAppRegistrations().data?.items ?? [];
  const [chosenMode, setMode] = useState<Mode | null>(null);
  const [appId, setAppId] = useState('');
  // The workspace's apps come first once known, unless the operator chose or typed otherwise.
  const mode: Mode = chosenMode ?? (apps.length && !clientId ? 'workspace_app' : 'own_app');
  const app = apps.find((a) => a.id === appId) ?? apps[0] ?? null;

  function applyPreset(p: DemoPreset) {
    setMode('own_app');
    setName(p.connection.name);
    setClientId(p.connection.clientId);
    setSecret(p.connection.clientSecret);
    setExpires(p.connection.secretExpiresAt.slice(0, 10));
    setCloud(p.connection.cloud);
    setError(null);
  }

  async function save(body: Record<string, unknown>) {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/onboarding/${encodeURIComponent(sessionId)}/connection`, body);
      setSecret('');
      onDone();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (mode === 'workspace_app') {
      if (!name.trim() || !app) return setError('Enter a name and choose the workspace app.');
      return save({ name: name.trim(), appRegistrationId: app.id });
    }
    const at = new Date(`${expires}T23:59:59Z`);
    if (!name.trim() || !clientId.trim() || !secret || Number.isNaN(at.getTime())) {
      setError('Enter a name, the application (client) ID, the client secret and its expiry date.');
      return;
    }
    await save({ name: name.trim(), clientId: clientId.trim(), clientSecret: secret, secretExpiresAt: at.toISOString(), cloud });
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
      {error ? (
        <div className="callout callout-error" role="alert">
          {error}
        </div>
      ) : null}
      <fieldset disabled={disabled || busy} className="form-grid-fields">
        {apps.length ? (
          <fieldset className="field checks" data-testid="connection-mode">
            <legend>Connect with</legend>
            <label className="check">
              <input type="radio" name="oc-mode" checked={mode === 'workspace_app'} onChange={() => setMode('workspace_app')} /> Use a workspace app
            </label>
            <label className="check">
              <input type="radio" name="oc-mode" checked={mode === 'own_app'} onChange={() => setMode('own_app')} /> Use an app registration of this tenant
            </label>
          </fieldset>
        ) : null}
        <div className="field">
          <label htmlFor="oc-name">Connection name</label>
          <input id="oc-name" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        {mode === 'workspace_app' ? (
          <>
            <div className="field">
              <label htmlFor="oc-app">Workspace app</label>
              <select id="oc-app" value={app?.id ?? ''} onChange={(e) => setAppId(e.target.value)}>
                {apps.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name} ({a.clientId})
                  </option>
                ))}
              </select>
            </div>
            <p className="muted small">No secret needed: the tenant’s admin consents to the app, which the verification then confirms.</p>
          </>
        ) : (
          <>
            <div className="field">
              <label htmlFor="oc-client">Application (client) ID</label>
              <input
                id="oc-client"
                value={clientId}
                onChange={(e) => setClientId(e.target.value)}
                spellCheck={false}
                placeholder="00000000-0000-0000-0000-000000000000"
              />
            </div>
            <div className="field">
              <label htmlFor="oc-cloud">Cloud</label>
              <select id="oc-cloud" value={cloud} onChange={(e) => setCloud(e.target.value as 'global' | 'sandbox')}>
                <option value="global">Microsoft global cloud</option>
                <option value="sandbox">Sandbox cloud (local demo)</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="oc-secret">Client secret</label>
              <input id="oc-secret" type="password" autoComplete="new-password" value={secret} onChange={(e) => setSecret(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="oc-expires">Secret expires on</label>
              <input id="oc-expires" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
            </div>
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
