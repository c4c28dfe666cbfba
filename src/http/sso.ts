// "Sign in with Microsoft" at the HTTP edge. Both routes are browser navigations, not JSON:
//
//   GET /api/auth/microsoft/start[?next=/admin/…]  → 302 to the authority's authorize endpoint
//       (code flow, PKCE S256, state, nonce), with a short-lived HttpOnly binding cookie
//       named after the state (so sign-ins started in two tabs do not replace each other's);
//   GET /api/auth/microsoft/callback?code&state    → the state is consumed (this browser's,
//       once, within 10 minutes), the code redeemed with the client secret and the PKCE
//       verifier and the id token validated (oidc.ts, on openid-client), the person matched
//       (sign-in.ts); then a session and a 302 to `next` — or a page saying why not, and no
//       session.
//
// The redirect URI is the public URL's (OPSGATE_PUBLIC_URL), else the request's own origin.
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { auditSignIn } from '../audit/sign-in.ts';
import { SsoError, type SsoFailure } from '../sso/oidc.ts';
import { SSO_CALLBACK_PATH, SSO_START_PATH } from '../sso/paths.ts';
import { beginSsoRequest, consumeSsoRequest, SSO_REQUEST_TTL_SECONDS } from '../sso/requests.ts';
import { signInWithMicrosoft, type SsoRefusal } from '../sso/sign-in.ts';
import { notFound } from './errors.ts';
import { publicOrigin } from './public-origin.ts';
import type { Deps } from './route.ts';
import { setSessionCookie } from './session-cookie.ts';

const SSO_BINDING_COOKIE = 'opsgate_sso';
/**
 * Each sign-in has a binding cookie of its own, named after its state: under one name, a second
 * tab starting a sign-in replaced the first tab's binding, so the first tab's callback was
 * refused as "another browser" (and clearing the cookie there then broke the second as well).
 * The name holds a hash of the state, not the state; the state is in the URL anyway.
 */
export const ssoBindingCookie = (state: string) => `${SSO_BINDING_COOKIE}_${crypto.createHash('sha256').update(state).digest('hex').slice(0, 16)}`;
const COOKIE_PATH = '/api/auth/microsoft';
const DEFAULT_NEXT = '/admin/tenants';

/** Only same-app console paths: a sign-in never sends anyone to another origin. */
export function safeNext(next: unknown): string | null {
  if (typeof next !== 'string' || next.length > 2000) return null;
  if (!/^\/(?![/\\])/.test(next) || next.startsWith('/login') || next.startsWith('/api/')) return null;
  return next;
}

// ---- the page that explains a refusal -----------------------------------------------------

const PAGE_CSS =
  'body{font:15px/1.5 system-ui,sans-serif;background:#f6f8fa;color:#1b1f24;margin:0}' +
  'main{max-width:520px;margin:72px auto;background:#fff;border:1px solid #d0d7de;border-radius:10px;padding:28px 32px}' +
  '.brand{font-weight:700;color:#2456d6;margin-bottom:16px}h1{font-size:21px;margin:0 0 12px}' +
  'p{margin:0 0 14px}.muted{color:#57606a;font-size:13px}a.button{display:inline-block;background:#2456d6;color:#fff;' +
  'text-decoration:none;padding:8px 16px;border-radius:6px;font-weight:600}';
// The page's one inline style is allowed by its hash; nothing else may load or run.
const PAGE_CSP = `default-src 'none'; style-src 'sha256-${crypto.createHash('sha256').update(PAGE_CSS).digest('base64')}'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(reply: FastifyReply, status: number, p: { title: string; message: string; detail?: string }): FastifyReply {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(p.title)} — opsgate</title><style>${PAGE_CSS}</style></head>
<body><main role="alert" data-testid="sso-refusal"><div class="brand">◆ opsgate</div><h1>${esc(p.title)}</h1><p>${esc(p.message)}</p>
${p.detail ? `<p class="muted">${esc(p.detail)}</p>` : ''}<p><a class="button" href="/login">Back to sign in</a></p></main></body></html>`;
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(html);
}

const REFUSALS: Record<SsoRefusal, (email: string) => { title: string; message: string }> = {
  no_account: (email) => ({
    title: `No opsgate account for ${email}`,
    message: `You signed in to Microsoft as ${email}, but no opsgate account or invitation belongs to that address. Ask an owner of your workspace to invite you, then use “Sign in with Microsoft” again.`,
  }),
  not_a_member: (email) => ({
    title: `${email} is not a member of any workspace`,
    message: 'This opsgate account no longer belongs to a workspace. Ask an owner of your workspace to invite you again.',
  }),
  linked_to_other_microsoft_account: (email) => ({
    title: `This Microsoft account cannot sign in as ${email}`,
    message: `The opsgate account ${email} is linked to a different Microsoft account. Sign in with that account or with your password, or ask your opsgate administrator.`,
  }),
};

const PROTOCOL_DETAIL: Partial<Record<SsoFailure, string>> = {
  code_refused: 'Microsoft refused the sign-in code (it was already used, expired, or does not belong to this sign-in).',
  id_token_nonce: 'The answer does not belong to this sign-in (nonce).',
  id_token_audience: 'The answer was issued for another application (audience).',
  id_token_issuer: 'The answer was issued by another directory (issuer).',
  id_token_expired: 'The answer has expired.',
  id_token_not_yet_valid: 'The answer is not valid yet (check the server clock).',
  id_token_signature: 'The answer is not signed by Microsoft’s keys.',
};

