// One log line per request, when it has been answered: request id, method, route pattern,
// path, status, duration and the signed-in user's id. Fastify's own "incoming request" /
// "request completed" pair is replaced by this line, because its URL field would carry
// query strings and paths that hold secrets (a consent `state`, a setup `?token=`, an
// invitation `/invite/<token>`).
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, once a route looked the session up (for the log line). */
    userId?: string | null;
  }
}

/** Query parameters whose values are plain filters, kept in the log; every other value is censored. */
const PLAIN_QUERY = new Set([
  'tenant',
  'type',
  'outcome',
  'status',
  'limit',
  'offset',
  'kind',
  'include',
  'unread',
  'action',
  'since',
  'until',
  'before',
  'providerConnectionId',
  'restoreRunId',
  'consent',
  'verification',
  'why',
  'admin_consent',
]);
const LONG_SEGMENT = /\/[A-Za-z0-9_-]{40,}(?=\/|$)/g;

/** The path as logged: token-like segments and non-filter query values censored. */
export function loggedPath(url: string): string {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(/^\/invite\/[^/]+/, '/invite/[redacted]').replace(LONG_SEGMENT, '/[redacted]');
  if (q < 0) return path;
  const parts: string[] = [];
  for (const [k, v] of new URLSearchParams(url.slice(q + 1)))
    parts.push(`${encodeURIComponent(k)}=${PLAIN_QUERY.has(k) ? encodeURIComponent(v) : '[redacted]'}`);
  return parts.length ? `${path}?${parts.join('&')}` : path;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** A proxy's X-Request-Id is kept when it looks like one (it cannot forge log lines); else a new id. */
export function requestId(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
}

export class RequestLogController extends LogController {
  override incomingRequest(): void {
    // One line per request, written when it is answered.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? null,
      path: loggedPath(request.url),
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      userId: request.userId ?? null,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request failed');
    else if (reply.statusCode >= 500) reply.log.error(line, 'request');
    else reply.log.info(line, 'request');
  }

  override defaultErrorLog(): void {
    // Our error handler logs genuine faults itself, by name and code (server.ts).
  }

  override routeNotFound(): void {
    // The request line says 404 already.
  }
}
