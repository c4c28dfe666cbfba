// "Sign in with Microsoft" over HTTP: opsgate against the real sandbox cloud (its sign-in
// page, token endpoint and keys), driven like a browser with manual redirects; and against a
// small test authority whose id tokens a test key signs, to hand opsgate the tokens a real
// authority never would (expired, for another app, from another issuer, signed by a stranger).
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_PASSWORD } from '../../src/http/auth.ts';
import { ensureSandboxTls } from '../../sandbox/ca.ts';
import { startSandboxCloud, type SandboxCloud } from '../../sandbox/index.ts';
import { DEMO_PASSWORD } from '../../src/seed/demo-fixture.ts';
import { DEMO_SSO, registerSsoDemo } from '../../src/seed/sso-demo.ts';
import { closeAll } from '../helpers/teardown.ts';
import { call, login, PERSONAS, startTestServer, type TestServer } from './helpers.ts';

const T = DEMO_SSO.tenant.id;
let dir: string;
let sandbox: SandboxCloud;
let s: TestServer;
let agent: Agent;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-sso-test-'));
  sandbox = await startSandboxCloud({ dir, latencyMs: 0 });
  registerSsoDemo(sandbox.state);
  agent = new Agent({ connect: { ca: sandbox.caPem } });
  s = await startTestServer({
    sso: {
      tenantId: T,
      clientId: DEMO_SSO.app.clientId,
      clientSecret: DEMO_SSO.app.secret,
      authorityHost: sandbox.url,
      signInPageHost: sandbox.pagesUrl,
      caPem: sandbox.caPem,
    },
  });
});
afterAll(async () => {
  await closeAll(s, agent, sandbox);
  fs.rmSync(dir, { recursive: true, force: true });
});

// ---- a browser, by hand ----------------------------------------------------------------------

const cookieFrom = (res: Response, name: string) => res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
/** A sign-in's binding cookie is named after its state: `opsgate_sso_<16 hex>`. */
const bindingFrom = (res: Response) => res.headers.getSetCookie().find((c) => /^opsgate_sso_[0-9a-f]{16}=/.test(c));
const cookiePair = (set: string | undefined) => (set ? set.split(';')[0]! : '');
const noSession = (res: Response) => {
  const set = cookieFrom(res, 'opsgate_session');
  return set === undefined || /opsgate_session=;/.test(set);
};

interface Started {
  authorizeUrl: URL;
  binding: string;
  bindingSetCookie: string;
}

