// Certificate credentials for app registrations: opsgate generates the RSA key pair with
// node:crypto and a self-signed X.509 certificate for it (selfsigned, pure JS: no native
// addon, no openssl binary). The operator uploads the public certificate to the app
// registration; the private key never leaves the server (sealed at rest by the caller).
import { createHash, generateKeyPair, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { generate } from 'selfsigned';

/** Entra accepts RSA keys of at least 2048 bits for certificate credentials. */
export const CERTIFICATE_KEY_BITS = 2048;
/** Validity of a generated certificate; rotating earlier is always possible. */
export const CERTIFICATE_VALID_DAYS = 365;

const DAY_MS = 86_400_000;
const generateKeyPairAsync = promisify(generateKeyPair);

export interface CertificateFacts {
  /** Base64url SHA-256 of the DER certificate: the `x5t#S256` header of a client assertion. */
  thumbprintSha256: string;
  /** Upper-case hex SHA-1 of the DER certificate: what the Entra portal shows as "Thumbprint". */
  thumbprintSha1: string;
  notBefore: Date;
  notAfter: Date;
  subject: string;
}

export interface GeneratedCertificate extends CertificateFacts {
  certificatePem: string;
  /** PKCS#8 PEM. The caller seals it at once; it is never stored or returned in the clear. */
  privateKeyPem: string;
}

/** The facts a client assertion and the console need, read from a PEM certificate. */
export function certificateFacts(pem: string): CertificateFacts {
  const cert = new X509Certificate(pem);
  return {
    thumbprintSha256: createHash('sha256').update(cert.raw).digest('base64url'),
    thumbprintSha1: createHash('sha1').update(cert.raw).digest('hex').toUpperCase(),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    subject: cert.subject.replace(/\n/g, ', '),
  };
}

/**
 * A new key pair and a self-signed certificate for it, valid from a minute ago (clock skew
 * between opsgate and the identity platform) for CERTIFICATE_VALID_DAYS.
 */
export async function generateCertificate(opts: { commonName: string; now?: Date; validDays?: number }): Promise<GeneratedCertificate> {
  const now = opts.now ?? new Date();
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: CERTIFICATE_KEY_BITS,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const pems = await generate([{ name: 'commonName', value: opts.commonName.slice(0, 64) }], {
    keyPair: { publicKey, privateKey },
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + (opts.validDays ?? CERTIFICATE_VALID_DAYS) * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  return { certificatePem: pems.cert, privateKeyPem: privateKey, ...certificateFacts(pems.cert) };
}
