/**
 * Multi-tenant apps, as Entra has them: an app registered in its home (publisher) tenant with
 * "accounts in any organizational directory" exists in a customer tenant only as a service
 * principal, which the customer admin's consent creates. Tokens for the customer tenant are
 * then requested with the home registration's credentials (its secret or an uploaded
 * certificate) and carry the roles granted in the customer tenant.
 *
 * A service principal is kept as an app entry of the customer tenant with `homeTenantId` set:
 * consent, roles, token generation, faults and latency are its own (so Graph, faults and the
 * control API treat it like any app of that tenant), its secret and certificates are unused.
 */
import type { SandboxApp, SandboxState } from './state.ts';
import { isSecretExpired } from './state.ts';

/** The multi-tenant app registered (in its home tenant) under this client id, if any. */
export function multiTenantHomeApp(state: SandboxState, clientId: string): SandboxApp | undefined {
  const id = clientId.toLowerCase();
  return state.listApps().find((a) => a.clientId === id && a.multiTenant && a.homeTenantId === null && a.appExists);
}

/** The registration of a service principal's app: itself, or its home tenant's multi-tenant app. */
export function registrationOf(state: SandboxState, app: SandboxApp): SandboxApp | undefined {
  if (app.homeTenantId === null) return app;
  const home = state.getApp(app.homeTenantId, app.clientId);
  return home && home.multiTenant && home.appExists ? home : undefined;
}

/** The credentials a token request for `app` is checked against: always its registration's. */
export function credentialsOf(
  state: SandboxState,
  app: SandboxApp,
): { secret: string; secretExpired: boolean; certificates: SandboxApp['certificates'] } | undefined {
  const reg = registrationOf(state, app);
  return reg ? { secret: reg.secret, secretExpired: isSecretExpired(reg), certificates: reg.certificates } : undefined;
}

/**
 * A customer tenant's admin consents to a multi-tenant app: its service principal is created
 * there (or updated) with the granted roles, and tokens issued before no longer count.
 */
export function consentInTenant(state: SandboxState, tenantId: string, home: SandboxApp, roles: readonly string[], consentGranted = true): SandboxApp {
  const existing = state.getApp(tenantId, home.clientId);
  if (existing) {
    state.updateApp(tenantId, home.clientId, { consentGranted, grantedRoles: [...roles], displayName: home.displayName });
    return state.revokeTokens(tenantId, home.clientId);
  }
  return state.addApp(tenantId, {
    clientId: home.clientId,
    displayName: home.displayName,
    homeTenantId: home.tenantId,
    // Never used: the home registration's credentials authenticate the app everywhere.
    secret: '',
    consentGranted,
    grantedRoles: [...roles],
  }).app;
}
