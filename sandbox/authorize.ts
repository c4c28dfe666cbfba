/**
 * Signing people in, shaped like Microsoft's identity platform v2.0:
 *
 * - `GET|POST /{tenant}/oauth2/v2.0/authorize`: the sign-in page for the tenant's own users
 *   (authorization code flow, PKCE S256 or plain, `state`, `nonce`, `login_hint`). A good
 *   sign-in sends the browser to `redirect_uri?code=…&state=…&session_state=…`; "Cancel" to
 *   `redirect_uri?error=access_denied&error_subcode=cancel&…`. Requests the page cannot trust
 *   (unknown tenant or app, a redirect URI the app does not have) get an error page and are
 *   never redirected, as in Entra.
 * - the token endpoint's `authorization_code` grant: the app authenticates (secret or
 *   certificate assertion), the code is accepted once, for the app and redirect URI it was
 *   issued to, with the PKCE verifier; the answer carries an RS256 id token.
 *
 * Redirect URIs: an app with registered ones accepts exactly those (a loopback one with any
 * port, as Entra does for localhost); an app with none accepts loopback URIs only.
 */
import { randomUUID, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { aadError, authenticateClient, clientSecretOf, sameText } from './client-auth.ts';
import type { AuthorizationRequest } from './directory.ts';
import { readBody, sendJson, sleep } from './http-util.ts';
import { pairwiseSubject, signWithSandboxKey } from './id-tokens.ts';
import { findTenant, type IdentityContext } from './identity.ts';
import type { SandboxApp, SandboxTenant } from './state.ts';
import { isSecretExpired } from './state.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const ID_TOKEN_LIFETIME_SECONDS = 3600;
/** The resource an openid/profile/email sign-in's access token is for, as in Entra (Microsoft Graph). */
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Whether the app may send a browser back to this URI (see the module comment). */
export function allowedRedirect(app: Pick<SandboxApp, 'redirectUris'>, raw: string | null): URL | null {
  if (!raw) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.hash) return null;
  if (app.redirectUris.length === 0) return LOOPBACK.has(u.hostname) ? u : null;
  const withoutPort = (x: URL) => `${x.protocol}//${x.hostname}${x.pathname}${x.search}`;
  for (const registered of app.redirectUris) {
    let r: URL;
    try {
      r = new URL(registered);
    } catch {
      continue;
    }
    if (r.toString() === u.toString()) return u;
    if (LOOPBACK.has(r.hostname) && withoutPort(r) === withoutPort(u)) return u;
  }
  return null;
}

function page(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'",
    'referrer-policy': 'no-referrer',
  });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sandbox cloud — sign in</title>
