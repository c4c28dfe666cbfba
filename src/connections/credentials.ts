// A credential, both ways: the columns written when a secret or a generated certificate is
// stored (exactly one kind at a time, the other kind's columns cleared), and the credentials a
// job hands to the provider, opened from the secret box only there. The columns have the same
// names on provider_connections and app_registrations (migration 0016), so every helper here
// serves a connection's own app and a workspace app alike.
import type { Db } from '../db/connect.ts';
import type { ProviderConnection } from '../db/schema.ts';
import type { ConnectionCredentials } from '../provider/types.ts';
import { certificateFacts, generateCertificate, type CertificateFacts } from '../security/certificate.ts';
import { credentialAad, type SealedRow, type SecretBox } from '../security/secret-box.ts';

export type CredentialColumns = Pick<
  ProviderConnection,
  'credential_kind' | 'secret_ciphertext' | 'certificate_thumbprint' | 'certificate_pem' | 'private_key_ciphertext' | 'credential_expires_at'
>;

/** `row`: the row the secret is stored in; the sealed value is bound to it (credentialAad). */
export function secretColumns(box: SecretBox, secret: string, expiresAt: Date, row?: SealedRow): CredentialColumns {
  return {
    credential_kind: 'secret',
    secret_ciphertext: box.seal(secret, row && credentialAad(row, 'secret_ciphertext')),
    certificate_thumbprint: null,
    certificate_pem: null,
    private_key_ciphertext: null,
    credential_expires_at: expiresAt,
  };
}

/** Whose certificate it is, for its subject: a tenant's connection or a workspace app. */
export type CertificateOwner = { tenantSlug: string; connectionName: string } | { appName: string };

/**
 * A new key pair and certificate; the private key is sealed before it leaves this function.
 * The certificate's notAfter is the credential's expiry, which readiness blocks on.
 */
/** `row`: the row the key is stored in; the sealed key is bound to it (credentialAad). */
export async function newCertificateColumns(box: SecretBox, owner: CertificateOwner, now: Date = new Date(), row?: SealedRow): Promise<CredentialColumns> {
  const commonName = 'appName' in owner ? `opsgate ${owner.appName}` : `opsgate ${owner.tenantSlug} ${owner.connectionName}`;
  const cert = await generateCertificate({ commonName, now });
  return {
    credential_kind: 'certificate',
    secret_ciphertext: null,
    certificate_thumbprint: cert.thumbprintSha256,
    certificate_pem: cert.certificatePem,
    private_key_ciphertext: box.seal(cert.privateKeyPem, row && credentialAad(row, 'private_key_ciphertext')),
    credential_expires_at: cert.notAfter,
  };
}

/** The public certificate as the API shows it (no key material). */
export interface CertificateView {
  pem: string;
  thumbprintSha256: string;
  thumbprintSha1: string;
  notBefore: string;
  notAfter: string;
  subject: string;
}

export function certificateView(c: Pick<ProviderConnection, 'credential_kind' | 'certificate_pem'>): CertificateView | null {
  if (c.credential_kind !== 'certificate' || !c.certificate_pem) return null;
  const f: CertificateFacts = certificateFacts(c.certificate_pem);
  return {
    pem: c.certificate_pem,
    thumbprintSha256: f.thumbprintSha256,
    thumbprintSha1: f.thumbprintSha1,
    notBefore: f.notBefore.toISOString(),
    notAfter: f.notAfter.toISOString(),
    subject: f.subject,
  };
}

/** A workspace app's credential and client id, as the job needs them. */
export type AppCredential = CredentialColumns & { id: string; client_id: string };

/**
 * What the provider needs for the pinned connection. A connection on a workspace app uses the
 * app's credential and client id against the customer tenant's authority (`entraTenantId` is
 * always the connection's tenant): one multi-tenant app, consented in each customer tenant.
 * A missing credential becomes an empty one, which the token provider refuses as
 * provider_credentials_invalid without a request.
 */
export function connectionCredentials(
  box: SecretBox,
  entraTenantId: string,
  c: Pick<ProviderConnection, 'id' | 'client_id' | 'app_registration_id'> & CredentialColumns,
  app: AppCredential | null = null,
): ConnectionCredentials {
  const onApp = c.app_registration_id !== null;
  // Values are bound to the row that holds them (credentialAad): the connection's own, or the app's.
  const sealedIn: SealedRow | null = onApp ? (app ? { table: 'app_registrations', id: app.id } : null) : { table: 'provider_connections', id: c.id };
  const aadOf = (column: string) => (sealedIn ? credentialAad(sealedIn, column) : undefined);
  const source = onApp ? app : c;
  const clientId = onApp ? (app?.client_id ?? c.client_id) : c.client_id;
  // Entra's answers mean other things for a multi-tenant app (see classify.ts).
  const marker = onApp ? { workspaceApp: true } : {};
  if (source?.credential_kind === 'certificate') {
    return {
      kind: 'certificate',
      entraTenantId,
      clientId,
      privateKeyPem: source.private_key_ciphertext ? box.open(source.private_key_ciphertext, aadOf('private_key_ciphertext')) : '',
      thumbprintSha256: source.certificate_thumbprint ?? '',
      ...marker,
    };
  }
  return { entraTenantId, clientId, clientSecret: source?.secret_ciphertext ? box.open(source.secret_ciphertext, aadOf('secret_ciphertext')) : '', ...marker };
}

/**
 * The credentials of a connection as they are now: for a connection on a workspace app, the
 * app's credential is read here, when the job executes — not at the click. So a rotation
 * between the click and the run is what the run uses (docs/ARCHITECTURE.md, "Workspace apps").
 */
export async function loadConnectionCredentials(
  db: Db,
  box: SecretBox,
  entraTenantId: string,
  c: Pick<ProviderConnection, 'id' | 'client_id' | 'app_registration_id'> & CredentialColumns,
): Promise<ConnectionCredentials> {
  if (c.app_registration_id === null) return connectionCredentials(box, entraTenantId, c);
  const app = await db
    .selectFrom('app_registrations')
    .select([
      'id',
      'client_id',
      'credential_kind',
      'secret_ciphertext',
      'certificate_thumbprint',
      'certificate_pem',
      'private_key_ciphertext',
      'credential_expires_at',
    ])
    .where('id', '=', c.app_registration_id)
    .executeTakeFirst();
  return connectionCredentials(box, entraTenantId, c, app ?? null);
}
