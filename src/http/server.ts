// The HTTP edge: Fastify with the route table, one error shape, the JSON-only posture for
// state-changing requests, and (optionally) the web console's built files. The caller
// listens; nothing here reads configuration or opens connections of its own.
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_EXPIRY_WARNING_DAYS, type TrustProxy } from '../config.ts';
import type { Db } from '../db/connect.ts';
import type { Logger } from '../observability/logger.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { createLoginLimiter, DEFAULT_LOGIN_LIMIT, SESSION_IDLE_SECONDS, SESSION_TTL_SECONDS, type LoginLimit } from './auth.ts';
import { errorBody, HttpError, NOT_FOUND_MESSAGE, toHttpError } from './errors.ts';
import type { Deps } from './route.ts';
import { ROUTES } from './routes/index.ts';
import { registerConsentCallback } from './consent-callback.ts';
import { METRICS_PATH, registerMetricsRoute } from './metrics-route.ts';
import { RequestLogController, requestId } from './request-log.ts';
import { registerSecurityHeaders } from './security-headers.ts';
import { registerSsoRoutes } from './sso.ts';
import { createOidcClient, type SsoSettings } from '../sso/oidc.ts';
import { MICROSOFT_GLOBAL_CLOUD } from '../provider/types.ts';
import { noDemoPresets, type DemoPresetSource } from '../onboarding/demo-presets.ts';

export interface ServerDeps {
  db: Db;
  box: SecretBox;
  /** The web console's built files (web/dist); null or missing: API only. */
  webRoot?: string | null;
  /** Mark the session cookie Secure (serve over HTTPS); default: when publicUrl is https. */
  cookieSecure?: boolean;
  /** OPSGATE_PUBLIC_URL: the origin of links and redirect URIs; https also turns on HSTS. Unset: the request's origin. */
  publicUrl?: string | null;
  /** Reverse proxies whose X-Forwarded-* are believed (client address for the sign-in limit, protocol, host). */
  trustProxy?: TrustProxy;
  /** "Sign in with Microsoft"; unset: password sign-in only. */
  sso?: SsoSettings | null;
  /** Failed sign-ins allowed per account and per client address per window (default 10 and 50 a minute). */
  loginLimit?: LoginLimit;
  sessionTtlSeconds?: number;
  /** A session unused this long ends (default SESSION_IDLE_SECONDS, 2 hours). */
  sessionIdleSeconds?: number;
  /** The identity-platform host per cloud (admin consent); default: Microsoft's global cloud only. */
  authorityFor?: (cloud: 'global' | 'sandbox') => string | null;
  /** Onboarding presets (the demo's Fourth Coffee); default: none, as in production. */
  demoPresets?: DemoPresetSource;
  /** JSON request log, one line per request (src/http/request-log.ts); none by default. */
  logger?: Logger | null;
  /** Serve GET /metrics on this server to callers with this bearer token; unset: no /metrics here (404). */
  metricsToken?: string | null;
  /** Needs attention's warning window before a credential expires (default 30 days). */
  expiryWarningDays?: number;
}

export const BODY_LIMIT_BYTES = 64 * 1024;
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const isJson = (contentType: string | undefined) => contentType !== undefined && contentType.split(';')[0]!.trim().toLowerCase() === 'application/json';
const isApiPath = (url: string) => /^\/(api(\/|$|\?)|healthz|readyz|openapi\.json)/.test(url) || url.split('?')[0] === METRICS_PATH;

