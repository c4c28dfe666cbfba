/**
 * HTTPS transport shared by the token and Graph clients.
 *
 * Trust is explicit and scoped: when endpoints carry a `caPem`, requests to them go
 * through an undici Agent whose `ca` is exactly that PEM, so the sandbox's CA is trusted
 * for sandbox calls only. TLS verification is never disabled, and no process-wide setting
 * (NODE_TLS_REJECT_UNAUTHORIZED, global dispatcher) is touched.
 */
import { createHash } from 'node:crypto';
import { Agent, fetch } from 'undici';
import type { Response } from 'undici';
import { providerRequests } from '../../observability/metrics.ts';

const MAX_AGENTS = 16;
const agents = new Map<string, Agent>();

/** One keep-alive Agent per trust configuration, reused across clients. */
export function dispatcherFor(caPem: string | undefined): Agent {
  const key = caPem === undefined ? 'system-roots' : createHash('sha256').update(caPem).digest('hex');
  const existing = agents.get(key);
  if (existing) return existing;
  const agent = new Agent(caPem === undefined ? {} : { connect: { ca: caPem } });
  if (agents.size >= MAX_AGENTS) {
    const oldest = agents.keys().next().value;
    if (oldest !== undefined) {
      void agents.get(oldest)?.close();
      agents.delete(oldest);
    }
  }
  agents.set(key, agent);
  return agent;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  caPem?: string;
}

export type TransportErrorKind = 'timeout' | 'connect' | 'network';

/** Thrown for failures before a response arrived. Message is fixed text: no URLs with secrets, no bodies. */
export class TransportError extends Error {
  readonly kind: TransportErrorKind;

  constructor(kind: TransportErrorKind) {
    super(`HTTP transport failure: ${kind}`);
    this.name = 'TransportError';
    this.kind = kind;
  }
}

// Errors raised while connecting mean the request never reached the server,
// which makes even non-idempotent requests safe to retry.
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Every token and Graph request goes through here, so this is where they are counted (by status, 429 included). */
export async function httpRequest(req: HttpRequest): Promise<Response> {
  try {
    const response = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      dispatcher: dispatcherFor(req.caPem),
      signal: AbortSignal.timeout(req.timeoutMs),
      redirect: 'error',
    });
    providerRequests.inc({ status: String(response.status) });
    return response;
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    const code = errorCode(err);
    const kind: TransportErrorKind =
      name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : code !== undefined && CONNECT_CODES.has(code) ? 'connect' : 'network';
    providerRequests.inc({ status: kind });
    throw new TransportError(kind);
  }
}

/** Lower-cased header dictionary, the shape MSAL expects. */
export function headerRecord(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    out[key.toLowerCase()] = value;
  });
  return out;
}

/** Joins a base URL and a path without doubling or dropping the slash. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** Reads the body; a timeout or reset mid-body is a transport failure like any other. */
export async function readText(response: Response): Promise<string> {
  try {
    return await response.text();
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    throw new TransportError(name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network');
  }
}