async function start(base = s.base, next?: string): Promise<Started> {
  const res = await fetch(`${base}/api/auth/microsoft/start${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const set = bindingFrom(res);
  expect(set).toBeDefined();
  return { authorizeUrl: new URL(res.headers.get('location')!), binding: cookiePair(set), bindingSetCookie: set! };
}

/** Signs in on the sandbox's page; answers where the sandbox sends the browser (the callback URL). */
async function signInAtSandbox(authorizeUrl: URL, email: string, password = DEMO_PASSWORD): Promise<string> {
  const pageRes = await fetch(authorizeUrl);
  expect(pageRes.status).toBe(200);
  const html = await pageRes.text();
  expect(html).toContain('<label for="login">Email</label>');
  const form = new URLSearchParams(authorizeUrl.searchParams);
  form.set('login', email);
  form.set('passwd', password);
  form.set('decision', 'signin');
  const res = await fetch(authorizeUrl.origin + authorizeUrl.pathname, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });
  expect(res.status, await res.clone().text()).toBe(302);
  return res.headers.get('location')!;
}

async function callback(url: string, binding: string): Promise<Response> {
  return fetch(url, { redirect: 'manual', headers: binding ? { cookie: binding } : {} });
}

async function signInWithMicrosoft(email: string, opts: { next?: string; password?: string } = {}): Promise<{ res: Response; cookie: string }> {
  const st = await start(s.base, opts.next);
  const back = await signInAtSandbox(st.authorizeUrl, email, opts.password);
  const res = await callback(back, st.binding);
  return { res, cookie: cookiePair(cookieFrom(res, 'opsgate_session')) };
}

const tokenRequest = (form: Record<string, string>) =>
  undiciFetch(`${sandbox.url}/${T}/oauth2/v2.0/token`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });

// ---- the loop ----------------------------------------------------------------------------------

describe('Sign in with Microsoft against the sandbox cloud', () => {
  it('the server offers it; a server without SSO offers nothing and has no start route', async () => {
    expect((await call(s.base, 'GET', '/api/auth/providers')).body).toEqual({
      items: [{ id: 'microsoft', label: 'Sign in with Microsoft', url: '/api/auth/microsoft/start' }],
    });
    const plain = await startTestServer({ seed: false });
    try {
      expect((await call(plain.base, 'GET', '/api/auth/providers')).body).toEqual({ items: [] });
      expect((await call(plain.base, 'GET', '/api/auth/microsoft/start')).status).toBe(404);
      expect((await call(plain.base, 'GET', '/api/auth/microsoft/callback?code=x&state=y')).status).toBe(404);
    } finally {
      await plain.close();
    }
  });

  it('start sends the browser to the authority: code flow, PKCE S256, state, nonce, our callback; a short-lived HttpOnly binding cookie', async () => {
    const st = await start();
    const u = st.authorizeUrl;
    expect(u.origin + u.pathname).toBe(`${sandbox.pagesUrl}/${T}/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(u.searchParams)).toMatchObject({
      client_id: DEMO_SSO.app.clientId,
      response_type: 'code',
      response_mode: 'query',
      redirect_uri: `${s.base}/api/auth/microsoft/callback`,
      code_challenge_method: 'S256',
      scope: 'openid profile email',
    });
    expect(u.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(u.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(u.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(st.bindingSetCookie).toMatch(/HttpOnly/i);
    expect(st.bindingSetCookie).toMatch(/SameSite=Lax/i);
    expect(st.bindingSetCookie).toMatch(/Path=\/api\/auth\/microsoft/);
    expect(st.bindingSetCookie).toMatch(/Max-Age=600/);
    // Only hashes of the state and the binding are stored.
    const rows = await s.tdb.db.selectFrom('sso_requests').select(['state_hash', 'binding_hash']).execute();
    const sha = (x: string) => crypto.createHash('sha256').update(x).digest('hex');
    expect(rows.map((r) => r.state_hash)).toContain(sha(u.searchParams.get('state')!));
    expect(rows.map((r) => r.binding_hash)).toContain(sha(st.binding.split('=')[1]!));
    // The cookie is named after this sign-in's state (a hash of it, not the state).
    expect(st.binding.split('=')[0]).toBe(`opsgate_sso_${sha(u.searchParams.get('state')!).slice(0, 16)}`);
  });

  it('a demo user signs in: session cookie, back to the console, the Microsoft account linked, audited', async () => {
    const { res, cookie } = await signInWithMicrosoft(PERSONAS.operator, { next: '/admin/t/northwind' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/admin/t/northwind');
    expect(cookieFrom(res, 'opsgate_session')).toMatch(/HttpOnly/i);
    expect(bindingFrom(res)).toMatch(/^opsgate_sso_[0-9a-f]{16}=;/);
    const me = await call(s.base, 'GET', '/api/session', { cookie });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(PERSONAS.operator);
    const user = await s.tdb.db
      .selectFrom('users')
      .select(['entra_tenant_id', 'entra_object_id', 'id'])
      .where('email', '=', PERSONAS.operator)
      .executeTakeFirstOrThrow();
    expect(user.entra_tenant_id).toBe(T);
    expect(user.entra_object_id).toBe(sandbox.state.directory.findBySignInName(T, PERSONAS.operator)!.id);
    const audit = await s.tdb.db
      .selectFrom('audit_log')
      .select(['outcome', 'details'])
      .where('action', '=', 'session.sign_in')
      .where('actor_user_id', '=', user.id)
      .execute();
    expect(audit.some((a) => a.outcome === 'succeeded' && (a.details as { via?: string }).via === 'microsoft')).toBe(true);
  });

  it("a tenant configured by its verified domain signs in too (its tokens' issuer names the tenant id, which the authority's discovery document tells)", async () => {
    const byDomain = await startTestServer({
      sso: {
        tenantId: DEMO_SSO.tenant.defaultDomain,
        clientId: DEMO_SSO.app.clientId,
        clientSecret: DEMO_SSO.app.secret,
        authorityHost: sandbox.url,
        caPem: sandbox.caPem,
      },
    });
    try {
      for (const email of [PERSONAS.readonly, PERSONAS.owner]) {
        const st = await start(byDomain.base);
        // The sign-in page's address comes from the document too: the sandbox's plain-HTTP one.
        expect(st.authorizeUrl.origin + st.authorizeUrl.pathname).toBe(`${sandbox.pagesUrl}/${T}/oauth2/v2.0/authorize`);
        const res = await callback(await signInAtSandbox(st.authorizeUrl, email), st.binding);
        expect(res.status, await res.clone().text()).toBe(302);
        expect(cookieFrom(res, 'opsgate_session')).toBeDefined();
      }
    } finally {
      await byDomain.close();
    }
  });

  it('a later sign-in matches the linked account even after the email changed in Entra', async () => {
    const person = sandbox.state.directory.findBySignInName(T, PERSONAS.operator)!;
    sandbox.state.directory.update(T, person.id, { userPrincipalName: 'omar@contosomsp.onmicrosoft.com', mail: 'omar@contosomsp.onmicrosoft.com' });
    try {
      const { res, cookie } = await signInWithMicrosoft('omar@contosomsp.onmicrosoft.com');
      expect(res.status).toBe(302);
      expect((await call(s.base, 'GET', '/api/session', { cookie })).body.user.email).toBe(PERSONAS.operator);
    } finally {
      sandbox.state.directory.update(T, person.id, { userPrincipalName: PERSONAS.operator, mail: PERSONAS.operator });
    }
  });

  it('`next` only ever names a console path', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example', '/\\evil.example', '/api/session']) {
      const { res } = await signInWithMicrosoft(PERSONAS.readonly, { next });
      expect(res.headers.get('location'), next).toBe('/admin/tenants');
    }
  });

  it("two tabs of one browser signing in at once: each completes (a second start does not replace the first one's binding)", async () => {
    // One cookie jar, as a browser has: what a Set-Cookie clears is gone for every tab.
    const jar = new Map<string, string>();
    const keep = (res: Response) => {
      for (const set of res.headers.getSetCookie()) {
        const [name, value] = set.split(';')[0]!.split('=') as [string, string];
        if (value) jar.set(name, value);
        else jar.delete(name);
      }
    };
    const cookies = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const startTab = async (next: string) => {
      const res = await fetch(`${s.base}/api/auth/microsoft/start?next=${encodeURIComponent(next)}`, { redirect: 'manual', headers: { cookie: cookies() } });
      expect(res.status).toBe(302);
      keep(res);
      return new URL(res.headers.get('location')!);
    };
    const first = await startTab('/admin/operations');
    const second = await startTab('/admin/attention');
    const backFirst = await signInAtSandbox(first, PERSONAS.readonly);
    const backSecond = await signInAtSandbox(second, PERSONAS.readonly);
    for (const [back, next] of [
      [backFirst, '/admin/operations'],
      [backSecond, '/admin/attention'],
    ] as const) {
      const res = await callback(back, cookies());
      expect(res.status, await res.clone().text()).toBe(302);
      expect(res.headers.get('location')).toBe(next);
      keep(res);
      expect(jar.has('opsgate_session')).toBe(true);
    }
  });

  it('an unknown person is refused with a clear page and no session', async () => {
    const added = await undiciFetch(`${sandbox.url}/_sandbox/tenants/${T}/users`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userPrincipalName: 'stranger@contoso.example', password: 'stranger-password' }),
    });
    expect(added.status).toBe(201);
    const { res } = await signInWithMicrosoft('stranger@contoso.example', { password: 'stranger-password' });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('No opsgate account for stranger@contoso.example');
    expect(html).toContain('Ask an owner of your workspace to invite you');
    expect(html).toContain('href="/login"');
    expect(noSession(res)).toBe(true);
    expect(await s.tdb.db.selectFrom('users').select('id').where('email', '=', 'stranger@contoso.example').executeTakeFirst()).toBeUndefined();
    // The page allows its own inline style by hash and nothing else.
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
  });

  it("a pending invitation is accepted: the account is created without a password, with the invitation's memberships", async () => {
    const owner = await login(s.base, PERSONAS.owner);
    const ws = (await call(s.base, 'GET', '/api/workspaces', { cookie: owner })).body.items.find((w: { slug: string }) => w.slug === 'contoso-msp');
    const inv = await call(s.base, 'POST', `/api/workspaces/${ws.id}/invitations`, {
      cookie: owner,
      body: { email: 'nina@contoso.example', role: 'operator', tenants: ['northwind', 'alpine'] },
    });
    expect(inv.status).toBe(201);
    sandbox.state.directory.add(T, { userPrincipalName: 'nina@contoso.example', displayName: 'Nina New', password: 'nina-password' });
    const { res, cookie } = await signInWithMicrosoft('nina@contoso.example', { password: 'nina-password' });
    expect(res.status).toBe(302);
    const me = await call(s.base, 'GET', '/api/session', { cookie });
    expect(me.body.user).toMatchObject({ email: 'nina@contoso.example', displayName: 'Nina New' });
    expect(me.body.tenants.map((t: { slug: string }) => t.slug).sort()).toEqual(['alpine', 'northwind']);
    expect(me.body.tenants.every((t: { role: string }) => t.role === 'operator')).toBe(true);
    const row = await s.tdb.db.selectFrom('invitations').select(['accepted_at']).where('id', '=', inv.body.id).executeTakeFirstOrThrow();
    expect(row.accepted_at).not.toBeNull();
    const user = await s.tdb.db.selectFrom('users').select(['password_hash', 'id']).where('email', '=', 'nina@contoso.example').executeTakeFirstOrThrow();
    expect(user.password_hash).toBe(NO_PASSWORD);
    const joined = await s.tdb.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'member.joined')
      .where('actor_user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(joined.details).toMatchObject({ via: 'microsoft', newAccount: true });
    // No password opens that account.
    expect((await call(s.base, 'POST', '/api/session', { body: { email: 'nina@contoso.example', password: NO_PASSWORD } })).status).toBe(401);
  });

  it('a removed member is refused', async () => {
    const owner = await login(s.base, PERSONAS.owner);
    const ws = (await call(s.base, 'GET', '/api/workspaces', { cookie: owner })).body.items.find((w: { slug: string }) => w.slug === 'contoso-msp');
    const nina = await s.tdb.db.selectFrom('users').select('id').where('email', '=', 'nina@contoso.example').executeTakeFirstOrThrow();
    expect((await call(s.base, 'DELETE', `/api/workspaces/${ws.id}/members/${nina.id}`, { cookie: owner })).status).toBe(204);
    const { res } = await signInWithMicrosoft('nina@contoso.example', { password: 'nina-password' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('is not a member of any workspace');
    expect(noSession(res)).toBe(true);
    const failed = await s.tdb.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'session.sign_in')
      .where('actor_user_id', '=', nina.id)
      .where('outcome', '=', 'failed')
      .execute();
    expect(failed.map((f) => f.details)).toContainEqual(expect.objectContaining({ via: 'microsoft', reason: 'not_a_member' }));
  });

  it('another Microsoft account that comes to carry a linked email is refused', async () => {
    // The operator's account was linked above; the directory now holds a new person with that email.
    const old = sandbox.state.directory.findBySignInName(T, PERSONAS.operator)!;
    sandbox.state.directory.remove(T, old.id);
    sandbox.state.directory.add(T, { userPrincipalName: PERSONAS.operator, password: 'recycled-password' });
    try {
      const { res } = await signInWithMicrosoft(PERSONAS.operator, { password: 'recycled-password' });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('This Microsoft account cannot sign in as operator@contoso.example');
      expect(noSession(res)).toBe(true);
    } finally {
      const recycled = sandbox.state.directory.findBySignInName(T, PERSONAS.operator)!;
      sandbox.state.directory.remove(T, recycled.id);
      sandbox.state.directory.add(T, { ...old });
    }
  });
});

