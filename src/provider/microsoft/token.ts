/**
 * Client-credentials tokens through @azure/msal-node, pointed at any authority host
 * (the public cloud or the sandbox) by configuration alone.
 *
 * MSAL is given the authority's OpenID configuration and cloud-discovery metadata up
 * front, so it never calls `/.well-known/openid-configuration` or the instance-discovery
 * endpoint: one token request per token, nothing else. Those documents are deterministic
 * for an Entra-shaped authority, so building them locally loses nothing.
 */
import { createHash } from 'node:crypto';
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import type { AcquiredToken, CloudEndpoints, ConnectionCredentials } from '../types.ts';
import { ProviderError } from '../types.ts';
import { classifyTokenError, rolesFromAccessToken } from './classify.ts';
import { signClientAssertion } from './client-assertion.ts';
import { createMsalNetworkClient } from './msal-network.ts';
import { joinUrl } from './transport.ts';

export const DEFAULT_TOKEN_TIMEOUT_MS = 15_000;

export interface TokenProviderOptions {
  /** Per-request timeout for the token endpoint. */
  timeoutMs?: number;
  /** Sees every URL MSAL requests (diagnostics; tests prove no discovery call is made). */
  onNetworkRequest?: (method: 'GET' | 'POST', url: string) => void;
}

export interface AcquireOptions {
  /** Bypass MSAL's cache (after Graph answered 401 to a cached token). */
  forceRefresh?: boolean;
}

