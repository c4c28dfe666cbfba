/**
 * Certificate credentials in the sandbox cloud: public certificates uploaded to an app (the
 * control API, as an operator uploads one to the app registration in the portal), and the
 * verification of a client assertion (private_key_jwt) at the token endpoint.
 *
 * What is checked, in Entra's order and with Entra's AADSTS codes: the assertion parses
 * (50027), names an uploaded certificate by `x5t#S256` or `x5t` (700027 "key was not found"),
 * that certificate is within its validity (700027 "key used is expired"), the signature
 * verifies with it (700027), `iss` = `sub` = the client id (700021), `aud` is this token
 * endpoint (700023), `nbf`/`exp` hold (700024). Stricter than Entra, which accepts an
 * assertion until it expires: a `jti` is accepted once (700027 with a replay reason), so a
 * client that reuses assertions is caught here rather than by whoever copies one.
 */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface SandboxCertificate {
  pem: string;
  /** Base64url SHA-256 of the DER certificate (`x5t#S256`). */
  thumbprintSha256: string;
  /** Base64url SHA-1 of the DER certificate (`x5t`). */
  x5t: string;
  /** Upper-case hex SHA-1, as the Entra portal lists certificates. */
  thumbprint: string;
  notBefore: string;
  notAfter: string;
  uploadedAt: string;
  publicKey: KeyObject;
}

export interface CertificateView {
  thumbprint: string;
  thumbprintSha256: string;
  notBefore: string;
  notAfter: string;
  expired: boolean;
  uploadedAt: string;
}

/** Parses an uploaded PEM certificate; null when it is not one. */
export function parseCertificate(pem: string, now = new Date()): SandboxCertificate | null {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return null;
  }
  if (cert.publicKey.asymmetricKeyType !== 'rsa') return null;
  const sha1 = createHash('sha1').update(cert.raw).digest();
  return {
    pem: cert.toString(),
    thumbprintSha256: createHash('sha256').update(cert.raw).digest('base64url'),
    x5t: sha1.toString('base64url'),
    thumbprint: sha1.toString('hex').toUpperCase(),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    uploadedAt: now.toISOString(),
    publicKey: cert.publicKey,
  };
}

export function certificateView(c: SandboxCertificate, now = Date.now()): CertificateView {
  return {
    thumbprint: c.thumbprint,
    thumbprintSha256: c.thumbprintSha256,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    expired: Date.parse(c.notAfter) <= now,
    uploadedAt: c.uploadedAt,
  };
}

/** A certificate named by either thumbprint form (hex SHA-1 as the portal shows, or base64url SHA-256). */
export function matchesThumbprint(c: SandboxCertificate, ref: string): boolean {
  return c.thumbprint === ref.toUpperCase() || c.thumbprintSha256 === ref;
}

export type AssertionCheck = { ok: true } | { ok: false; aadsts: number; description: string };

const fail = (aadsts: number, description: string): AssertionCheck => ({ ok: false, aadsts, description });

/**
 * Used `jti`s with the time their assertion expires; entries are dropped once expired, when
 * a replay is no longer possible anyway.
 */
export class AssertionReplayGuard {
  private readonly seen = new Map<string, number>();

  /** True the first time a jti is offered (and remembers it), false on a replay. */
  accept(key: string, expiresAtMs: number, now = Date.now()): boolean {
    for (const [k, exp] of this.seen) if (exp <= now) this.seen.delete(k);
    if (this.seen.has(key)) return false;
    this.seen.set(key, expiresAtMs);
    return true;
  }
}

export interface AssertionInput {
  assertion: string;
  clientId: string;
  certificates: readonly SandboxCertificate[];
  /** Every spelling of this token endpoint the client may have used. */
  audiences: string[];
  replay: AssertionReplayGuard;
  now?: number;
}

export async function verifyClientAssertion(input: AssertionInput): Promise<AssertionCheck> {
  const now = input.now ?? Date.now();
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(input.assertion);
    decodeJwt(input.assertion);
  } catch {
    return fail(50027, 'JWT token is invalid or malformed.');
  }
  const s256 = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined;
  const x5t = typeof header.x5t === 'string' ? header.x5t : undefined;
  const cert = input.certificates.find((c) => (s256 && c.thumbprintSha256 === s256) || (x5t && c.x5t === x5t));
  const used = s256 ?? x5t ?? 'none';
  if (!cert) {
    return fail(700027, `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${used}']`);
  }
  if (Date.parse(cert.notAfter) <= now || Date.parse(cert.notBefore) > now) {
    return fail(
      700027,
      `Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '${used}', Found key 'Start=${cert.notBefore}, End=${cert.notAfter}']`,
    );
  }
  let claims: { jti?: unknown; exp?: unknown };
  try {
    ({ payload: claims } = await jwtVerify(input.assertion, cert.publicKey, {
      algorithms: ['PS256', 'RS256'],
      currentDate: new Date(now),
      requiredClaims: ['exp', 'jti'],
    }));
  } catch (err) {
    if (err instanceof errors.JWTExpired || (err instanceof errors.JWTClaimValidationFailed && err.claim === 'nbf')) {
      return fail(700024, 'Client assertion is not within its valid time range.');
    }
    if (err instanceof errors.JWTClaimValidationFailed)
      return fail(50027, `JWT token is invalid or malformed: the '${err.claim}' claim is missing or invalid.`);
    return fail(
      700027,
      `Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '${used}']`,
    );
  }
  const p = decodeJwt(input.assertion);
  if (p.iss !== input.clientId || p.sub !== input.clientId) {
    return fail(700021, `Client assertion application identifier doesn't match 'client_id' parameter.`);
  }
  const aud = Array.isArray(p.aud) ? p.aud : [p.aud];
  if (!aud.some((a) => typeof a === 'string' && input.audiences.includes(a.replace(/\/+$/, '')))) {
    return fail(700023, 'Client assertion audience claim does not match Realm issuer.');
  }
  if (!input.replay.accept(`${input.clientId}|${String(claims.jti)}`, Number(claims.exp) * 1000, now)) {
    return fail(
      700027,
      `Client assertion contains an invalid signature. [Reason - The assertion's jti was already used (replay), Thumbprint of key used by client: '${used}']`,
    );
  }
  return { ok: true };
}
