// "Sign in with Microsoft" in the demo: the MSP's own (home) tenant in the sandbox cloud, with
// every demo user as a person who signs in there with the demo password, and the app
// registration opsgate signs people in with. `npm start` points its SSO settings at it, so the
// button on /login works for every demo user. Sandbox-only identifiers and secret: none of this
// exists anywhere but in the local sandbox cloud.
import type { SandboxState } from '../../sandbox/index.ts';
import { SSO_CALLBACK_PATH } from '../sso/paths.ts';
import { DEMO_PASSWORD, DEMO_WORKSPACES } from './demo-fixture.ts';

export const DEMO_SSO = {
  tenant: { id: '0c0a7050-0000-4000-8000-000000000001', displayName: 'Contoso MSP', defaultDomain: 'contosomsp.onmicrosoft.com' },
  app: {
    clientId: '055a0000-0000-4000-8000-000000000001',
    displayName: 'opsgate sign-in',
    /** Sandbox-only credential. */
    secret: 'sandbox-opsgate-sign-in-secret',
  },
  /** Loopback callbacks match any port (as in Entra), so every local port works. */
  redirectUris: [`http://127.0.0.1${SSO_CALLBACK_PATH}`, `http://localhost${SSO_CALLBACK_PATH}`],
} as const;

/** The object id of the n-th demo person in the home tenant (stable across restarts). */
const objectId = (n: number) => `0c0a7a11-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/**
 * Registers the home tenant, its people and the sign-in app. `publicUrl`: the console's
 * configured origin, whose callback is registered too.
 */
export function registerSsoDemo(state: SandboxState, opts: { publicUrl?: string | null } = {}): void {
  const { tenant, app } = DEMO_SSO;
  if (!state.getTenant(tenant.id)) {
    state.addTenant({
      id: tenant.id,
      displayName: tenant.displayName,
      defaultDomain: tenant.defaultDomain,
      counts: { deviceConfigurations: 0, configurationPolicies: 0, deviceCompliancePolicies: 0, managedDevices: 0, groups: 0, roleDefinitions: 0 },
    });
    let n = 0;
    for (const ws of DEMO_WORKSPACES) {
      for (const m of ws.members) {
        state.directory.add(tenant.id, {
          id: objectId(++n),
          userPrincipalName: m.email,
          mail: m.email,
          displayName: m.displayName,
          password: DEMO_PASSWORD,
          // Fabrikam's owner is a guest of Contoso's directory in the demo, so one sign-in app
          // serves every demo user.
          userType: ws.name === tenant.displayName ? 'Member' : 'Guest',
        });
      }
    }
  }
  const redirectUris: string[] = [...DEMO_SSO.redirectUris];
  if (opts.publicUrl) redirectUris.push(`${opts.publicUrl}${SSO_CALLBACK_PATH}`);
  if (state.getApp(tenant.id, app.clientId)) {
    state.updateApp(tenant.id, app.clientId, { redirectUris });
    return;
  }
  state.addApp(tenant.id, {
    clientId: app.clientId,
    displayName: app.displayName,
    secret: app.secret,
    secretExpiresAt: null,
    // A sign-in app needs no application permissions.
    consentGranted: true,
    grantedRoles: [],
    redirectUris,
  });
}
