// What the security review found, each with the test that failed before the fix:
// (a) the sign-in limit is counted atomically, per account and per client address (per
//     forwarded address behind a trusted proxy), in PostgreSQL so it holds across processes;
// (b) OPSGATE_PUBLIC_URL is the origin of links and redirect URIs, and https makes the
//     session cookie Secure;
// (c) security headers on every answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../src/config.ts';
import { addressKey } from '../../src/http/sign-in-limit.ts';
import { buildServer } from '../../src/http/server.ts';
import { DEMO_PASSWORD } from '../../src/seed/demo-fixture.ts';
import { connectionOf, testBox } from '../helpers/seed.ts';
import { call, login, PERSONAS, startTestServer, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

const signIn = (base: string, email: string, password: string, headers: Record<string, string> = {}) =>
  call(base, 'POST', '/api/session', { body: { email, password }, headers });
const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {});

describe('(a) the sign-in limit', () => {
  let s: TestServer;
  // Behind a trusted proxy, so each test is its own client address (the address limit is 50).
  beforeAll(async () => {
    s = await startTestServer({ trustProxy: 1 });
  });
  const client = (n: number) => ({ 'x-forwarded-for': `198.51.100.${n}` });
  afterAll(() => closeAll(s));

  it('150 parallel guesses on one account: 10 are evaluated, 140 answer 429 without a look at the password; then even the right one waits', async () => {
    const answers = await Promise.all(Array.from({ length: 150 }, (_, i) => signIn(s.base, PERSONAS.manager, `guess-${i}`, client(1))));
    expect(tally(answers.map((a) => a.status))).toEqual({ 401: 10, 429: 140 });
    const right = await signIn(s.base, PERSONAS.manager, DEMO_PASSWORD, client(1));
    expect(right.status).toBe(429);
    expect(right.body.error.code).toBe('rate_limited');
    const wait = Number(right.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
  });

  it('the right password among parallel guesses gets in only if it is among the allowed few, and never more than 10 wrong ones are checked', async () => {
    const guesses = Array.from({ length: 149 }, (_, i) => signIn(s.base, PERSONAS.readonly, `guess-${i}`, client(2)));
    const answers = await Promise.all([...guesses, signIn(s.base, PERSONAS.readonly, DEMO_PASSWORD, client(2))]);
    const t = tally(answers.map((a) => a.status));
    expect(t[401]).toBeLessThanOrEqual(10);
    expect((t[401] ?? 0) + (t[200] ?? 0) + (t[429] ?? 0)).toBe(150);
    expect(t[429]).toBeGreaterThanOrEqual(139);
  });

  it('holds across processes: two servers (each with its own limiter) on one database evaluate 10 guesses in all', async () => {
    const other = await buildServer({ db: s.tdb.db, box: testBox, trustProxy: 1 });
    await other.listen({ port: 0, host: '127.0.0.1' });
    try {
      const otherBase = `http://127.0.0.1:${(other.server.address() as AddressInfo).port}`;
      const answers = await Promise.all(Array.from({ length: 120 }, (_, i) => signIn(i % 2 ? s.base : otherBase, PERSONAS.operator, `guess-${i}`, client(3))));
      expect(tally(answers.map((a) => a.status))).toEqual({ 401: 10, 429: 110 });
    } finally {
      await other.close();
    }
  });

  it('stores only hashes of what was typed', async () => {
    const rows = await s.tdb.db.selectFrom('sign_in_attempts').select('key_hash').execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.key_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a right password gives its attempt back: typing it right never brings anyone closer to the limit', async () => {
    for (let i = 0; i < 15; i++) expect((await signIn(s.base, PERSONAS.owner, DEMO_PASSWORD, client(4))).status).toBe(200);
  });
});

describe('(a) per client address, and per forwarded address behind a trusted proxy', () => {
  const limit = { max: 3, addressMax: 5, windowMs: 60_000 };

  it('one address guessing at many accounts is limited too', async () => {
    const s = await startTestServer({ loginLimit: limit });
    try {
      const statuses = [];
      for (let i = 0; i < 7; i++) statuses.push((await signIn(s.base, `nobody-${i}@example.com`, 'x')).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    } finally {
      await s.close();
    }
  });

  it('without OPSGATE_TRUST_PROXY, X-Forwarded-For is ignored: every guess counts for the connecting address', async () => {
    const s = await startTestServer({ loginLimit: limit });
    try {
      const statuses = [];
      for (let i = 0; i < 7; i++) statuses.push((await signIn(s.base, `nobody-${i}@example.com`, 'x', { 'x-forwarded-for': `203.0.113.${i}` })).status);
      expect(statuses.slice(5)).toEqual([429, 429]);
    } finally {
      await s.close();
    }
  });

  it('with a trusted proxy, each forwarded client has its own limit (and a client cannot choose its address by prepending to the header)', async () => {
    const s = await startTestServer({ loginLimit: limit, trustProxy: 1 });
    try {
      const from = (client: string, i: number, spoof?: string) =>
        signIn(s.base, `nobody-${i}@example.com`, 'x', { 'x-forwarded-for': spoof ? `${spoof}, ${client}` : client });
      const a = [];
      for (let i = 0; i < 6; i++) a.push((await from('203.0.113.7', i)).status);
      expect(a).toEqual([401, 401, 401, 401, 401, 429]);
      // Another client behind the same proxy is not affected.
      expect((await from('203.0.113.8', 10)).status).toBe(401);
      // The proxy appends the real client; what the client wrote before it is not believed.
      expect((await from('203.0.113.7', 11, '198.51.100.99')).status).toBe(429);
    } finally {
      await s.close();
    }
  });

  it('IPv6 clients are counted by their /64', () => {
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1');
  });

  it('wrong current passwords and wrong passwords accepting an invitation count against the same account', async () => {
    const s = await startTestServer({ loginLimit: limit });
    try {
      const cookie = await login(s.base, PERSONAS.manager);
      for (let i = 0; i < 3; i++) {
        expect((await call(s.base, 'POST', '/api/session/password', { cookie, body: { current: `nope-${i}`, new: 'a brand new password' } })).status).toBe(400);
      }
      expect((await call(s.base, 'POST', '/api/session/password', { cookie, body: { current: DEMO_PASSWORD, new: 'a brand new password' } })).status).toBe(429);
      expect((await signIn(s.base, PERSONAS.manager, DEMO_PASSWORD)).status).toBe(429);
    } finally {
      await s.close();
    }
  });
});

describe('(b) OPSGATE_PUBLIC_URL', () => {
  let s: TestServer;
  let plain: TestServer;
  beforeAll(async () => {
    const sso = {
      tenantId: '11111111-2222-4333-8444-555555555555',
      clientId: '99999999-8888-4777-8666-555555555555',
      clientSecret: 'x',
      authorityHost: 'http://127.0.0.1:9',
    };
    s = await startTestServer({ publicUrl: 'https://ops.example.com', authorityFor: () => 'https://login.example', sso });
    plain = await startTestServer({ authorityFor: () => 'https://login.example' });
  });
  afterAll(async () => {
    await closeAll(s, plain);
  });

  const HOST = { host: 'evil.example:8443' };

  it('invitation links use it, whatever Host the request came with', async () => {
    const cookie = await login(s.base, PERSONAS.owner);
    const ws = (await call(s.base, 'GET', '/api/workspaces', { cookie })).body.items[0];
    const inv = await call(s.base, 'POST', `/api/workspaces/${ws.id}/invitations`, {
      cookie,
      headers: HOST,
      body: { email: 'pub@contoso.example', role: 'readonly', tenants: 'all' },
    });
    expect(inv.status).toBe(201);
    expect(inv.body.url).toMatch(/^https:\/\/ops\.example\.com\/invite\/[A-Za-z0-9_-]{43}$/);
  });

  it('the admin-consent redirect_uri uses it (before: the Host header)', async () => {
    const conn = await connectionOf(s.tdb.db, 'woodgrove');
    const cookie = await login(s.base, PERSONAS.owner);
    const res = await call(s.base, 'POST', `/api/provider-connections/${conn.id}/admin-consent`, { cookie, headers: HOST });
    expect(res.status).toBe(200);
    expect(new URL(res.body.url).searchParams.get('redirect_uri')).toBe('https://ops.example.com/admin/consent/callback');

    const plainConn = await connectionOf(plain.tdb.db, 'woodgrove');
    const plainCookie = await login(plain.base, PERSONAS.owner);
    const before = await call(plain.base, 'POST', `/api/provider-connections/${plainConn.id}/admin-consent`, { cookie: plainCookie });
    expect(new URL(before.body.url).searchParams.get('redirect_uri')).toBe(`${plain.base}/admin/consent/callback`);
  });

  it('the Microsoft sign-in callback uses it', async () => {
    // The authority's endpoints are known, so start reaches nobody: the authorize URL and the
    // redirect URI stored for the callback both name the public URL.
    const res = await fetch(`${s.base}/api/auth/microsoft/start`, { redirect: 'manual', headers: HOST });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('redirect_uri')).toBe('https://ops.example.com/api/auth/microsoft/callback');
    const stored = await s.tdb.db.selectFrom('sso_requests').select('redirect_uri').execute();
    expect(stored.map((r) => r.redirect_uri)).toEqual(['https://ops.example.com/api/auth/microsoft/callback']);
  });

  it('an https public URL makes the session cookie Secure; without one it is not', async () => {
    const secure = await signIn(s.base, PERSONAS.readonly, DEMO_PASSWORD);
    expect(secure.headers.getSetCookie().find((c) => c.startsWith('opsgate_session='))).toMatch(/;\s*Secure/i);
    const notSecure = await signIn(plain.base, PERSONAS.readonly, DEMO_PASSWORD);
    expect(notSecure.headers.getSetCookie().find((c) => c.startsWith('opsgate_session='))).not.toMatch(/Secure/i);
  });

  it('is validated at start-up: an http(s) origin, nothing more', () => {
    expect(parseConfig({ OPSGATE_PUBLIC_URL: 'https://ops.example.com/' }).publicUrl).toBe('https://ops.example.com');
    expect(parseConfig({ OPSGATE_PUBLIC_URL: 'http://127.0.0.1:3000' }).publicUrl).toBe('http://127.0.0.1:3000');
    expect(parseConfig({}).publicUrl).toBeUndefined();
    for (const bad of ['ops.example.com', 'https://ops.example.com/console', 'ftp://ops.example.com', 'https://ops.example.com/?a=1']) {
      expect(() => parseConfig({ OPSGATE_PUBLIC_URL: bad }), bad).toThrow(/OPSGATE_PUBLIC_URL/);
    }
  });

  it('OPSGATE_TRUST_PROXY and the SSO settings are validated too', () => {
    expect(parseConfig({}).trustProxy).toBe(false);
    expect(parseConfig({ OPSGATE_TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(parseConfig({ OPSGATE_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(parseConfig({ OPSGATE_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(() => parseConfig({ OPSGATE_TRUST_PROXY: 'yes please' })).toThrow(/OPSGATE_TRUST_PROXY/);
    const sso = {
      OPSGATE_SSO_TENANT_ID: 'contoso.onmicrosoft.com',
      OPSGATE_SSO_CLIENT_ID: '99999999-8888-4777-8666-555555555555',
      OPSGATE_SSO_CLIENT_SECRET: 's',
    };
    expect(parseConfig(sso).sso).toEqual({
      tenantId: 'contoso.onmicrosoft.com',
      clientId: '99999999-8888-4777-8666-555555555555',
      clientSecret: 's',
      cloud: 'global',
    });
    expect(() => parseConfig({ ...sso, OPSGATE_SSO_CLIENT_SECRET: '' })).toThrow(/needs all three/);
    expect(() => parseConfig({ ...sso, OPSGATE_SSO_TENANT_ID: 'organizations' })).toThrow(/OPSGATE_SSO_TENANT_ID/);
    expect(parseConfig({}).sso).toBeUndefined();
  });
});

describe('(c) security headers on every answer', () => {
  let dir: string;
  let s: TestServer;
  let https: TestServer;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-web-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
    s = await startTestServer({ webRoot: dir });
    https = await startTestServer({ webRoot: dir, publicUrl: 'https://ops.example.com' });
  });
  afterAll(async () => {
    await closeAll(s, https);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const answers = (base: string) => [
    () => fetch(`${base}/login`),
    () => fetch(`${base}/index.html`),
    () => fetch(`${base}/api/session`),
    () => fetch(`${base}/api/nope`),
    () => fetch(`${base}/healthz`),
    () => fetch(`${base}/api/session`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }),
    () => fetch(`${base}/admin/consent/callback`, { redirect: 'manual' }),
  ];

  it('CSP (self only, no framing), X-Frame-Options, Referrer-Policy, nosniff; no HSTS over plain http', async () => {
    for (const get of answers(s.base)) {
      const res = await get();
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, res.url).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('with an https public URL: HSTS and upgrade-insecure-requests', async () => {
    for (const get of answers(https.base)) {
      const res = await get();
      expect(res.headers.get('strict-transport-security'), res.url).toMatch(/^max-age=31536000/);
      expect(res.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
    }
  });
});
