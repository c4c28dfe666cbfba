// A provider connection as every answer shows it: its readiness facts, its workspace app's
// credential facts when it is on one, and its last verification's problem in the catalogue's
// words. Built field by field, never by spreading the row: the secret and the certificate's
// private key never reach a view; the public certificate is shown, always. The HTTP schema of
// this view is `connectionSchema` (src/http/routes/provider-connections.ts).
import { appOf, appsByIds, type ConnectionApp } from '../apps/connection-facts.ts';
import { certificateView, type CertificateView } from '../connections/credentials.ts';
import type { Db } from '../db/connect.ts';
import type { Cloud, ConsentStatus, CredentialKind, ProviderConnection, VerificationStatus } from '../db/schema.ts';
import { hasStoredCredential } from '../gate/readiness.ts';
import { ALL_PERMISSIONS, missingPermissions } from '../operations/permissions.ts';
import { explain } from '../reasons/catalogue.ts';
import { isReasonCode } from '../reasons/codes.ts';

/** On the tenant's own app registration, or on the workspace's multi-tenant app. */
export const CONNECTION_KINDS = ['own_app', 'workspace_app'] as const;
export type ConnectionKind = (typeof CONNECTION_KINDS)[number];

export interface ConnectionView {
  id: string;
  name: string;
  tenant: { id: string; slug: string };
  cloud: Cloud;
  clientId: string;
  kind: ConnectionKind;
  appRegistration: { id: string; name: string } | null;
  isDefault: boolean;
  enabled: boolean;
  credentialKind: CredentialKind;
  hasCredential: boolean;
  credentialExpiresAt: string | null;
  certificate: CertificateView | null;
  consentStatus: ConsentStatus;
  grantedPermissions: string[];
  lastVerifiedAt: string | null;
  verificationStatus: VerificationStatus;
  verificationReasonCode: string | null;
  verificationReason: { code: string; message: string } | null;
}

/**
 * `app`: the workspace app the connection is on (appsByIds), whose credential facts it shows.
 * Its certificate is the app's business (shown on the app registrations page), not repeated here.
 */
export function presentConnection(c: ProviderConnection, tenantSlug: string, app: ConnectionApp | null = null): ConnectionView {
  const onApp = c.app_registration_id !== null;
  const kind = onApp ? (app?.credential_kind ?? c.credential_kind) : c.credential_kind;
  return {
    id: c.id,
    name: c.name,
    tenant: { id: c.tenant_id, slug: tenantSlug },
    cloud: c.cloud,
    clientId: c.client_id,
    kind: onApp ? 'workspace_app' : 'own_app',
    appRegistration: onApp ? { id: c.app_registration_id!, name: app?.name ?? '' } : null,
    isDefault: c.is_default,
    enabled: c.enabled,
    credentialKind: kind,
    hasCredential: onApp
      ? !!app && hasStoredCredential(app.credential_kind, app.has_secret, app.has_thumbprint)
      : hasStoredCredential(c.credential_kind, !!c.secret_ciphertext, !!c.certificate_thumbprint),
    credentialExpiresAt: ((onApp ? app?.credential_expires_at : c.credential_expires_at) ?? null)?.toISOString() ?? null,
    certificate: onApp ? null : certificateView(c),
    consentStatus: c.consent_status,
    grantedPermissions: [...c.granted_permissions],
    lastVerifiedAt: c.last_verified_at?.toISOString() ?? null,
    verificationStatus: c.verification_status,
    verificationReasonCode: c.verification_reason_code,
    verificationReason: c.verification_reason_code
      ? {
          code: c.verification_reason_code,
          message: explain(
            isReasonCode(c.verification_reason_code) ? c.verification_reason_code : 'execution_error',
            // Which permissions are missing follows from the stored grants.
            { missing: missingPermissions(c.granted_permissions, ALL_PERMISSIONS) },
            { tenantSlug, providerConnectionId: c.id },
          ).message,
        }
      : null,
  };
}

/** Connections with their tenant's slug, each presented with its workspace app's facts. */
export async function presentConnections(db: Db, rows: (ProviderConnection & { tenant_slug: string })[]): Promise<ConnectionView[]> {
  const apps = await appsByIds(
    db,
    rows.map((r) => r.app_registration_id),
  );
  return rows.map(({ tenant_slug, ...c }) => presentConnection(c, tenant_slug, c.app_registration_id ? (apps.get(c.app_registration_id) ?? null) : null));
}

/** One connection, with its workspace app's facts when it is on one. */
export async function presentOne(db: Db, c: ProviderConnection, tenantSlug: string): Promise<ConnectionView> {
  return presentConnection(c, tenantSlug, await appOf(db, c.app_registration_id));
}
