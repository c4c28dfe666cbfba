// "Sign in with Microsoft", the protocol half: OpenID Connect's authorization code flow with
// PKCE against the MSP's own Entra tenant (or the sandbox cloud, which speaks the same
// protocol). The authority's discovery document names the endpoints, the issuer and the keys;
// it is fetched from the configured authority and cached, and so are the keys (jose's remote
// JWKS: refetched when a token names a key it does not hold, at most every 30 s).
//
// Id tokens are verified with jose, never by hand: RS256 signature with a key from the
// authority's JWKS, issuer, audience (our client id), exp/nbf with a minute of clock skew,
// then the nonce of this sign-in. Failures carry a fixed reason, never token or upstream text.
import crypto from 'node:crypto';
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload } from 'jose';
import { fetch as undiciFetch } from 'undici';
import { dispatcherFor } from '../provider/microsoft/transport.ts';

export interface SsoSettings {
  /** The MSP's own tenant: id or verified domain. */
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** e.g. https://login.microsoftonline.com, or the sandbox cloud's URL. */
  authorityHost: string;
  /** Trust exactly this CA for the authority (the sandbox's); unset: the system's roots. */
  caPem?: string;
  /** Allowed clock skew for exp/nbf, seconds (default 60). */
  clockToleranceSeconds?: number;
}

export type SsoFailure =
  | 'authority_unreachable' // discovery, keys or token endpoint could not be reached or answered nonsense
  | 'code_refused' // the token endpoint refused the code (used, expired, wrong verifier, ...)
  | 'id_token_missing'
  | 'id_token_malformed'
  | 'id_token_signature'
  | 'id_token_issuer'
  | 'id_token_audience'
  | 'id_token_expired'
  | 'id_token_not_yet_valid'
  | 'id_token_nonce'
  | 'id_token_claims';

/** A sign-in that failed in the protocol; `aadsts` is the authority's error number when it sent one. */
export class SsoError extends Error {
  readonly reason: SsoFailure;
  readonly aadsts: number | undefined;

  constructor(reason: SsoFailure, aadsts?: number) {
    super(`Microsoft sign-in failed: ${reason}${aadsts ? ` (AADSTS${aadsts})` : ''}`);
    this.name = 'SsoError';
    this.reason = reason;
    this.aadsts = aadsts;
  }
}

/** Who signed in, from a verified id token. */
export interface MicrosoftIdentity {
  tenantId: string;
  objectId: string;
  /** preferred_username (or the email claim), lower-cased. */
  email: string;
  displayName: string | null;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

export interface OidcClient {
  readonly settings: SsoSettings;
  authorizationUrl(p: { redirectUri: string; state: string; nonce: string; codeChallenge: string }): Promise<string>;
  /** Redeems the code at the token endpoint (client secret, PKCE verifier); answers the id token. */
  redeemCode(p: { code: string; codeVerifier: string; redirectUri: string }): Promise<string>;
  verifyIdToken(idToken: string, nonce: string): Promise<MicrosoftIdentity>;
}

const DISCOVERY_TTL_MS = 60 * 60 * 1000;
const TIMEOUT_MS = 10_000;
const SCOPE = 'openid profile email';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAILISH = /^[^\s@]+@[^\s@]+$/;

export function pkceChallenge(verifier: string): string {
  return crypto.createHash('sha256').update(verifier).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

function failureOf(err: unknown): SsoFailure {
  if (err instanceof errors.JWTExpired) return 'id_token_expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return 'id_token_issuer';
    if (err.claim === 'aud') return 'id_token_audience';
    if (err.claim === 'nbf') return 'id_token_not_yet_valid';
    return 'id_token_claims';
  }
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JOSEAlgNotAllowed)
    return 'id_token_signature';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return 'authority_unreachable';
  if (err instanceof errors.JOSEError) return 'id_token_malformed';
  return 'authority_unreachable';
}