describe('refused callbacks: no session, a page saying why', () => {
  it('a forged state', async () => {
    const st = await start();
    const res = await callback(`${s.base}/api/auth/microsoft/callback?code=anything&state=${crypto.randomBytes(32).toString('base64url')}`, st.binding);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('This sign-in cannot be completed');
    expect(noSession(res)).toBe(true);
  });

  it('a callback in another browser (no or another binding cookie) is refused and leaves the sign-in usable in its own', async () => {
    const st = await start();
    const back = await signInAtSandbox(st.authorizeUrl, PERSONAS.readonly);
    const other = await start();
    for (const binding of ['', other.binding]) {
      const res = await callback(back, binding);
      expect(res.status).toBe(400);
      expect(noSession(res)).toBe(true);
    }
    const own = await callback(back, st.binding);
    expect(own.status).toBe(302);
    expect(cookieFrom(own, 'opsgate_session')).toBeDefined();
  });

  it('a replayed callback (its state is used)', async () => {
    const st = await start();
    const back = await signInAtSandbox(st.authorizeUrl, PERSONAS.readonly);
    expect((await callback(back, st.binding)).status).toBe(302);
    const again = await callback(back, st.binding);
    expect(again.status).toBe(400);
    expect(noSession(again)).toBe(true);
  });

  it('a replayed code (redeemed once already) under a fresh state', async () => {
    const first = await start();
    const back = new URL(await signInAtSandbox(first.authorizeUrl, PERSONAS.readonly));
    expect((await callback(back.toString(), first.binding)).status).toBe(302);
    const second = await start();
    const forged = new URL(back.toString());
    forged.searchParams.set('state', second.authorizeUrl.searchParams.get('state')!);
    const res = await callback(forged.toString(), second.binding);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Microsoft refused the sign-in code');
    expect(noSession(res)).toBe(true);
  });

  it('a wrong nonce (the id token belongs to another sign-in)', async () => {
    const st = await start();
    const tampered = new URL(st.authorizeUrl.toString());
    tampered.searchParams.set('nonce', crypto.randomBytes(32).toString('base64url'));
    const back = await signInAtSandbox(tampered, PERSONAS.readonly);
    const res = await callback(back, st.binding);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('does not belong to this sign-in (nonce)');
    expect(noSession(res)).toBe(true);
  });

  it('the person cancels at Microsoft', async () => {
    const st = await start();
    const form = new URLSearchParams(st.authorizeUrl.searchParams);
    form.set('decision', 'cancel');
    const back = await fetch(st.authorizeUrl.origin + st.authorizeUrl.pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      redirect: 'manual',
    });
    const res = await callback(back.headers.get('location')!, st.binding);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Sign-in with Microsoft was cancelled');
    expect(noSession(res)).toBe(true);
  });
});