<style>body{font:15px system-ui,sans-serif;max-width:440px;margin:48px auto;color:#1b1f24}h1{font-size:22px;margin:0 0 8px}
.card{border:1px solid #d0d7de;border-radius:8px;padding:24px}label{display:block;margin:14px 0 4px;font-weight:600}
input[type=email],input[type=password],input[type=text]{font:inherit;width:100%;box-sizing:border-box;padding:8px;border:1px solid #8c959f;border-radius:6px}
.actions{margin-top:20px}button{font:inherit;padding:8px 16px;border-radius:6px;border:1px solid #8c959f;background:#fff;margin-right:8px;cursor:pointer}
button.primary{background:#0b5cad;color:#fff;border-color:#0b5cad}.muted{color:#57606a;font-size:13px}
.error{color:#a40e26;background:#ffebe9;border:1px solid #ffcecb;border-radius:6px;padding:8px 12px}</style></head>
<body><p class="muted">Sandbox cloud — stands in for Microsoft's sign-in page</p>${body}</body></html>`);
}

function redirect(res: ServerResponse, to: URL): void {
  res.writeHead(302, { location: to.toString(), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  res.end();
}

/** Sends an OAuth error back to the app (only once the redirect URI is trusted). */
function redirectError(res: ServerResponse, back: URL, state: string | null, error: string, aadsts: number, description: string, subcode?: string): void {
  const to = new URL(back.toString());
  to.searchParams.set('error', error);
  to.searchParams.set('error_description', `AADSTS${aadsts}: ${description}`);
  if (subcode) to.searchParams.set('error_subcode', subcode);
  if (state !== null) to.searchParams.set('state', state);
  redirect(res, to);
}

const FORWARDED = [
  'client_id',
  'response_type',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'response_mode',
  'prompt',
];

function signInForm(p: { params: URLSearchParams; app: SandboxApp; tenant: SandboxTenant; login: string; error?: string }): string {
  const hidden = FORWARDED.filter((k) => p.params.has(k))
    .map((k) => `<input type="hidden" name="${k}" value="${esc(p.params.get(k) ?? '')}">`)
    .join('');
  return `<div class="card"><h1>Sign in</h1>
<p>to <strong>${esc(p.app.displayName)}</strong> with your <strong>${esc(p.tenant.displayName)}</strong> account</p>
${p.error ? `<p class="error" role="alert">${esc(p.error)}</p>` : ''}
<form method="post">${hidden}
<label for="login">Email</label><input id="login" name="login" type="email" autocomplete="username" value="${esc(p.login)}" required>
<label for="passwd">Password</label><input id="passwd" name="passwd" type="password" autocomplete="current-password" required>
<div class="actions"><button class="primary" type="submit" name="decision" value="signin">Sign in</button>
<button type="submit" name="decision" value="cancel" formnovalidate>Cancel</button></div></form>
<p class="muted">Sandbox users only: nothing here reaches Microsoft.</p></div>`;
}

export async function handleAuthorize(ctx: IdentityContext, req: IncomingMessage, res: ServerResponse, url: URL, tenantSegment: string): Promise<void> {
  const method = req.method ?? 'GET';
  const params = method === 'POST' ? new URLSearchParams(await readBody(req)) : url.searchParams;
  const tenant = findTenant(ctx.state, tenantSegment);
  if (!tenant) return page(res, 400, `<h1>Sign-in failed</h1><p>AADSTS90002: Tenant '${esc(tenantSegment)}' not found.</p>`);
  const clientId = (params.get('client_id') ?? '').toLowerCase();
  const app = clientId ? ctx.state.getApp(tenant.id, clientId) : undefined;
  if (!app || !app.appExists) {
    return page(
      res,
      400,
      `<h1>Sign-in failed</h1><p>AADSTS700016: Application with identifier '${esc(clientId)}' was not found in the directory '${esc(tenant.displayName)}'.</p>`,
    );
  }
  const back = allowedRedirect(app, params.get('redirect_uri'));
  if (!back) {
    return page(
      res,
      400,
      `<h1>Sign-in failed</h1><p>AADSTS50011: The redirect URI specified in the request does not match the redirect URIs configured for the application '${esc(app.clientId)}'.</p>`,
    );
  }
  const state = params.get('state');
  if (params.get('response_type') !== 'code') {
    return redirectError(res, back, state, 'unsupported_response_type', 700054, "The app requested a response_type the sandbox does not serve: only 'code'.");
  }
  const responseMode = params.get('response_mode');
  if (responseMode && responseMode !== 'query') {
    return redirectError(res, back, state, 'invalid_request', 900144, "Only response_mode 'query' is served by the sandbox.");
  }
  const challenge = params.get('code_challenge');
  const challengeMethod = params.get('code_challenge_method') ?? (challenge ? 'plain' : null);
  if (challenge !== null && challengeMethod !== 'S256' && challengeMethod !== 'plain') {
    return redirectError(res, back, state, 'invalid_request', 501491, 'code_challenge_method must be S256 or plain.');
  }
  if (challenge !== null && !/^[A-Za-z0-9._~-]{43,128}$/.test(challenge)) {
    return redirectError(res, back, state, 'invalid_request', 501491, 'code_challenge is malformed.');
  }
  const scope = params.get('scope') ?? '';
  if (!scope.split(/\s+/).includes('openid')) {
    return redirectError(res, back, state, 'invalid_scope', 70011, "The provided value for the input parameter 'scope' is not valid: sign-in needs 'openid'.");
  }

  if (method === 'GET') {
    return page(res, 200, signInForm({ params, app, tenant, login: url.searchParams.get('login_hint') ?? '' }));
  }
  if (params.get('decision') === 'cancel') {
    return redirectError(res, back, state, 'access_denied', 50058, 'The user cancelled the sign-in.', 'cancel');
  }
  const login = (params.get('login') ?? '').trim();
  const result = ctx.state.directory.authenticate(tenant.id, login, params.get('passwd') ?? '');
  if (!result.user) {
    const error = result.failure === 'disabled' ? 'AADSTS50057: The user account is disabled.' : 'AADSTS50126: Your account or password is incorrect.';
    return page(res, 200, signInForm({ params, app, tenant, login, error }));
  }
  const request: AuthorizationRequest = {
    tenantId: tenant.id,
    clientId: app.clientId,
    // As sent: the token request must repeat it exactly.
    redirectUri: params.get('redirect_uri') ?? '',
    scope,
    nonce: params.get('nonce'),
    codeChallenge: challenge,
    codeChallengeMethod: challenge === null ? null : (challengeMethod as 'S256' | 'plain'),
  };
  const code = ctx.state.authCodes.issue(request, result.user.id);
  const to = new URL(back.toString());
  to.searchParams.set('code', code);
  if (state !== null) to.searchParams.set('state', state);
  to.searchParams.set('session_state', randomUUID());
  return redirect(res, to);
}

/** PKCE (RFC 7636): the verifier hashes (S256) or equals (plain) the challenge. */
function verifierMatches(grant: Pick<AuthorizationRequest, 'codeChallenge' | 'codeChallengeMethod'>, verifier: string | null): boolean {
  if (grant.codeChallenge === null) return true;
  if (!verifier || !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  const derived = grant.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return sameText(derived, grant.codeChallenge);
}

/** `grant_type=authorization_code` at `/{tenant}/oauth2/v2.0/token`. */
export async function handleAuthorizationCodeGrant(
  ctx: IdentityContext,
  req: IncomingMessage,
  res: ServerResponse,
  tenantSegment: string,
  form: URLSearchParams,
): Promise<void> {
  const { clientId: rawClientId, secret } = clientSecretOf(req, form);
  const clientId = rawClientId?.toLowerCase();
  const tenant = findTenant(ctx.state, tenantSegment);
  const app = tenant && clientId ? ctx.state.getApp(tenant.id, clientId) : undefined;
  await sleep(ctx.state.latencyFor(tenant?.id, app?.clientId));
  if (!tenant) return aadError(res, 400, 'invalid_request', 90002, `Tenant '${tenantSegment}' not found.`);
  if (!clientId) return aadError(res, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  if (!app || !app.appExists) {
    return aadError(
      res,
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'.`,
    );
  }
  // The app's own registration: a person signs in to the app of the tenant they belong to.
  const credentials = { secret: app.secret, secretExpired: isSecretExpired(app), certificates: app.certificates };
  const authenticated = await authenticateClient(res, {
    form,
    secret,
    app,
    credentials,
    tenant,
    tenantSegment,
    baseUrl: ctx.baseUrl,
    replay: ctx.state.assertionReplay,
  });
  if (!authenticated) return;

  const code = form.get('code');
  if (!code) return aadError(res, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'code'.");
  const redeemed = ctx.state.authCodes.redeem(code);
  if (!redeemed.ok) {
    if (redeemed.reason === 'redeemed') {
      return aadError(
        res,
        400,
        'invalid_grant',
        54005,
        'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
      );
    }
    if (redeemed.reason === 'expired')
      return aadError(res, 400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity.');
    return aadError(res, 400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid: the code is not known.');
  }
  const grant = redeemed.grant;
  if (grant.clientId !== app.clientId || grant.tenantId !== tenant.id) {
    return aadError(res, 400, 'invalid_grant', 70000, 'The provided authorization code was issued to another client or tenant.');
  }
  if (form.get('redirect_uri') !== grant.redirectUri) {
    return aadError(res, 400, 'invalid_grant', 70000, 'The redirect_uri does not match the one the authorization code was issued for.');
  }
  if (!verifierMatches(grant, form.get('code_verifier'))) {
    return aadError(res, 400, 'invalid_grant', 50148, 'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.');
  }
  const user = ctx.state.directory.get(tenant.id, grant.userId);
  if (!user || !user.accountEnabled) return aadError(res, 400, 'invalid_grant', 50057, 'The user account is disabled or no longer exists.');

  const now = Math.floor(Date.now() / 1000);
  const scopes = grant.scope.split(/\s+/).filter(Boolean);
  const idToken = await signWithSandboxKey(ctx.idTokenKeys, {
    ver: '2.0',
    iss: `${ctx.baseUrl}/${tenant.id}/v2.0`,
    sub: pairwiseSubject(user.id, app.clientId),
    aud: app.clientId,
    iat: now,
    nbf: now,
    exp: now + ID_TOKEN_LIFETIME_SECONDS,
    ...(grant.nonce !== null ? { nonce: grant.nonce } : {}),
    name: user.displayName,
    preferred_username: user.userPrincipalName,
    ...(scopes.includes('email') && user.mail ? { email: user.mail } : {}),
    oid: user.id,
    tid: tenant.id,
    uti: randomUUID().replace(/-/g, ''),
  });
  const accessToken = await signWithSandboxKey(ctx.idTokenKeys, {
    aud: GRAPH_APP_ID,
    iss: `${ctx.baseUrl}/${tenant.id}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + ID_TOKEN_LIFETIME_SECONDS,
    azp: app.clientId,
    oid: user.id,
    sub: pairwiseSubject(user.id, GRAPH_APP_ID),
    tid: tenant.id,
    scp: 'openid profile email User.Read',
    idtyp: 'user',
    ver: '2.0',
  });
  sendJson(res, 200, {
    token_type: 'Bearer',
    scope: 'openid profile email User.Read',
    expires_in: ID_TOKEN_LIFETIME_SECONDS,
    ext_expires_in: ID_TOKEN_LIFETIME_SECONDS,
    access_token: accessToken,
    id_token: idToken,
  });
}
