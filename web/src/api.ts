// The console's one way to talk to the API: same-origin JSON with the session cookie.
// Errors keep the contract's shape ({error: {code, message}}) plus the HTTP status, so a
// page can tell "not found" (404, also for tenants the user may not see) from the rest.
import type { PreflightAnswer, StartAnswer } from './types.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The whole answer: some refusals carry more than the error (e.g. the run holding a connection). */
  readonly body: unknown;
  constructor(status: number, code: string, message: string, body: unknown = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

type Listener = () => void;
const unauthenticatedListeners = new Set<Listener>();
/** Called when any request answers 401: the session ended, go back to sign-in. */
export function onUnauthenticated(l: Listener): () => void {
  unauthenticatedListeners.add(l);
  return () => unauthenticatedListeners.delete(l);
}

async function parse(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: 'invalid_response', message: `The server answered ${res.status} without JSON.` } };
  }
}

function errorFrom(status: number, body: unknown): ApiError {
  const e = (body as { error?: { code?: string; message?: string } } | null)?.error;
  const fallback = status === 404 ? 'Not found.' : status === 403 ? 'You do not have permission to do this.' : `Request failed (${status}).`;
  return new ApiError(status, e?.code ?? `http_${status}`, e?.message ?? fallback, body);
}

/**
 * `background`: an automatic refresh, not something the person did. The server does not count
 * it as use of the session, so a console left open still signs out after the idle time.
 */
export async function request<T>(method: string, url: string, body?: unknown, signal?: AbortSignal, background = false): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(background ? { 'x-opsgate-background': '1' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
  }
  const data = await parse(res);
  if (res.status === 401 && url !== '/api/session') for (const l of unauthenticatedListeners) l();
  if (!res.ok) throw errorFrom(res.status, data);
  return data as T;
}

// Answers asked for while the console starts (see `preload`), each taken once by its first GET.
const preloaded = new Map<string, { at: number; answer: Promise<unknown>; failed: boolean; done: boolean; value?: unknown }>();
const PRELOAD_FRESH_MS = 5_000;

/**
 * Asks for `url` now, before any component does: a page opened directly (a bookmark, a reload)
 * then gets its data in parallel with the session instead of after it. The first `api.get` of
 * the same URL within a few seconds takes this answer instead of asking again.
 */
export function preload(url: string): void {
  const entry: { at: number; answer: Promise<unknown>; failed: boolean; done: boolean; value?: unknown } = {
    at: Date.now(),
    answer: request<unknown>('GET', url),
    failed: false,
    done: false,
  };
  entry.answer.then(
    (value) => {
      entry.done = true;
      entry.value = value;
    },
    // A refusal is not kept (e.g. a 401 before signing in): the first GET asks again.
    () => {
      entry.failed = true;
    },
  );
  preloaded.set(url, entry);
}

/**
 * A preloaded answer that is already in, read synchronously so a first render can show it
 * (else undefined). It stays for the first `api.get` of the URL, which then answers at once.
 */
export function peekPreloaded<T>(url: string): T | undefined {
  const p = preloaded.get(url);
  if (!p || !p.done || p.failed || Date.now() - p.at >= PRELOAD_FRESH_MS) return undefined;
  return p.value as T;
}

function takePreloaded<T>(url: string): Promise<T> | null {
  const p = preloaded.get(url);
  if (!p) return null;
  preloaded.delete(url);
  return !p.failed && Date.now() - p.at < PRELOAD_FRESH_MS ? (p.answer as Promise<T>) : null;
}

export const api = {
  get: <T>(url: string, signal?: AbortSignal, background = false) => takePreloaded<T>(url) ?? request<T>('GET', url, undefined, signal, background),
  post: <T>(url: string, body: unknown = {}) => request<T>('POST', url, body),
  patch: <T>(url: string, body: unknown) => request<T>('PATCH', url, body),
  // State-changing requests are JSON, even without fields (the server refuses other types).
  del: <T>(url: string) => request<T>('DELETE', url, {}),
};

const isAnswer = (v: unknown): v is StartAnswer =>
  !!v && typeof v === 'object' && typeof (v as StartAnswer).outcome === 'string' && typeof (v as StartAnswer).title === 'string';

/**
 * POSTs a start and returns the presenter's answer. Scope busy and blocked answer 409 with
 * the same body as the others, so any status carrying an answer is an answer, not an error;
 * 400/401/403/404 carry the error shape and are thrown.
 */
export async function startRequest(url: string, body: unknown): Promise<StartAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
  }
  const data = await parse(res);
  if (isAnswer(data)) return data;
  if (res.status === 401) for (const l of unauthenticatedListeners) l();
  throw errorFrom(res.status, data);
}

export function getPreflight(tenant: string, type: string, providerConnectionId?: string, signal?: AbortSignal): Promise<PreflightAnswer> {
  const q = providerConnectionId ? `?providerConnectionId=${encodeURIComponent(providerConnectionId)}` : '';
  return api.get<PreflightAnswer>(`/api/tenants/${encodeURIComponent(tenant)}/operations/${encodeURIComponent(type)}/preflight${q}`, signal);
}

/** Query string from the non-empty entries. */
export function qs(params: Record<string, string | null | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}