describe('an authority that cannot be reached', () => {
  it('by id: start needs nobody, the callback says so (502, no session); by domain: start says so already', async () => {
    const nobody = 'https://127.0.0.1:9';
    const byId = await startTestServer({
      sso: { tenantId: T, clientId: DEMO_SSO.app.clientId, clientSecret: 'x', authorityHost: nobody, caPem: sandbox.caPem, signInPageHost: nobody },
    });
    const byDomain = await startTestServer({
      sso: { tenantId: 'contoso.example', clientId: DEMO_SSO.app.clientId, clientSecret: 'x', authorityHost: nobody, caPem: sandbox.caPem },
    });
    try {
      const st = await start(byId.base);
      expect(st.authorizeUrl.origin).toBe(nobody);
      const res = await callback(`${byId.base}/api/auth/microsoft/callback?code=c&state=${st.authorizeUrl.searchParams.get('state')}`, st.binding);
      expect(res.status).toBe(502);
      expect(await res.text()).toContain('Microsoft sign-in is unavailable right now');
      expect(noSession(res)).toBe(true);
      const refused = await fetch(`${byDomain.base}/api/auth/microsoft/start`, { redirect: 'manual' });
      expect(refused.status).toBe(502);
      expect(bindingFrom(refused)).toBeUndefined();
    } finally {
      await closeAll(byId, byDomain);
    }
  });
});

