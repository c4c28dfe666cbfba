// "Sign in with Microsoft", the protocol half: OpenID Connect's authorization code flow with
// PKCE against the MSP's own Entra tenant (or the sandbox cloud, which speaks the same
// protocol), on openid-client: it builds the authorize URL, redeems the code (client secret,
// PKCE verifier), checks the answer's state and validates the id token (RS256 signature with a
// key from the authority's JWKS, issuer, audience, exp/nbf/iat with a minute of clock skew,
// nonce). Only what is ours is checked here: the tenant (`tid`), the object id and the email.
//
// The authority's endpoints are known, not discovered: Entra's per-tenant layout under the
// authority host, as MSAL is handed for the Graph connections (provider/microsoft/token.ts).
// So a sign-in depends on no discovery document, and the keys are fetched only when a token
// names one. The exceptions: a tenant configured by its verified domain (the issuer of its
// tokens names the tenant id, which only the authority's discovery document tells), and a
// sandbox whose sign-in page's address was not handed over; for those the document is read
// once, on the first sign-in, and kept. Failures carry a fixed reason, never token or
// upstream text.
import * as oidc from 'openid-client';
import { fetch as undiciFetch } from 'undici';
import { dispatcherFor } from '../provider/microsoft/transport.ts';

export interface SsoSettings {
  /** The MSP's own tenant: id or verified domain. */
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** e.g. https://login.microsoftonline.com, or the sandbox cloud's URL. */
  authorityHost: string;
  /**
   * Where a person's browser opens the sign-in page, when not on the authority host: the
   * sandbox serves it over plain HTTP on loopback, so the browser meets no certificate of the
   * sandbox's own CA.
   */
  signInPageHost?: string;
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

/** A sign-in about to start: the values its callback is judged by, and where to send the browser. */
export interface StartedAuthorization {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface OidcClient {
  readonly settings: SsoSettings;
  /** A fresh state, nonce and PKCE verifier, and the authorize URL that carries them (S256 challenge). */
  startAuthorization(redirectUri: string): Promise<StartedAuthorization>;
  /**
   * Redeems the callback's code (with the PKCE verifier, at the redirect URI the sign-in
   * started with), checks the state and validates the id token (nonce included); answers who
   * signed in.
   */
  completeAuthorization(p: {
    callbackQuery: URLSearchParams;
    state: string;
    nonce: string;
    codeVerifier: string;
    redirectUri: string;
  }): Promise<MicrosoftIdentity>;
}

const TIMEOUT_SECONDS = 10;
const SCOPE = 'openid profile email';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAILISH = /^[^\s@]+@[^\s@]+$/;

type Metadata = Pick<oidc.ServerMetadata, 'issuer' | 'authorization_endpoint' | 'token_endpoint' | 'jwks_uri'>;

/** Entra's per-tenant endpoints under an authority host (the sandbox's follow the same layout). */
function knownMetadata(authority: string, tenantId: string, pageHost: string): Metadata {
  const base = `${authority}/${tenantId}`;
  return {
    issuer: `${base}/v2.0`,
    authorization_endpoint: `${pageHost}/${tenantId}/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/oauth2/v2.0/token`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
  };
}

/** The library's error → our fixed reason (and the authority's AADSTS number, when it sent one). */
function failureOf(err: unknown): SsoError {
  if (err instanceof SsoError) return err;
  if (err instanceof oidc.ResponseBodyError) {
    const codes = (err.cause as { error_codes?: unknown }).error_codes;
    const first = Array.isArray(codes) ? Number(codes[0]) : NaN;
    const aadsts = Number.isFinite(first) ? first : undefined;
    return new SsoError(err.status >= 500 ? 'authority_unreachable' : 'code_refused', aadsts);
  }
  if (!(err instanceof oidc.ClientError)) return new SsoError('authority_unreachable');
  // The library's own error (its cause) says which check failed.
  const cause = err.cause as { message?: unknown; cause?: { claim?: unknown } } | undefined;
  const claim = cause?.cause?.claim;
  const detail = typeof cause?.message === 'string' ? cause.message : '';
  switch (err.code) {
    case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
      if (claim === 'iss') return new SsoError('id_token_issuer');
      if (claim === 'aud' || claim === 'azp') return new SsoError('id_token_audience');
      if (claim === 'nonce') return new SsoError('id_token_nonce');
      return new SsoError('id_token_claims');
    case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
      return new SsoError(claim === 'nbf' ? 'id_token_not_yet_valid' : 'id_token_expired');
    case 'OAUTH_KEY_SELECTION_FAILED':
    case 'OAUTH_UNSUPPORTED_OPERATION': // a token signed with an algorithm nobody verifies
      return new SsoError('id_token_signature');
    case 'OAUTH_INVALID_RESPONSE':
      // A token answer without an id token, a signature that does not verify, an algorithm
      // other than RS256 ("none" included), a claim of the wrong type.
      if (/"id_token"/.test(detail)) return new SsoError('id_token_missing');
      if (/^JWT "nonce" .*claim missing/.test(detail)) return new SsoError('id_token_nonce');
      if (/claim missing|claim type/.test(detail)) return new SsoError('id_token_claims');
      if (/signature|"alg"/.test(detail)) return new SsoError('id_token_signature');
      return new SsoError('id_token_malformed');
    case 'OAUTH_PARSE_ERROR':
      return new SsoError('id_token_malformed');
    default:
      // Timeouts, refused connections, answers that are not JSON or not OAuth's shape.
      return new SsoError('authority_unreachable');
  }
}

export function createOidcClient(settings: SsoSettings): OidcClient {
  const dispatcher = dispatcherFor(settings.caPem);
  // The sandbox's CA is trusted for the authority's requests only, as for Graph and MSAL
  // (transport.ts); redirects are never followed.
  const customFetch: oidc.CustomFetch = (url, options) =>
    undiciFetch(url, {
      method: options.method,
      headers: options.headers,
      body: options.body as string | URLSearchParams | null | undefined,
      redirect: 'manual',
      signal: options.signal ?? null,
      dispatcher,
    }) as unknown as Promise<Response>;
  const authority = settings.authorityHost.replace(/\/+$/, '');
  // A Microsoft cloud serves its sign-in page on the authority host; a sandbox (its own CA)
  // serves it elsewhere, which only its owner or its discovery document knows.
  const pageHost = settings.signInPageHost ?? (settings.caPem ? undefined : authority);
  const clientMetadata: Partial<oidc.ClientMetadata> = {
    client_secret: settings.clientSecret,
    id_token_signed_response_alg: 'RS256',
    [oidc.clockTolerance]: settings.clockToleranceSeconds ?? 60,
  };

  function configurationFor(metadata: Metadata) {
    // Token endpoint and keys: HTTPS only (the library's default).
    const grant = new oidc.Configuration(metadata, settings.clientId, clientMetadata);
    grant[oidc.customFetch] = customFetch;
    grant.timeout = TIMEOUT_SECONDS;
    // The library trusts an id token that came straight from the token endpoint over TLS
    // without checking its signature; ours is checked against the authority's keys anyway.
    oidc.enableNonRepudiationChecks(grant);
    // The authorize URL is only built, never requested: the sandbox's sign-in page is plain
    // HTTP on loopback by design, so only this configuration lets an http: page through.
    const page = new oidc.Configuration(metadata, settings.clientId, clientMetadata);
    if (new URL(metadata.authorization_endpoint!).protocol === 'http:') oidc.allowInsecureRequests(page);
    return { grant, page };
  }

  let configured: Promise<ReturnType<typeof configurationFor>> | null =
    GUID.test(settings.tenantId) && pageHost !== undefined
      ? Promise.resolve(configurationFor(knownMetadata(authority, settings.tenantId, pageHost.replace(/\/+$/, ''))))
      : null;
  // Otherwise (a verified domain, whose tokens' issuer names the tenant id; a sandbox whose
  // sign-in page's address is not known) the authority's discovery document is read once,
  // and again only after a failed attempt.
  function configuration() {
    configured ??= oidc
      .discovery(
        new URL(`${authority}/${encodeURIComponent(settings.tenantId)}/v2.0/.well-known/openid-configuration`),
        settings.clientId,
        clientMetadata,
        undefined,
        { [oidc.customFetch]: customFetch, timeout: TIMEOUT_SECONDS },
      )
      .then((found) => {
        const { issuer, authorization_endpoint, token_endpoint, jwks_uri } = found.serverMetadata();
        if (!authorization_endpoint || !token_endpoint || !jwks_uri) throw new SsoError('authority_unreachable');
        return configurationFor({ issuer, authorization_endpoint, token_endpoint, jwks_uri });
      })
      .catch((err: unknown) => {
        configured = null;
        throw failureOf(err);
      });
    return configured;
  }

  return {
    settings,

    async startAuthorization(redirectUri) {
      const { page } = await configuration();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(page, {
        redirect_uri: redirectUri,
        response_mode: 'query',
        scope: SCOPE,
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      });
      return { url: url.href, state, nonce, codeVerifier };
    },

    async completeAuthorization({ callbackQuery, state, nonce, codeVerifier, redirectUri }) {
      let claims: oidc.IDToken | undefined;
      try {
        const { grant } = await configuration();
        // The redirect URI sent with the code is the one the sign-in started with (the public
        // URL's), whatever address this request reached us at.
        const current = new URL(redirectUri);
        for (const [k, v] of callbackQuery) current.searchParams.append(k, v);
        const tokens = await oidc.authorizationCodeGrant(
          grant,
          current,
          { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce },
          { scope: SCOPE },
        );
        claims = tokens.claims();
      } catch (err) {
        throw failureOf(err);
      }
      if (!claims) throw new SsoError('id_token_missing');
      const tid = claims.tid;
      const oid = claims.oid;
      if (typeof tid !== 'string' || typeof oid !== 'string' || !GUID.test(oid)) throw new SsoError('id_token_claims');
      // The issuer already names the tenant; with a tenant id configured, tid must say the same.
      if (GUID.test(settings.tenantId) && tid.toLowerCase() !== settings.tenantId.toLowerCase()) throw new SsoError('id_token_issuer');
      const candidates = [claims.preferred_username, claims.email].filter((v): v is string => typeof v === 'string' && EMAILISH.test(v.trim()));
      const email = candidates[0]?.trim().toLowerCase();
      if (!email) throw new SsoError('id_token_claims');
      const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim().slice(0, 200) : null;
      return { tenantId: tid.toLowerCase(), objectId: oid.toLowerCase(), email, displayName: name };
    },
  };
}