// ---- the routes --------------------------------------------------------------------------

export function registerSsoRoutes(app: FastifyInstance, deps: Deps): void {
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure: deps.cookieSecure, path: COOKIE_PATH };

  app.get(SSO_START_PATH, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    const sso = deps.sso;
    if (!sso) throw notFound();
    const redirectUri = `${publicOrigin(deps.publicUrl, req)}${SSO_CALLBACK_PATH}`;
    let started;
    try {
      started = await sso.startAuthorization(redirectUri);
    } catch (err) {
      if (!(err instanceof SsoError)) throw err;
      req.log.warn({ sso: err.reason }, 'microsoft sign-in unavailable');
      return page(reply, 502, {
        title: 'Microsoft sign-in is unavailable right now',
        message: 'opsgate could not reach Microsoft’s sign-in service. Try again in a moment, or sign in with your password.',
      });
    }
    const { state, nonce, codeVerifier } = started;
    const { binding } = await beginSsoRequest(deps.db, {
      state,
      nonce,
      codeVerifier,
      redirectUri,
      nextPath: safeNext((req.query as Record<string, unknown>).next),
    });
    reply.setCookie(ssoBindingCookie(started.state), binding, { ...cookieOptions, maxAge: SSO_REQUEST_TTL_SECONDS });
    return reply.redirect(started.url, 302);
  });

  app.get(SSO_CALLBACK_PATH, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    const sso = deps.sso;
    if (!sso) throw notFound();
    const query = (req.query ?? {}) as Record<string, unknown>;
    const str = (k: string) => (typeof query[k] === 'string' ? (query[k] as string) : undefined);
    // The binding is good for one callback, whatever its outcome; other sign-ins' stay.
    const state = str('state');
    const bindingCookie = state && state.length <= 512 ? ssoBindingCookie(state) : undefined;
    if (bindingCookie) reply.clearCookie(bindingCookie, cookieOptions);
    const refuse = (status: number, reason: string, p: { title: string; message: string; detail?: string }) => {
      req.log.warn({ sso: reason }, 'microsoft sign-in refused');
      return page(reply, status, p);
    };

    const consumed = await consumeSsoRequest(deps.db, { state, binding: bindingCookie && req.cookies[bindingCookie] });
    if (!consumed.ok) {
      return refuse(400, consumed.why, {
        title: 'This sign-in cannot be completed',
        message:
          'The sign-in link is not valid here: it was used already, it expired, or it was started in another browser. Start again from the sign-in page.',
      });
    }
    const error = str('error');
    if (error) {
      const cancelled = error === 'access_denied';
      return refuse(400, `authority_error:${error.slice(0, 40)}`, {
        title: cancelled ? 'Sign-in with Microsoft was cancelled' : 'Microsoft did not sign you in',
        message: cancelled
          ? 'You were not signed in. Start again whenever you like.'
          : 'Microsoft answered with an error, so you were not signed in. Start again from the sign-in page.',
        detail: `Microsoft’s answer: ${error.slice(0, 80)}`,
      });
    }
    const code = str('code');
    if (!code || code.length > 8192) {
      return refuse(400, 'missing_code', {
        title: 'This sign-in cannot be completed',
        message: 'Microsoft’s answer carried no sign-in code. Start again from the sign-in page.',
      });
    }

    let identity;
    try {
      const callbackQuery = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (typeof v === 'string') callbackQuery.set(k, v);
      identity = await sso.completeAuthorization({
        callbackQuery,
        state: state!,
        nonce: consumed.nonce,
        codeVerifier: consumed.codeVerifier,
        redirectUri: consumed.redirectUri,
      });
    } catch (err) {
      if (!(err instanceof SsoError)) throw err;
      if (err.reason === 'authority_unreachable') {
        return refuse(502, err.reason, {
          title: 'Microsoft sign-in is unavailable right now',
          message: 'opsgate could not reach Microsoft’s sign-in service. Try again in a moment, or sign in with your password.',
        });
      }
      return refuse(400, err.aadsts ? `${err.reason}:AADSTS${err.aadsts}` : err.reason, {
        title: 'Microsoft sign-in could not be verified',
        message: 'You were not signed in. Start again from the sign-in page; if it keeps happening, tell your opsgate administrator.',
        detail: PROTOCOL_DETAIL[err.reason] ?? `Reason: ${err.reason}.`,
      });
    }

    const result = await signInWithMicrosoft(deps.db, identity);
    if (result.kind === 'refused') {
      await auditSignIn(deps.db, {
        outcome: 'failed',
        ...(result.userId ? { userId: result.userId } : { email: identity.email }),
        via: 'microsoft',
        address: req.ip,
        reason: result.reason,
      });
      return refuse(403, result.reason, REFUSALS[result.reason](identity.email));
    }
    // Whoever was signed in in this browser before, this person is now (their session ends).
    await setSessionCookie(deps, req, reply, result.user.id);
    req.userId = result.user.id;
    await auditSignIn(deps.db, { outcome: 'succeeded', userId: result.user.id, via: 'microsoft', address: req.ip });
    return reply.redirect(consumed.nextPath ?? DEFAULT_NEXT, 302);
  });
}
