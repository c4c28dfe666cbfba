/**
 * The sandbox cloud: one local HTTPS server that is both the authority (token endpoint)
 * and Microsoft Graph, with fault injection and a control API. The real provider client
 * talks to it unchanged; only CloudEndpoints differ.
 *
 * Logging: this server logs nothing itself. Request records hold method, path (no query)
 * and status only, so neither secrets (form bodies) nor tokens (headers) are retained.
 */
import { createServer } from 'node:https';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudEndpoints } from '../src/provider/types.ts';
import { ensureSandboxTls } from './ca.ts';
import { handleAuthorize } from './authorize.ts';
import { handleControl } from './control-api.ts';
import { handleAdminConsent } from './consent.ts';
import { handleGraph } from './graph-api.ts';
import { BodyTooLargeError, graphError, sendJson } from './http-util.ts';
import { handleInstanceDiscovery, handleKeys, handleOpenIdConfiguration, handleToken } from './identity.ts';
import type { IdentityContext } from './identity.ts';
import { createIdTokenKeys } from './id-tokens.ts';
import { createTokenSigner } from './jwt.ts';
import { SandboxState } from './state.ts';

export interface SandboxOptions {
  /** Directory for the CA and server certificate (created, reused while valid). */
  dir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Latency added to every request. */
  latencyMs?: number;
  /** Lifetime of issued access tokens (default 3599 s, like Entra's minimum-ish). */
  tokenLifetimeSeconds?: number;
  /** Start from this state instead of an empty one. */
  state?: SandboxState;
}

export interface SandboxCloud {
  url: string;
  /** Plain-HTTP loopback origin of the browser-facing pages (admin consent, sign-in). */
  pagesUrl: string;
  caPem: string;
  state: SandboxState;
  endpoints: CloudEndpoints;
  close(): Promise<void>;
}

const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;
const OPENID_PATH = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/;
const DISCOVERY_PATH = /^\/([^/]+)\/discovery\/instance$/;
const KEYS_PATH = /^\/([^/]+)\/discovery\/v2\.0\/keys$/;
// Both the v1 form and the v2.0 form a multi-tenant app's consent link uses.
const CONSENT_PATH = /^\/([^/]+)(?:\/v2\.0)?\/adminconsent$/;
const AUTHORIZE_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/authorize$/;

export async function startSandboxCloud(options: SandboxOptions): Promise<SandboxCloud> {
  const tls = await ensureSandboxTls(options.dir);
  const host = options.host ?? '127.0.0.1';
  const state = options.state ?? new SandboxState();
  state.globalLatencyMs = options.latencyMs ?? state.globalLatencyMs;
  const signer = createTokenSigner();
  // baseUrl is known only after listen() when port 0 is used; contexts read it lazily.
  const ctx: IdentityContext = {
    state,
    signer,
    baseUrl: '',
    pagesUrl: '',
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
    idTokenKeys: await createIdTokenKeys(),
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', ctx.baseUrl);
    const method = req.method ?? 'GET';
    const path = url.pathname;

    if (path === '/_sandbox' || path.startsWith('/_sandbox/')) return handleControl(state, req, res, url);
    const record = state.record(method, path);
    res.once('finish', () => {
      record.status = res.statusCode;
    });

    let m: RegExpExecArray | null;
    if (method === 'POST' && (m = TOKEN_PATH.exec(path))) return handleToken(ctx, req, res, decodeURIComponent(m[1] ?? ''));
    if (method === 'GET' && (m = OPENID_PATH.exec(path))) return handleOpenIdConfiguration(ctx, res, decodeURIComponent(m[1] ?? ''));
    if (method === 'GET' && DISCOVERY_PATH.test(path)) return handleInstanceDiscovery(ctx, res);
    if (method === 'GET' && KEYS_PATH.test(path)) return handleKeys(ctx, res);
    if ((method === 'GET' || method === 'POST') && (m = AUTHORIZE_PATH.exec(path))) return handleAuthorize(ctx, req, res, url, decodeURIComponent(m[1] ?? ''));
    if ((method === 'GET' || method === 'POST') && (m = CONSENT_PATH.exec(path))) {
      return handleAdminConsent(state, req, res, url, decodeURIComponent(m[1] ?? ''));
    }
    if (path.startsWith('/v1.0/') || path.startsWith('/beta/')) return handleGraph(ctx, req, res, url);
    sendJson(res, 404, graphError('NotFound', `No sandbox endpoint for ${method} ${path}`));
  }

  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    route(req, res).catch((err: unknown) => {
      if (err instanceof BodyTooLargeError) return sendJson(res, 413, graphError('RequestEntityTooLarge', 'Request body too large.'));
      if (err instanceof URIError) return sendJson(res, 400, graphError('BadRequest', 'Malformed URL encoding.'));
      // Fixed text only: never echo request content (it may hold a secret).
      sendJson(res, 500, graphError('InternalServerError', 'Sandbox internal error.'));
    });
  });
  // A client that timed out and went away must not crash the sandbox.
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const url = `https://${hostPart}:${port}`;
  ctx.baseUrl = url;

  // The consent and sign-in pages are the pages a person's browser opens. Served over plain
  // HTTP on loopback too, so the demo's browser does not meet a certificate it was never told
  // to trust; the token, keys and Graph endpoints stay HTTPS-only.
  async function pageRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://sandbox');
    let m: RegExpExecArray | null;
    if (req.method === 'GET' || req.method === 'POST') {
      if ((m = CONSENT_PATH.exec(u.pathname))) return handleAdminConsent(state, req, res, u, decodeURIComponent(m[1] ?? ''));
      if ((m = AUTHORIZE_PATH.exec(u.pathname))) return handleAuthorize(ctx, req, res, u, decodeURIComponent(m[1] ?? ''));
    }
    sendJson(res, 404, graphError('NotFound', 'Only the consent and sign-in pages are served here.'));
  }
  const pages = createHttpServer((req, res) => {
    pageRoute(req, res).catch((err: unknown) => {
      if (err instanceof BodyTooLargeError) return sendJson(res, 413, graphError('RequestEntityTooLarge', 'Request body too large.'));
      if (err instanceof URIError) return sendJson(res, 400, graphError('BadRequest', 'Malformed URL encoding.'));
      sendJson(res, 500, graphError('InternalServerError', 'Sandbox internal error.'));
    });
  });
  pages.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    pages.once('error', reject);
    pages.listen(0, host, () => resolve());
  });
  const pagesUrl = `http://${hostPart}:${(pages.address() as AddressInfo).port}`;
  ctx.pagesUrl = pagesUrl;

  return {
    url,
    pagesUrl,
    caPem: tls.caPem,
    state,
    endpoints: { authorityHost: url, graphBaseUrl: url, caPem: tls.caPem },
    close: () =>
      new Promise<void>((resolve, reject) => {
        pages.close();
        pages.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive connections from clients would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
