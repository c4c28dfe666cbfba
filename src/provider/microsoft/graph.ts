/**
 * Microsoft Graph client: bearer token from ./token.ts, paging over @odata.nextLink,
 * bounded retries for throttling (429 + Retry-After) and transient failures, and every
 * final failure classified into the reason catalogue.
 *
 * Retry budget: `maxRetries` retries in total per request (not per failure kind); the
 * kind of the last failure decides the reason (429 -> throttled, 5xx/timeout ->
 * unavailable). A 401 gets one free re-acquisition of the token before it counts as
 * consent missing, because a cached token may predate a consent change.
 */
import { randomUUID } from 'node:crypto';
import type { AcquiredToken, CloudEndpoints, ConnectionCredentials, GraphClient, ProviderFailure, WriteOptions } from '../types.ts';
import { ProviderError } from '../types.ts';
import { assessTokenRoles, classifyGraphResponse, isTransientStatus, parseRetryAfterMs } from './classify.ts';
import type { TokenProvider } from './token.ts';
import { createTokenProvider } from './token.ts';
import { TransportError, httpRequest, joinUrl, readText } from './transport.ts';

export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RETRIES = 4;
export const DEFAULT_MAX_RETRY_AFTER_MS = 30_000;
const BASE_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
const DEFAULT_MAX_PAGES = 10_000;

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface GraphClientOptions {
  endpoints: CloudEndpoints;
  credentials: ConnectionCredentials;
  /** Application permissions the caller's operation needs; checked on the token before any Graph call. */
  requiredRoles?: readonly string[];
  fetchTimeoutMs?: number;
  maxRetries?: number;
  /** Injectable so tests assert the requested delays without waiting. */
  sleep?: Sleep;
  /** Upper bound applied to a server-sent Retry-After. */
  maxRetryAfterMs?: number;
  /** Shared token provider; one is created for these endpoints when omitted. */
  tokenProvider?: TokenProvider;
  /** Guard against a server that pages forever. */
  maxPages?: number;
  /** Jitter source in [0, 1); injectable for deterministic tests. */
  random?: () => number;
  /**
   * Called before every page of a listing: the caller's chance to stop between pages (a run
   * that was asked to cancel throws from here). Whatever it throws ends the listing.
   */
  checkpoint?: () => void;
}

type Method = 'GET' | 'POST' | 'PATCH';

function fail(failure: ProviderFailure): never {
  throw new ProviderError(failure);
}

export function createGraphClient(options: GraphClientOptions): GraphClient {
  const requiredRoles = options.requiredRoles ?? [];
  const timeoutMs = options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const maxRetries = Math.max(0, options.maxRetries ?? DEFAULT_MAX_RETRIES);
  const sleep = options.sleep ?? realSleep;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const random = options.random ?? Math.random;
  const tokens = options.tokenProvider ?? createTokenProvider(options.endpoints);
  const graphOrigin = new URL(options.endpoints.graphBaseUrl).origin;

  function backoffMs(retry: number): number {
    const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (retry - 1));
    return Math.round(ceiling * (0.5 + random() * 0.5));
  }

  /** Paths are appended to graphBaseUrl; absolute URLs (nextLinks) must stay on its origin. */
  function resolveUrl(pathOrUrl: string): string {
    if (/^https?:\/\//i.test(pathOrUrl)) {
      let origin: string;
      try {
        origin = new URL(pathOrUrl).origin;
      } catch {
        return fail({ code: 'provider_unavailable', params: { reason: 'malformed_url' } });
      }
      // A nextLink pointing elsewhere would receive our bearer token; refuse it.
      if (origin !== graphOrigin) return fail({ code: 'provider_unavailable', params: { reason: 'foreign_next_link' } });
      return pathOrUrl;
    }
    if (!pathOrUrl.startsWith('/')) throw new TypeError('Graph path must start with "/" (e.g. /v1.0/groups)');
    return joinUrl(options.endpoints.graphBaseUrl, pathOrUrl);
  }

  async function token(forceRefresh: boolean): Promise<AcquiredToken> {
    const acquired = await tokens.acquire(options.credentials, { forceRefresh });
    const problem = assessTokenRoles(acquired.roles, requiredRoles);
    if (problem) fail(problem);
    return acquired;
  }

  async function request(method: Method, pathOrUrl: string, body: unknown, idempotent: boolean): Promise<unknown> {
    const url = resolveUrl(pathOrUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let current = await token(false);
    let refreshed = false;
    let retries = 0;

    for (;;) {
      let status: number;
      let text: string;
      let retryAfter: string | null = null;
      try {
        const response = await httpRequest({
          method,
          url,
          timeoutMs,
          caPem: options.endpoints.caPem,
          body: payload,
          headers: {
            authorization: `Bearer ${current.accessToken}`,
            accept: 'application/json',
            'client-request-id': randomUUID(),
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          },
        });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        text = await readText(response);
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        // A request that never connected cannot have been applied; anything later
        // might have been, so only idempotent requests retry it.
        if (retries < maxRetries && (idempotent || err.kind === 'connect')) {
          retries++;
          await sleep(backoffMs(retries));
          continue;
        }
        return fail({ code: 'provider_unavailable', params: { reason: err.kind } });
      }

      if (status >= 200 && status < 300) {
        if (text.trim() === '') return undefined;
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return fail({ code: 'provider_unavailable', params: { reason: 'malformed_response' }, httpStatus: status });
        }
      }

      if (status === 401 && !refreshed) {
        refreshed = true;
        current = await token(true);
        continue;
      }

      const throttled = status === 429;
      // 429 and 503 mean Graph did not act on the request, so even a create may retry.
      const retryable = throttled || status === 503 || (idempotent && isTransientStatus(status));
      if (retryable && retries < maxRetries) {
        retries++;
        const serverDelay = parseRetryAfterMs(retryAfter);
        await sleep(serverDelay !== undefined ? Math.min(serverDelay, maxRetryAfterMs) : backoffMs(retries));
        continue;
      }

      return fail(classifyGraphResponse({ status, body: text, tokenRoles: current.roles, requiredRoles }));
    }
  }

  return {
    async get<T = unknown>(path: string): Promise<T> {
      return (await request('GET', path, undefined, true)) as T;
    },

    async getAll<T = unknown>(path: string): Promise<T[]> {
      const items: T[] = [];
      const seen = new Set<string>();
      let next: string | undefined = path;
      for (let page = 0; next !== undefined; page++) {
        options.checkpoint?.();
        if (page >= maxPages || seen.has(next)) {
          fail({ code: 'provider_unavailable', params: { reason: 'paging_did_not_terminate' } });
        }
        seen.add(next);
        const body = await request('GET', next, undefined, true);
        const value = typeof body === 'object' && body !== null ? (body as { value?: unknown }).value : undefined;
        if (!Array.isArray(value)) fail({ code: 'provider_unavailable', params: { reason: 'malformed_response' } });
        items.push(...(value as T[]));
        const link = (body as { '@odata.nextLink'?: unknown })['@odata.nextLink'];
        next = typeof link === 'string' && link !== '' ? link : undefined;
      }
      return items;
    },

    async post<T = unknown>(path: string, body: unknown, writeOptions: WriteOptions = {}): Promise<T> {
      return (await request('POST', path, body, writeOptions.idempotent === true)) as T;
    },

    async patch<T = unknown>(path: string, body: unknown): Promise<T> {
      // PATCH sets fields to given values: repeating it converges to the same state.
      return (await request('PATCH', path, body, true)) as T;
    },
  };
}
