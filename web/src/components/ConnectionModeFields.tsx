// "Connect with": a workspace app or an app registration of the tenant itself, as the add-connection
// and onboarding forms ask it. The workspace's apps come first once known, unless the operator
// chose or typed a client ID otherwise.
import { useState } from 'react';
import { useAppRegistrations } from '../app-registrations.ts';
import type { AppRegistration, ProviderConnection } from '../types.ts';

export type ConnectionMode = ProviderConnection['kind'];

export function useConnectionMode(clientId: string) {
  const apps = useAppRegistrations().data?.items ?? [];
  const [chosenMode, setMode] = useState<ConnectionMode | null>(null);
  const [appId, setAppId] = useState('');
  const mode: ConnectionMode = chosenMode ?? (apps.length && !clientId ? 'workspace_app' : 'own_app');
  const app = apps.find((a) => a.id === appId) ?? apps[0] ?? null;
  return { apps, mode, setMode, app, setAppId };
}

/** The choice itself, only when the workspace has apps; `name` groups the radios. */
export function ConnectionModeChoice({
  name,
  apps,
  mode,
  onChange,
}: {
  name: string;
  apps: AppRegistration[];
  mode: ConnectionMode;
  onChange: (mode: ConnectionMode) => void;
}) {
  if (!apps.length) return null;
  return (
    <fieldset className="field checks" data-testid="connection-mode">
      <legend>Connect with</legend>
      <label className="check">
        <input type="radio" name={name} checked={mode === 'workspace_app'} onChange={() => onChange('workspace_app')} /> Use a workspace app
      </label>
      <label className="check">
        <input type="radio" name={name} checked={mode === 'own_app'} onChange={() => onChange('own_app')} /> Use an app registration of this tenant
      </label>
    </fieldset>
  );
}

export function WorkspaceAppSelect({
  id,
  apps,
  app,
  onChange,
}: {
  id: string;
  apps: AppRegistration[];
  app: AppRegistration | null;
  onChange: (appId: string) => void;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>Workspace app</label>
      <select id={id} value={app?.id ?? ''} onChange={(e) => onChange(e.target.value)}>
        {apps.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name} ({a.clientId})
          </option>
        ))}
      </select>
    </div>
  );
}
