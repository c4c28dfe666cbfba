/**
 * Signed client assertions (private_key_jwt) for certificate credentials, in the format the
 * Microsoft identity platform documents: header `alg: PS256`, `typ: JWT`, `x5t#S256` (the
 * certificate's base64url SHA-256 thumbprint); claims `aud` = the token endpoint,
 * `iss` = `sub` = the client id, a fresh `jti`, `nbf`/`iat` now, `exp` ten minutes later.
 *
 * Why not msal-node's own `clientCertificate` option: it signs one assertion per application
 * object and sends that same assertion (same `jti`) with every token request for ten minutes.
 * An authority that enforces single-use `jti` (the sandbox does) then refuses the forced
 * refresh after a Graph 401, and two parallel first requests. MSAL calls a `clientAssertion`
 * callback for every token request instead, so each request carries a new assertion; the
 * format is the one MSAL's certificate path produces with `thumbprintSha256`.
 */
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { CertificateCredentials } from '../types.ts';

/** Lifetime of one assertion; Entra recommends 5-10 minutes after nbf. */
export const ASSERTION_LIFETIME_SECONDS = 600;

// Parsing a PEM key costs more than signing with it: one KeyObject per key, bounded.
const keys = new Map<string, KeyObject>();
const MAX_KEYS = 256;

function keyFor(pem: string): KeyObject {
  let key = keys.get(pem);
  if (!key) {
    key = createPrivateKey(pem);
    if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value!);
    keys.set(pem, key);
  }
  return key;
}

export async function signClientAssertion(
  credentials: Pick<CertificateCredentials, 'clientId' | 'privateKeyPem' | 'thumbprintSha256'>,
  audience: string,
  now: number = Date.now(),
): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'PS256', typ: 'JWT', 'x5t#S256': credentials.thumbprintSha256 })
    .setAudience(audience)
    .setIssuer(credentials.clientId)
    .setSubject(credentials.clientId)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + ASSERTION_LIFETIME_SECONDS)
    .sign(keyFor(credentials.privateKeyPem));
}
