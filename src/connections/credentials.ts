// A connection's credential, both ways: the columns written when a secret or a generated
// certificate is stored (exactly one kind at a time, the other kind's columns cleared), and
// the credentials a job hands to the provider, opened from the secret box only there.
import type { ProviderConnection } from '../db/schema.ts';
import type { ConnectionCredentials } from '../provider/types.ts';
import { certificateFacts, generateCertificate, type CertificateFacts } from '../security/certificate.ts';
import type { SecretBox } from '../security/secret-box.ts';

type CredentialColumns = Pick<
  ProviderConnection,
  'credential_kind' | 'secret_ciphertext' | 'certificate_thumbprint' | 'certificate_pem' | 'private_key_ciphertext' | 'credential_expires_at'
>;

export function secretColumns(box: SecretBox, secret: string, expiresAt: Date): CredentialColumns {
  return {
    credential_kind: 'secret',
    secret_ciphertext: box.seal(secret),
    certificate_thumbprint: null,
    certificate_pem: null,
    private_key_ciphertext: null,
    credential_expires_at: expiresAt,
  };
}

/**
 * A new key pair and certificate; the private key is sealed before it leaves this function.
 * The certificate's notAfter is the credential's expiry, which readiness blocks on.
 */
export async function newCertificateColumns(
  box: SecretBox,
  names: { tenantSlug: string; connectionName: string },
  now: Date = new Date(),
): Promise<CredentialColumns> {
  const cert = await generateCertificate({ commonName: `opsgate ${names.tenantSlug} ${names.connectionName}`, now });
  return {
    credential_kind: 'certificate',
    secret_ciphertext: null,
    certificate_thumbprint: cert.thumbprintSha256,
    certificate_pem: cert.certificatePem,
    private_key_ciphertext: box.seal(cert.privateKeyPem),
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

/**
 * What the provider needs for the pinned connection. A missing credential becomes an empty
 * one, which the token provider refuses as provider_credentials_invalid without a request.
 */
export function connectionCredentials(box: SecretBox, entraTenantId: string, c: ProviderConnection): ConnectionCredentials {
  if (c.credential_kind === 'certificate') {
    return {
      kind: 'certificate',
      entraTenantId,
      clientId: c.client_id,
      privateKeyPem: c.private_key_ciphertext ? box.open(c.private_key_ciphertext) : '',
      thumbprintSha256: c.certificate_thumbprint ?? '',
    };
  }
  return { entraTenantId, clientId: c.client_id, clientSecret: c.secret_ciphertext ? box.open(c.secret_ciphertext) : '' };
}