function sendError(reply: FastifyReply, err: HttpError): FastifyReply {
  return reply
    .code(err.status)
    .headers({ ...err.headers, 'cache-control': 'no-store' })
    .send(errorBody(err.code, err.message));
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const routeDeps: Deps = {
    db: deps.db,
    box: deps.box,
    loginLimiter: createLoginLimiter(deps.db, deps.loginLimit ?? DEFAULT_LOGIN_LIMIT),
    cookieSecure: deps.cookieSecure ?? deps.publicUrl?.startsWith('https://') ?? false,
    publicUrl: deps.publicUrl ?? null,
    sso: deps.sso ? createOidcClient(deps.sso) : null,
    sessionTtlSeconds: deps.sessionTtlSeconds ?? SESSION_TTL_SECONDS,
    sessionIdleSeconds: deps.sessionIdleSeconds ?? SESSION_IDLE_SECONDS,
    authorityFor: deps.authorityFor ?? ((cloud) => (cloud === 'global' ? MICROSOFT_GLOBAL_CLOUD.authorityHost : null)),
    demoPresets: deps.demoPresets ?? noDemoPresets,
    expiryWarningDays: deps.expiryWarningDays ?? DEFAULT_EXPIRY_WARNING_DAYS,
  };

  const app = Fastify({
    // Never headers or bodies; the URL with its secrets censored (request-log.ts).
    ...(deps.logger ? { loggerInstance: deps.logger as FastifyBaseLogger, logController: new RequestLogController() } : { logger: false }),
    genReqId: requestId,
    bodyLimit: BODY_LIMIT_BYTES,
    // req.ip / protocol / host from X-Forwarded-* only for the configured proxies.
    trustProxy: typeof deps.trustProxy === 'number' ? (_address: string, hop: number) => hop < (deps.trustProxy as number) : deps.trustProxy || false,
    // Malformed URLs (bad percent-encoding, overlong params) answer in our shape too.
    // The reply is sent here; its then() would only wait for the response to finish.
    frameworkErrors: (err, _req, reply) => void sendError(reply, toHttpError(err)),
  });

  // Our own JSON parser: an empty body is "no body" (DELETE with the JSON content type), and
  // a parse failure says which part is wrong without quoting the input back.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    // An unknown route answers 404 whatever its body.
    if (text.trim() === '' || !req.routeOptions.url) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new HttpError(400, 'invalid_request', 'body: is not valid JSON'), undefined);
    }
  });
  // Any other type on a known route was already refused (415) before parsing; this only lets
  // unknown routes reach the 404 answer whatever their content type.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, undefined));

  await app.register(fastifyCookie);
  await registerSecurityHeaders(app, { https: deps.publicUrl?.startsWith('https://') ?? false });

  // CSRF posture: state-changing requests must be JSON. Browsers cannot send that cross-site
  // without a CORS preflight, which this server never grants; with SameSite=Lax cookies that
  // closes form-post CSRF.
  app.addHook('onRequest', async (req) => {
    if (!STATE_CHANGING.has(req.method) || !req.routeOptions.url) return;
    if (!isJson(req.headers['content-type'])) {
      throw new HttpError(415, 'unsupported_media_type', `content-type: must be application/json for ${req.method} requests`);
    }
  });
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    // The id of this request's log line, for a support conversation or a proxy's own log.
    reply.header('x-request-id', req.id);
    return payload;
  });

  app.setErrorHandler((err, req, reply) => {
    const e = toHttpError(err);
    // Only genuine faults are logged, by name and code: messages can quote input or SQL.
    if (e.status >= 500) {
      const { name, code } = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; code?: unknown };
      req.log.error({ errName: String(name ?? 'unknown'), errCode: String(code ?? '') }, 'request failed');
    }
    return sendError(reply, e);
  });

  for (const route of ROUTES) {
    app.route({
      method: route.method,
      url: route.url,
      handler: async (req, reply) => {
        const answer = await route.run(routeDeps, req, reply);
        return reply.code(answer.status).header('cache-control', 'no-store').send(answer.body);
      },
    });
  }

  registerConsentCallback(app, routeDeps);
  registerSsoRoutes(app, routeDeps);
  if (deps.metricsToken) registerMetricsRoute(app, { db: deps.db, token: deps.metricsToken });

  const webRoot = deps.webRoot && fs.existsSync(path.join(deps.webRoot, 'index.html')) ? path.resolve(deps.webRoot) : null;
  if (webRoot) {
    await app.register(fastifyStatic, { root: webRoot, prefix: '/', wildcard: true, index: ['index.html'] });
  }

  app.setNotFoundHandler((req, reply) => {
    // The console is a single-page app: its routes (/login, /admin/...) are index.html.
    if (webRoot && (req.method === 'GET' || req.method === 'HEAD') && !isApiPath(req.url)) {
      return reply.header('cache-control', 'no-cache').sendFile('index.html', webRoot);
    }
    return sendError(reply, new HttpError(404, 'not_found', NOT_FOUND_MESSAGE));
  });

  return app;
}
