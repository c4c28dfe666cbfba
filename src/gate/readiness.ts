// The DB-only preflight: given the tenant and the resolved connection's stored facts, is
// the start ready, and if not, which one reason dominates? Order matters: the first failing
// check is the one the operator fixes first.
import type { ProviderConnection, Tenant } from '../db/schema.ts';
import type { OperationDefinition } from '../operations/definition.ts';
import { missingPermissions } from '../operations/permissions.ts';
import type { BlockedFacts } from './result.ts';

/** What the gate reads of a tenant: only what it decides on or writes with the run. */
export type GateTenant = Pick<Tenant, 'id' | 'workspace_id' | 'status'>;
/**
 * What the gate reads of a connection. The credential itself is never loaded: only whether a
 * secret and a certificate thumbprint are stored.
 */
export type GateConnection = Pick<
  ProviderConnection,
  | 'id'
  | 'name'
  | 'enabled'
  | 'credential_kind'
  | 'credential_expires_at'
  | 'verification_status'
  | 'verification_reason_code'
  | 'consent_status'
  | 'granted_permissions'
> & { has_secret: boolean; has_thumbprint: boolean };

/** A connection has a credential when one of its kind is stored: a secret, or a certificate's thumbprint. */
export function hasStoredCredential(kind: ProviderConnection['credential_kind'], hasSecret: boolean, hasThumbprint: boolean): boolean {
  return kind === 'secret' ? hasSecret : hasThumbprint;
}

export type Readiness = { ready: true } | { ready: false; reason: BlockedFacts };

const blocked = (code: BlockedFacts['code'], params: BlockedFacts['params'] = {}): Readiness => ({
  ready: false,
  reason: { code, params },
});

export function readiness(
  def: OperationDefinition,
  tenant: GateTenant,
  connection: GateConnection | null,
  opts: { fromOnboarding: boolean; now: Date },
): Readiness {
  const operable = tenant.status === 'active' || (tenant.status === 'onboarding' && def.allowedDuringOnboarding && opts.fromOnboarding);
  if (!operable) return blocked('tenant_not_operable', { status: tenant.status });
  if (!connection) return blocked('provider_connection_missing');
  if (!connection.enabled) return blocked('provider_connection_disabled');
  if (!hasStoredCredential(connection.credential_kind, connection.has_secret, connection.has_thumbprint)) {
    return blocked('provider_credentials_missing');
  }
  if (connection.credential_expires_at && connection.credential_expires_at.getTime() <= opts.now.getTime()) {
    // A certificate's expiry is its notAfter; the catalogue names the credential by its kind.
    const expiredAt = connection.credential_expires_at.toISOString();
    return blocked('provider_credentials_expired', connection.credential_kind === 'certificate' ? { expiredAt, credential: 'certificate' } : { expiredAt });
  }
  // Verification-type operations refresh the facts below, so those facts cannot block them.
  if (def.refreshesReadiness) return { ready: true };
  if (connection.verification_status === 'unusable') {
    return blocked('provider_connection_unusable', connection.verification_reason_code ? { lastReason: connection.verification_reason_code } : {});
  }
  if (connection.consent_status !== 'granted') {
    return blocked('provider_consent_missing', { consentStatus: connection.consent_status });
  }
  const missing = missingPermissions(connection.granted_permissions, def.requiredPermissions);
  if (missing.length) return blocked('provider_permission_missing', { missing });
  return { ready: true };
}