describe('the sandbox identity platform', () => {
  it('publishes its signing key (JWKS) and names it in the discovery document', async () => {
    const doc = (await (await undiciFetch(`${sandbox.url}/${T}/v2.0/.well-known/openid-configuration`, { dispatcher: agent })).json()) as Record<
      string,
      unknown
    >;
    expect(doc).toMatchObject({
      issuer: `${sandbox.url}/${T}/v2.0`,
      authorization_endpoint: `${sandbox.pagesUrl}/${T}/oauth2/v2.0/authorize`,
      token_endpoint: `${sandbox.url}/${T}/oauth2/v2.0/token`,
      jwks_uri: `${sandbox.url}/${T}/discovery/v2.0/keys`,
    });
    const keys = (await (await undiciFetch(String(doc.jwks_uri), { dispatcher: agent })).json()) as { keys: Record<string, string>[] };
    expect(keys.keys).toHaveLength(1);
    expect(keys.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', e: 'AQAB' });
    expect(keys.keys[0]!.kid).toBeTruthy();
    expect(Object.keys(keys.keys[0]!)).not.toContain('d');
  });

  it('a code is redeemed once, by its app, with its redirect URI and PKCE verifier', async () => {
    const verifier = crypto.randomBytes(32).toString('base64url');
    const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
    const redirectUri = 'http://127.0.0.1:9/api/auth/microsoft/callback';
    const code = async () => {
      const u = new URL(`${sandbox.pagesUrl}/${T}/oauth2/v2.0/authorize`);
      for (const [k, v] of Object.entries({
        client_id: DEMO_SSO.app.clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: 'openid email',
        state: 's',
        nonce: 'n',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }))
        u.searchParams.set(k, v);
      return new URL(await signInAtSandbox(u, PERSONAS.owner)).searchParams.get('code')!;
    };
    const base = { grant_type: 'authorization_code', client_id: DEMO_SSO.app.clientId, client_secret: DEMO_SSO.app.secret, redirect_uri: redirectUri };
    const c1 = await code();
    const wrongVerifier = await tokenRequest({ ...base, code: c1, code_verifier: crypto.randomBytes(32).toString('base64url') });
    expect(((await wrongVerifier.json()) as { error_codes: number[] }).error_codes).toEqual([50148]);
    // A code is burnt by the first attempt, even a failed one.
    const afterFailure = await tokenRequest({ ...base, code: c1, code_verifier: verifier });
    expect(((await afterFailure.json()) as { error_codes: number[] }).error_codes).toEqual([54005]);

    const c2 = await code();
    const good = await tokenRequest({ ...base, code: c2, code_verifier: verifier });
    expect(good.status).toBe(200);
    const body = (await good.json()) as { id_token: string; token_type: string };
    const claims = JSON.parse(Buffer.from(body.id_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({
      aud: DEMO_SSO.app.clientId,
      iss: `${sandbox.url}/${T}/v2.0`,
      nonce: 'n',
      preferred_username: PERSONAS.owner,
      email: PERSONAS.owner,
      tid: T,
      ver: '2.0',
    });
    expect(JSON.parse(Buffer.from(body.id_token.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'RS256' });
    const replay = await tokenRequest({ ...base, code: c2, code_verifier: verifier });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error_codes: number[] }).error_codes).toEqual([54005]);

    const c3 = await code();
    const otherRedirect = await tokenRequest({ ...base, code: c3, code_verifier: verifier, redirect_uri: 'http://localhost:9/api/auth/microsoft/callback' });
    expect(((await otherRedirect.json()) as { error_codes: number[] }).error_codes).toEqual([70000]);
    const c4 = await code();
    const wrongSecret = await tokenRequest({ ...base, code: c4, code_verifier: verifier, client_secret: 'nope' });
    expect(((await wrongSecret.json()) as { error_codes: number[] }).error_codes).toEqual([7000215]);
  });

  it('the sign-in page refuses a wrong password, and never redirects to a URI the app does not have', async () => {
    const u = new URL(`${sandbox.pagesUrl}/${T}/oauth2/v2.0/authorize`);
    for (const [k, v] of Object.entries({
      client_id: DEMO_SSO.app.clientId,
      response_type: 'code',
      redirect_uri: 'https://evil.example/cb',
      scope: 'openid',
      state: 's',
    }))
      u.searchParams.set(k, v);
    const refused = await fetch(u, { redirect: 'manual' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('AADSTS50011');
    u.searchParams.set('redirect_uri', 'http://localhost:4321/api/auth/microsoft/callback');
    const form = new URLSearchParams(u.searchParams);
    form.set('login', PERSONAS.owner);
    form.set('passwd', 'wrong');
    form.set('decision', 'signin');
    const wrong = await fetch(u.origin + u.pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      redirect: 'manual',
    });
    expect(wrong.status).toBe(200);
    expect(await wrong.text()).toContain('AADSTS50126: Your account or password is incorrect.');
  });

  it("the control API manages the directory's people; passwords are shown only once", async () => {
    const api = (method: string, p: string, body?: unknown) =>
      undiciFetch(`${sandbox.url}/_sandbox${p}`, {
        method,
        dispatcher: agent,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
    const created = await api('POST', `/tenants/${T}/users`, { userPrincipalName: 'pia@contoso.example', displayName: 'Pia' });
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: string; password: string };
    expect(user.password).toBeTruthy();
    const listed = (await (await api('GET', `/tenants/${T}/users`)).json()) as Record<string, unknown>[];
    expect(listed.find((u) => u.id === user.id)).toMatchObject({ userPrincipalName: 'pia@contoso.example', accountEnabled: true });
    expect(JSON.stringify(listed)).not.toContain(user.password);
    expect((await api('POST', `/tenants/${T}/users`, { userPrincipalName: 'pia@contoso.example' })).status).toBe(409);
    expect((await api('PATCH', `/tenants/${T}/users/${user.id}`, { accountEnabled: false })).status).toBe(200);
    expect((await api('DELETE', `/tenants/${T}/users/${user.id}`)).status).toBe(204);
  });
});

// ---- tokens no real authority would send --------------------------------------------------------

describe('id token verification (a test authority signing with a test key)', () => {
  const TENANT = '11111111-2222-4333-8444-555555555555';
  const CLIENT = '99999999-8888-4777-8666-555555555555';
  let authority: https.Server;
  let authorityUrl = '';
  /** The paths opsgate asked the test authority for, in order. */
  const requested: string[] = [];
  let key: Awaited<ReturnType<typeof generateKeyPair>>;
  let stranger: Awaited<ReturnType<typeof generateKeyPair>>;
  let nextToken: (nonce: string) => Promise<string> = async () => '';
  let nonceOf = '';
  let server: TestServer;

  const sign = (claims: JWTPayload, k = key.privateKey, kid = 'test-key') => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(k);
  const now = () => Math.floor(Date.now() / 1000);
  const good = (nonce: string): JWTPayload => ({
    iss: `${authorityUrl}/${TENANT}/v2.0`,
    aud: CLIENT,
    sub: 'pairwise-subject',
    iat: now(),
    nbf: now(),
    exp: now() + 600,
    nonce,
    tid: TENANT,
    oid: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
    preferred_username: PERSONAS.manager,
    name: 'Mateo Manager',
  });

  beforeAll(async () => {
    key = await generateKeyPair('RS256');
    stranger = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(key.publicKey)), kid: 'test-key', use: 'sig' };
    // HTTPS with the sandbox's certificate (for 127.0.0.1), trusted through the same caPem.
    const tls = await ensureSandboxTls(dir);
    authority = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      const url = new URL(req.url ?? '/', authorityUrl);
      requested.push(url.pathname);
      const json = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === `/${TENANT}/v2.0/.well-known/openid-configuration`) {
        return json({
          issuer: `${authorityUrl}/${TENANT}/v2.0`,
          authorization_endpoint: `${authorityUrl}/${TENANT}/oauth2/v2.0/authorize`,
          token_endpoint: `${authorityUrl}/${TENANT}/oauth2/v2.0/token`,
          jwks_uri: `${authorityUrl}/${TENANT}/discovery/v2.0/keys`,
        });
      }
      if (url.pathname === `/${TENANT}/discovery/v2.0/keys`) return json({ keys: [jwk] });
      if (url.pathname === `/${TENANT}/oauth2/v2.0/token`) {
        void nextToken(nonceOf).then((t) => json({ token_type: 'Bearer', id_token: t, access_token: 'x', expires_in: 3600 }));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => authority.listen(0, '127.0.0.1', r));
    authorityUrl = `https://127.0.0.1:${(authority.address() as AddressInfo).port}`;
    server = await startTestServer({
      sso: { tenantId: TENANT, clientId: CLIENT, clientSecret: 'test-secret', authorityHost: authorityUrl, signInPageHost: authorityUrl, caPem: tls.caPem },
    });
  });
  afterAll(async () => {
    await closeAll(server);
    await new Promise<void>((r) => authority.close(() => r()));
  });

  async function completeWith(make: (nonce: string) => Promise<string>): Promise<Response> {
    const st = await start(server.base);
    nonceOf = st.authorizeUrl.searchParams.get('nonce')!;
    nextToken = make;
    return callback(`${server.base}/api/auth/microsoft/callback?code=test-code&state=${st.authorizeUrl.searchParams.get('state')}`, st.binding);
  }

  it('a well-formed token signs the person in (the control case)', async () => {
    const res = await completeWith((nonce) => sign(good(nonce)));
    expect(res.status).toBe(302);
    expect(cookieFrom(res, 'opsgate_session')).toBeDefined();
  });

  const cases: [string, (nonce: string) => Promise<string>, string][] = [
    ['wrong audience', (n) => sign({ ...good(n), aud: '00000000-0000-4000-8000-000000000000' }), 'issued for another application (audience)'],
    ['expired', (n) => sign({ ...good(n), iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 }), 'The answer has expired.'],
    ['not valid yet', (n) => sign({ ...good(n), nbf: now() + 3600 }), 'not valid yet'],
    ['another issuer', (n) => sign({ ...good(n), iss: `https://login.microsoftonline.com/${TENANT}/v2.0` }), 'another directory (issuer)'],
    ['another tenant in tid', (n) => sign({ ...good(n), tid: '22222222-2222-4222-8222-222222222222' }), 'another directory (issuer)'],
    ['signed by a key the authority does not publish', (n) => sign(good(n), stranger.privateKey), 'not signed by Microsoft’s keys'],
    [
      'unsigned (alg none)',
      async (n) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(good(n))).toString('base64url')}.`,
      'could not be verified',
    ],
    ['no nonce', (n) => sign({ ...good(n), nonce: undefined }), '(nonce)'],
    ['another nonce', () => sign(good('someone-elses-nonce')), '(nonce)'],
  ];
  for (const [name, make, text] of cases) {
    it(`refuses a token: ${name}`, async () => {
      const res = await completeWith(make);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain(text);
      expect(noSession(res)).toBe(true);
    });
  }

  it('the endpoints are known, not discovered: no discovery document is read, the keys only once', async () => {
    await completeWith((nonce) => sign(good(nonce)));
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((p) => p.includes('.well-known'))).toEqual([]);
    expect(requested.filter((p) => p.endsWith('/keys'))).toHaveLength(1);
  });

  it('a clock skew of under a minute is tolerated', async () => {
    const res = await completeWith((n) => sign({ ...good(n), nbf: now() + 30, iat: now() + 30 }));
    expect(res.status).toBe(302);
  });
});
