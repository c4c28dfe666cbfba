/**
 * Facade the job layer uses: one provider client per cloud (public or sandbox), created
 * once per process and shared, so MSAL token caches and keep-alive connections are reused.
 */
import type { AcquiredToken, CloudEndpoints, ConnectionCredentials, GraphClient } from '../types.ts';
import type { Sleep } from './graph.ts';
import { createGraphClient } from './graph.ts';
import type { AcquireOptions } from './token.ts';
import { createTokenProvider } from './token.ts';

export interface ProviderClientOptions {
  /** Timeout per Graph request (default 30 s). */
  fetchTimeoutMs?: number;
  /** Timeout per token request (default 15 s). */
  tokenTimeoutMs?: number;
  /** Retries per Graph request on 429/5xx/timeouts (default 4). */
  maxRetries?: number;
  sleep?: Sleep;
}

export interface ProviderClient {
  readonly endpoints: CloudEndpoints;
  /** Client-credentials token plus the application permissions (roles) it carries. */
  acquireToken(credentials: ConnectionCredentials, options?: AcquireOptions): Promise<AcquiredToken>;
  /**
   * A Graph client bound to one connection. `requiredRoles` are checked on the token
   * before any Graph call: no roles -> provider_consent_missing, some absent ->
   * provider_permission_missing naming them.
   */
  graph(credentials: ConnectionCredentials, requiredRoles?: readonly string[], opts?: { checkpoint?: () => void }): GraphClient;
}

export function createProviderClient(endpoints: CloudEndpoints, options: ProviderClientOptions = {}): ProviderClient {
  const tokenProvider = createTokenProvider(endpoints, { timeoutMs: options.tokenTimeoutMs });
  return {
    endpoints,
    acquireToken: (credentials, acquireOptions) => tokenProvider.acquire(credentials, acquireOptions),
    graph: (credentials, requiredRoles = [], graphOptions = {}) =>
      createGraphClient({
        endpoints,
        credentials,
        requiredRoles,
        tokenProvider,
        ...(graphOptions.checkpoint ? { checkpoint: graphOptions.checkpoint } : {}),
        fetchTimeoutMs: options.fetchTimeoutMs,
        maxRetries: options.maxRetries,
        sleep: options.sleep,
      }),
  };
}

export { createGraphClient, realSleep, DEFAULT_FETCH_TIMEOUT_MS, DEFAULT_MAX_RETRIES } from './graph.ts';
export type { GraphClientOptions, Sleep } from './graph.ts';
export { createTokenProvider, clearTokenClientCache, buildAuthorityMetadata, buildCloudDiscoveryMetadata, graphScope } from './token.ts';
export type { AcquireOptions, TokenProvider, TokenProviderOptions } from './token.ts';
export {
  assessTokenRoles,
  classifyAadsts,
  classifyGraphResponse,
  classifyTokenError,
  findAadstsCode,
  parseMissingPermissions,
  rolesFromAccessToken,
} from './classify.ts';
