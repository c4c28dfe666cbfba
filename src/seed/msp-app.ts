// The demo's workspace app: "Contoso MSP automation", one multi-tenant app registered in the
// MSP's own (home) tenant with a healthy secret and every permission the covered operations
// need, and no connection yet. In the console it is a workspace app registration of Contoso MSP;
// in the sandbox cloud it is a multi-tenant app whose customer tenants have not consented, so a
// connection on it (adatum has none today) walks the consent loop: blocked on consent ->
// "Grant admin consent" -> the sandbox's consent page naming Contoso MSP as the publisher ->
// back, verified -> the same start queued. Sandbox-only identifiers and secret.
import crypto from 'node:crypto';
import type { DbOrTx } from '../db/connect.ts';
import { ALL_PERMISSIONS } from '../operations/permissions.ts';
import type { SandboxState } from '../../sandbox/index.ts';
import { credentialAad, type SecretBox } from '../security/secret-box.ts';

const DAY = 86_400_000;

export const DEMO_MSP_APP = {
  workspaceSlug: 'contoso-msp',
  name: 'Contoso MSP automation',
  clientId: '0c0aa990-0000-4000-8000-000000000001',
  /** Sandbox-only credential. */
  secret: 'sandbox-contoso-msp-automation-secret',
  secretExpiresInDays: 365,
  permissions: ALL_PERMISSIONS,
  /**
   * The MSP's own directory, where the app is registered. The same tenant as the demo's "Sign in
   * with Microsoft" directory: whichever demo registration runs first creates it.
   */
  home: { id: '0c0a7050-0000-4000-8000-000000000001', displayName: 'Contoso MSP', defaultDomain: 'contosomsp.onmicrosoft.com' },
} as const;

/** The console's side: the workspace app registration, secret sealed. */
export async function seedMspApp(tx: DbOrTx, box: SecretBox, workspaceId: string, now: Date): Promise<void> {
  const a = DEMO_MSP_APP;
  const id = crypto.randomUUID();
  await tx
    .insertInto('app_registrations')
    .values({
      id,
      workspace_id: workspaceId,
      name: a.name,
      client_id: a.clientId,
      cloud: 'sandbox',
      credential_kind: 'secret',
      secret_ciphertext: box.seal(a.secret, credentialAad({ table: 'app_registrations', id }, 'secret_ciphertext')),
      credential_expires_at: new Date(now.getTime() + a.secretExpiresInDays * DAY),
    })
    .execute();
}

/** The cloud's side: the home tenant (when not there yet) and the multi-tenant app in it. */
export function registerMspAppInSandbox(state: SandboxState, now = new Date()): void {
  const a = DEMO_MSP_APP;
  if (!state.getTenant(a.home.id)) {
    const none = { deviceConfigurations: 0, configurationPolicies: 0, deviceCompliancePolicies: 0, managedDevices: 0, groups: 0, roleDefinitions: 0 };
    state.addTenant({ id: a.home.id, displayName: a.home.displayName, defaultDomain: a.home.defaultDomain, counts: none });
  }
  if (state.getApp(a.home.id, a.clientId)) return;
  state.addApp(a.home.id, {
    clientId: a.clientId,
    displayName: a.name,
    secret: a.secret,
    secretExpiresAt: new Date(now.getTime() + a.secretExpiresInDays * DAY).toISOString(),
    multiTenant: true,
    // Consented in its home tenant; these are also the permissions it requests of customers.
    consentGranted: true,
    grantedRoles: [...a.permissions],
  });
}