export interface TokenProvider {
  acquire(credentials: ConnectionCredentials, options?: AcquireOptions): Promise<AcquiredToken>;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The OpenID configuration Entra would serve for this tenant, as MSAL's authorityMetadata. */
export function buildAuthorityMetadata(authorityHost: string, tenantId: string): string {
  const base = `${trimSlash(authorityHost)}/${tenantId}`;
  return JSON.stringify({
    token_endpoint: `${base}/oauth2/v2.0/token`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    issuer: `${base}/v2.0`,
    jwks_uri: `${trimSlash(authorityHost)}/${tenantId}/discovery/v2.0/keys`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
  });
}

/** Instance-discovery answer naming the authority host as its own (only) alias. */
export function buildCloudDiscoveryMetadata(authorityHost: string, tenantId: string): string {
  const host = new URL(authorityHost).host;
  return JSON.stringify({
    tenant_discovery_endpoint: `${trimSlash(authorityHost)}/${tenantId}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  });
}

export function graphScope(graphBaseUrl: string): string {
  return joinUrl(graphBaseUrl, '.default');
}

// One MSAL application per (authority, client, credential, trust, timeout): MSAL's in-memory
// cache then hands back the same token until shortly before it expires. Bounded so a
// long-running worker serving many tenants does not grow without limit (LRU eviction).
const MAX_CLIENTS = 256;
const clients = new Map<string, ConfidentialClientApplication>();

// Observers get their own MSAL applications, so a hook never misses a request because
// another provider created the cached application first.
const observerIds = new WeakMap<object, number>();
let nextObserverId = 1;
function observerKey(observer: object | undefined): number {
  if (observer === undefined) return 0;
  let id = observerIds.get(observer);
  if (id === undefined) {
    id = nextObserverId++;
    observerIds.set(observer, id);
  }
  return id;
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Drops every cached MSAL application (tests; credential rotation is handled by the key). */
export function clearTokenClientCache(): void {
  clients.clear();
}

// Tenant ids are GUIDs or verified domain names; anything else would let a stored value
// reshape the authority URL.
const TENANT_ID = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?$/;

function validate(credentials: ConnectionCredentials): void {
  if (!TENANT_ID.test(credentials.entraTenantId)) {
    throw new ProviderError({ code: 'provider_tenant_not_found', params: { reason: 'malformed_tenant_id' } });
  }
  const empty = credentials.kind === 'certificate' ? credentials.privateKeyPem === '' || credentials.thumbprintSha256 === '' : credentials.clientSecret === '';
  if (credentials.clientId.trim() === '' || empty) {
    throw new ProviderError({ code: 'provider_credentials_invalid', params: { reason: 'empty_credentials' } });
  }
}

/** What identifies the credential in the cache key: a hash, never the secret or key itself. */
function credentialKey(credentials: ConnectionCredentials): string {
  return credentials.kind === 'certificate'
    ? `cert:${credentials.thumbprintSha256}:${sha256(credentials.privateKeyPem)}`
    : `secret:${sha256(credentials.clientSecret)}`;
}

/**
 * A secret goes as client_secret; a certificate as a client assertion signed anew for every
 * token request (see client-assertion.ts for why not MSAL's `clientCertificate`).
 */
function credentialOptions(credentials: ConnectionCredentials) {
  if (credentials.kind !== 'certificate') return { clientSecret: credentials.clientSecret };
  return {
    clientAssertion: (config: { tokenEndpoint?: string }) => signClientAssertion(credentials, config.tokenEndpoint ?? ''),
  };
}

export function createTokenProvider(endpoints: CloudEndpoints, options: TokenProviderOptions = {}): TokenProvider {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS;
  const authorityHost = trimSlash(endpoints.authorityHost);
  const knownHost = new URL(authorityHost).host;
  const scope = graphScope(endpoints.graphBaseUrl);
  const trustKey = endpoints.caPem === undefined ? 'system' : sha256(endpoints.caPem);
  const onRequest = options.onNetworkRequest;
  const observer = observerKey(onRequest);

  function clientFor(credentials: ConnectionCredentials): { key: string; app: ConfidentialClientApplication } {
    const authority = `${authorityHost}/${credentials.entraTenantId}`;
    const key = [authority, credentials.clientId, credentialKey(credentials), trustKey, timeoutMs, observer].join('|');
    const cached = clients.get(key);
    if (cached) {
      clients.delete(key); // re-insert: most recently used goes last
      clients.set(key, cached);
      return { key, app: cached };
    }
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: credentials.clientId,
        ...credentialOptions(credentials),
        authority,
        knownAuthorities: [knownHost],
        authorityMetadata: buildAuthorityMetadata(authorityHost, credentials.entraTenantId),
        cloudDiscoveryMetadata: buildCloudDiscoveryMetadata(authorityHost, credentials.entraTenantId),
      },
      system: {
        networkClient: createMsalNetworkClient({ caPem: endpoints.caPem, timeoutMs, onRequest }),
        // MSAL's logger never receives PII here and writes nowhere.
        loggerOptions: { loggerCallback: () => {}, piiLoggingEnabled: false, logLevel: LogLevel.Error },
      },
    });
    if (clients.size >= MAX_CLIENTS) {
      const oldest = clients.keys().next().value;
      if (oldest !== undefined) clients.delete(oldest);
    }
    clients.set(key, app);
    return { key, app };
  }

  return {
    async acquire(credentials, acquireOptions = {}) {
      validate(credentials);
      const { key, app } = clientFor(credentials);
      let result;
      try {
        result = await app.acquireTokenByClientCredential({ scopes: [scope], skipCache: acquireOptions.forceRefresh === true });
      } catch (err) {
        // Forget this application: MSAL remembers 429/5xx answers per app and would
        // replay them without asking the server; retry policy belongs to our callers.
        clients.delete(key);
        throw new ProviderError(classifyTokenError(err, { workspaceApp: credentials.workspaceApp === true }));
      }
      if (!result || !result.accessToken) {
        clients.delete(key);
        throw new ProviderError({ code: 'provider_unavailable', params: { reason: 'empty_token_response' } });
      }
      return {
        accessToken: result.accessToken,
        roles: rolesFromAccessToken(result.accessToken),
        expiresOn: result.expiresOn ?? new Date(Date.now() + 5 * 60_000),
      };
    },
  };
}
