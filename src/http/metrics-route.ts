// GET /metrics on the main port, only when a token is configured (OPSGATE_METRICS_TOKEN):
// metrics name tenants' operation types and volumes, so they are not public. Without a token
// the route does not exist (404); a missing or wrong bearer token is 401.
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/connect.ts';
import { METRICS_CONTENT_TYPE, renderMetrics } from '../observability/metrics.ts';
import { errorBody } from './errors.ts';

export const METRICS_PATH = '/metrics';

const digest = (s: string) => crypto.createHash('sha256').update(s).digest();

/** Constant-time: the comparison takes as long whatever the guess. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return !!m && crypto.timingSafeEqual(digest(m[1]!), digest(token));
}

export function registerMetricsRoute(app: FastifyInstance, deps: { db: Db; token: string }): void {
  app.get(METRICS_PATH, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    if (!bearerMatches(req.headers.authorization, deps.token)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .send(errorBody('unauthenticated', 'Send the metrics token as a bearer token.'));
    }
    return reply.header('content-type', METRICS_CONTENT_TYPE).send(await renderMetrics(deps.db));
  });
}
