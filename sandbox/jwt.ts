/**
 * Access tokens issued by the sandbox: real JWTs (HS256 with a per-process random key)
 * so the client decodes them exactly like Entra tokens, and the sandbox's Graph side can
 * verify signature, audience and expiry. HS256 rather than RS256 because nobody but the
 * sandbox itself ever verifies them, and it avoids generating an RSA key on every start.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface SandboxTokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  azp: string;
  oid: string;
  sub: string;
  idtyp: 'app';
  ver: '2.0';
  iat: number;
  nbf: number;
  exp: number;
  /** Omitted when the app has no consented application permissions, as Entra does. */
  roles?: string[];
  /** Sandbox-only: the app's token generation at issue time (see revokeTokens). */
  sbx_gen: number;
}

export type VerifyResult = { ok: true; claims: SandboxTokenClaims } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'wrong_audience' };

export interface TokenSigner {
  sign(claims: SandboxTokenClaims): string;
  verify(token: string, audience: string, nowSeconds?: number): VerifyResult;
}

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

export function createTokenSigner(): TokenSigner {
  const key = randomBytes(32);
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256', kid: 'opsgate-sandbox' }));
  const mac = (input: string): Buffer => createHmac('sha256', key).update(input).digest();

  return {
    sign(claims) {
      const body = `${header}.${b64url(JSON.stringify(claims))}`;
      return `${body}.${mac(body).toString('base64url')}`;
    },

    verify(token, audience, nowSeconds = Math.floor(Date.now() / 1000)) {
      const parts = token.split('.');
      if (parts.length !== 3 || !parts[0] || !parts[1] || !parts[2]) return { ok: false, reason: 'malformed' };
      const expected = mac(`${parts[0]}.${parts[1]}`);
      const given = Buffer.from(parts[2], 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
      let claims: SandboxTokenClaims;
      try {
        claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as SandboxTokenClaims;
      } catch {
        return { ok: false, reason: 'malformed' };
      }
      if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) return { ok: false, reason: 'expired' };
      if (claims.aud !== audience) return { ok: false, reason: 'wrong_audience' };
      return { ok: true, claims };
    },
  };
}