export function createOidcClient(settings: SsoSettings): OidcClient {
  const dispatcher = dispatcherFor(settings.caPem);
  const http = (url: string, init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {}) =>
    undiciFetch(url, { ...init, dispatcher, redirect: 'manual', signal: init.signal ?? AbortSignal.timeout(TIMEOUT_MS) });
  const authority = settings.authorityHost.replace(/\/+$/, '');
  let discovery: { doc: Discovery; at: number } | null = null;
  let jwks: { uri: string; keys: ReturnType<typeof createRemoteJWKSet> } | null = null;

  async function discover(): Promise<Discovery> {
    if (discovery && Date.now() - discovery.at < DISCOVERY_TTL_MS) return discovery.doc;
    let doc: Partial<Discovery>;
    try {
      const res = await http(`${authority}/${encodeURIComponent(settings.tenantId)}/v2.0/.well-known/openid-configuration`);
      if (res.status !== 200) throw new Error('discovery status');
      doc = (await res.json()) as Partial<Discovery>;
    } catch {
      throw new SsoError('authority_unreachable');
    }
    const isUrl = (v: unknown) => typeof v === 'string' && /^https?:\/\//.test(v);
    if (!isUrl(doc.issuer) || !isUrl(doc.authorization_endpoint) || !isUrl(doc.token_endpoint) || !isUrl(doc.jwks_uri)) {
      throw new SsoError('authority_unreachable');
    }
    discovery = { doc: doc as Discovery, at: Date.now() };
    return discovery.doc;
  }

  function keysFor(uri: string) {
    if (jwks?.uri !== uri) {
      jwks = {
        uri,
        keys: createRemoteJWKSet(new URL(uri), {
          timeoutDuration: TIMEOUT_MS,
          cooldownDuration: 30_000,
          cacheMaxAge: 10 * 60_000,
          [customFetch]: (url: string, options: { headers: Headers; method: string; redirect: string; signal: AbortSignal }) =>
            undiciFetch(url, {
              headers: options.headers as unknown as Record<string, string>,
              method: options.method,
              redirect: 'manual',
              signal: options.signal,
              dispatcher,
            }) as unknown as Promise<Response>,
        }),
      };
    }
    return jwks.keys;
  }

  return {
    settings,

    async authorizationUrl({ redirectUri, state, nonce, codeChallenge }) {
      const doc = await discover();
      const u = new URL(doc.authorization_endpoint);
      u.searchParams.set('client_id', settings.clientId);
      u.searchParams.set('response_type', 'code');
      u.searchParams.set('redirect_uri', redirectUri);
      u.searchParams.set('response_mode', 'query');
      u.searchParams.set('scope', SCOPE);
      u.searchParams.set('state', state);
      u.searchParams.set('nonce', nonce);
      u.searchParams.set('code_challenge', codeChallenge);
      u.searchParams.set('code_challenge_method', 'S256');
      return u.toString();
    },

    async redeemCode({ code, codeVerifier, redirectUri }) {
      const doc = await discover();
      let status: number;
      let body: { id_token?: unknown; error_codes?: unknown };
      try {
        const res = await http(doc.token_endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            client_id: settings.clientId,
            client_secret: settings.clientSecret,
            code,
            redirect_uri: redirectUri,
            code_verifier: codeVerifier,
            scope: SCOPE,
          }).toString(),
        });
        status = res.status;
        body = (await res.json().catch(() => ({}))) as typeof body;
      } catch {
        throw new SsoError('authority_unreachable');
      }
      if (status !== 200) {
        const first = Array.isArray(body.error_codes) ? Number(body.error_codes[0]) : NaN;
        if (status >= 500) throw new SsoError('authority_unreachable', Number.isFinite(first) ? first : undefined);
        throw new SsoError('code_refused', Number.isFinite(first) ? first : undefined);
      }
      if (typeof body.id_token !== 'string' || body.id_token === '') throw new SsoError('id_token_missing');
      return body.id_token;
    },

    async verifyIdToken(idToken, nonce) {
      const doc = await discover();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(idToken, keysFor(doc.jwks_uri), {
          issuer: doc.issuer,
          audience: settings.clientId,
          algorithms: ['RS256'],
          clockTolerance: settings.clockToleranceSeconds ?? 60,
          requiredClaims: ['exp', 'iat', 'sub'],
        }));
      } catch (err) {
        throw new SsoError(failureOf(err));
      }
      if (typeof payload.nonce !== 'string' || !sameText(payload.nonce, nonce)) throw new SsoError('id_token_nonce');
      const tid = payload.tid;
      const oid = payload.oid;
      if (typeof tid !== 'string' || typeof oid !== 'string' || !GUID.test(oid)) throw new SsoError('id_token_claims');
      // The issuer already names the tenant; with a tenant id configured, tid must say the same.
      if (GUID.test(settings.tenantId) && tid.toLowerCase() !== settings.tenantId.toLowerCase()) throw new SsoError('id_token_issuer');
      const candidates = [payload.preferred_username, payload.email].filter((v): v is string => typeof v === 'string' && EMAILISH.test(v.trim()));
      const email = candidates[0]?.trim().toLowerCase();
      if (!email) throw new SsoError('id_token_claims');
      const name = typeof payload.name === 'string' && payload.name.trim() ? payload.name.trim().slice(0, 200) : null;
      return { tenantId: tid.toLowerCase(), objectId: oid.toLowerCase(), email, displayName: name };
    },
  };
}
