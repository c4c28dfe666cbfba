// The edge itself: sessions and their cookie, the login rate limit, the JSON-only posture,
// the one error shape, health, the OpenAPI document and the web console fallback.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.ts';
import { buildServer } from '../../src/http/server.ts';
import { ROUTES } from '../../src/http/routes/index.ts';
import { OPERATION_TYPES } from '../../src/operations/definition.ts';
import { testBox } from '../helpers/seed.ts';
import { call, login, PERSONAS, startTestServer, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ loginLimit: { max: 3, windowMs: 60_000 } });
});
afterAll(() => closeAll(s));

const NOT_FOUND = { error: { code: 'not_found', message: 'Not found.' } };

describe('sessions', () => {
  it('sign-in sets an HttpOnly, SameSite=Lax, Path=/ cookie and stores only a hash of it', async () => {
    const res = await fetch(`${s.base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'Owner@Contoso.example', password: 'opsgate-demo' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { user: unknown; tenants: { slug: string }[] };
    expect(body.user).toMatchObject({ email: 'owner@contoso.example', displayName: 'Olivia Owner' });
    expect(body.tenants).toHaveLength(7);
    expect(body.tenants.find((t) => t.slug === 'northwind')).toMatchObject({ role: 'owner', status: 'active' });
    const set = res.headers.getSetCookie().find((c) => c.startsWith('opsgate_session='))!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Lax/i);
    expect(set).toMatch(/Path=\//);
    expect(set).not.toMatch(/Secure/i);
    const token = set.split(';')[0]!.split('=')[1]!;
    const rows = await s.tdb.db.selectFrom('http_sessions').select('id').execute();
    expect(rows.map((r) => r.id)).toContain(crypto.createHash('sha256').update(token).digest('hex'));
    expect(rows.map((r) => r.id)).not.toContain(token);
  });

  it('the cookie is Secure when the server is told so', async () => {
    const app = await buildServer({ db: s.tdb.db, box: testBox, cookieSecure: true });
    const res = await app.inject({ method: 'POST', url: '/api/session', payload: { email: PERSONAS.readonly, password: 'opsgate-demo' } });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['set-cookie'])).toMatch(/Secure/);
    await app.close();
  });

  it('wrong password and unknown email read the same: 401', async () => {
    const a = await call(s.base, 'POST', '/api/session', { body: { email: PERSONAS.operator, password: 'nope' } });
    const b = await call(s.base, 'POST', '/api/session', { body: { email: 'nobody@example.com', password: 'nope' } });
    expect([a.status, b.status]).toEqual([401, 401]);
    expect(a.text).toBe(b.text);
    expect(a.body.error.code).toBe('unauthenticated');
  });

  it('failed sign-ins are rate limited per client and email; then even the right password waits', async () => {
    const email = PERSONAS.manager;
    for (let i = 0; i < 3; i++) {
      expect((await call(s.base, 'POST', '/api/session', { body: { email, password: `wrong-${i}` } })).status).toBe(401);
    }
    const limited = await call(s.base, 'POST', '/api/session', { body: { email, password: 'opsgate-demo' } });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another email from the same client is not affected.
    expect((await call(s.base, 'POST', '/api/session', { body: { email: PERSONAS.owner, password: 'opsgate-demo' } })).status).toBe(200);
  });

  it('GET /api/session needs a session; sign-out ends it and clears the cookie', async () => {
    expect((await call(s.base, 'GET', '/api/session')).status).toBe(401);
    const cookie = await login(s.base, PERSONAS.readonly);
    expect((await call(s.base, 'GET', '/api/session', { cookie })).status).toBe(200);
    const out = await call(s.base, 'DELETE', '/api/session', { cookie });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().join()).toMatch(/opsgate_session=;/);
    const after = await call(s.base, 'GET', '/api/session', { cookie });
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ error: { code: 'unauthenticated', message: 'Sign in first.' } });
  });

  it('an expired session is no session', async () => {
    const cookie = await login(s.base, PERSONAS.readonly);
    await s.tdb.db
      .updateTable('http_sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .execute();
    expect((await call(s.base, 'GET', '/api/tenants', { cookie })).status).toBe(401);
  });
});

describe('the JSON-only posture and the error shape', () => {
  it('state-changing requests without application/json are refused with 415 before anything else', async () => {
    for (const contentType of [null, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await call(s.base, 'POST', '/api/session', { raw: 'email=a&password=b', contentType });
      expect(r.status, String(contentType)).toBe(415);
      expect(r.body.error.code).toBe('unsupported_media_type');
    }
    expect((await call(s.base, 'DELETE', '/api/session', { contentType: null })).status).toBe(415);
    // The charset parameter is fine.
    const ok = await call(s.base, 'POST', '/api/session', {
      raw: JSON.stringify({ email: PERSONAS.owner, password: 'opsgate-demo' }),
      contentType: 'application/json; charset=utf-8',
    });
    expect(ok.status).toBe(200);
  });

  it('malformed JSON, wrong shapes and missing fields -> 400 naming the field', async () => {
    expect((await call(s.base, 'POST', '/api/session', { raw: '{"email":' })).body).toEqual({
      error: { code: 'invalid_request', message: 'body: is not valid JSON' },
    });
    expect((await call(s.base, 'POST', '/api/session', { raw: '' })).body.error.message).toBe('body: is required');
    expect((await call(s.base, 'POST', '/api/session', { body: { email: 1, password: 'x' } })).body.error.message).toBe(
      'email: Invalid input: expected string, received number',
    );
    expect((await call(s.base, 'POST', '/api/session', { body: { email: 'a@b.c' } })).body.error.message).toBe('password: is required');
  });

  it('a body over 64 KB -> 413', async () => {
    const r = await call(s.base, 'POST', '/api/session', { body: { email: 'x'.repeat(70_000), password: 'y' } });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('payload_too_large');
  });

  it('unknown routes -> 404 in the same shape, whatever the method or body', async () => {
    for (const [method, p] of [
      ['GET', '/nope'],
      ['GET', '/api/nope'],
      ['POST', '/api/nope'],
      ['PUT', '/api/tenants'],
      ['GET', '/api/tenants/northwind/nope'],
    ]) {
      const r = await call(s.base, method!, p!, { raw: method === 'GET' ? undefined : 'not json' });
      expect(r.status, `${method} ${p}`).toBe(404);
      expect(r.body).toEqual(NOT_FOUND);
    }
  });

  it('a bad id in a path -> 400 naming the parameter, never a database error', async () => {
    const cookie = await login(s.base, PERSONAS.owner);
    expect((await call(s.base, 'GET', '/api/operations/not-a-uuid', { cookie })).body).toEqual({
      error: { code: 'invalid_request', message: 'runId: must be a UUID' },
    });
    expect((await call(s.base, 'GET', '/api/provider-connections/123', { cookie })).body.error.message).toBe('id: must be a UUID');
    expect((await call(s.base, 'GET', '/api/tenants/Not_A_Slug!', { cookie })).body.error.message).toBe('tenant: must be a tenant id or slug');
    expect((await call(s.base, 'GET', '/api/tenants/%E0%A4%A', { cookie })).status).toBe(400);
    expect((await call(s.base, 'GET', '/api/operations?outcome=exploded', { cookie })).body.error.message).toMatch(/^outcome: /);
    expect((await call(s.base, 'GET', '/api/operations?limit=0', { cookie })).body.error.message).toBe('limit: must be at least 1');
  });

  it('a NUL byte that reaches the database is still a 400', async () => {
    const r = await call(s.base, 'POST', '/api/session', { body: { email: 'a\u0000b@example.com', password: 'x' } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
  });
});

describe('health', () => {
  it('200 when the database answers', async () => {
    expect((await call(s.base, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
  });

  it('503 when it does not', async () => {
    const dead = connectDatabase('postgres://nobody:nothing@127.0.0.1:1/none', { max: 1 });
    const app = await buildServer({ db: dead.db, box: testBox });
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: { code: 'unavailable', message: 'The database does not answer.' } });
    // Any other request that needs the database is a genuine server fault: 500, same shape.
    const other = await app.inject({ method: 'GET', url: '/api/tenants', cookies: { opsgate_session: 'A'.repeat(43) } });
    expect(other.statusCode).toBe(500);
    expect(other.json().error.code).toBe('internal_error');
    expect(other.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    await app.close();
    await dead.close();
  });
});

describe('/openapi.json', () => {
  it('describes every route of the table, from the same schemas', async () => {
    const doc = (await call(s.base, 'GET', '/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const route of ROUTES) {
      const p = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
      expect(doc.paths[p]?.[route.method.toLowerCase()], `${route.method} ${p}`).toBeDefined();
    }
    const startOp = doc.paths['/api/tenants/{tenant}/operations'].post;
    expect(startOp.requestBody.content['application/json'].schema.properties.type.enum).toEqual([...OPERATION_TYPES]);
    expect(Object.keys(startOp.responses)).toEqual(expect.arrayContaining(['200', '202', '409', '400', '401', '403', '404', '415']));
    const patch = doc.paths['/api/provider-connections/{id}'].patch;
    expect(Object.keys(patch.requestBody.content['application/json'].schema.properties)).toEqual([
      'isDefault',
      'enabled',
      'clientSecret',
      'secretExpiresAt',
      'credential',
    ]);
    expect(doc.paths['/api/operations'].get.parameters.map((x: { name: string }) => x.name)).toEqual(
      expect.arrayContaining(['tenant', 'type', 'outcome', 'status', 'limit']),
    );
  });
});

describe('the web console', () => {
  it('serves the built files and falls back to index.html for console routes, never for the API', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-web-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>opsgate</title>');
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
    const app = await buildServer({ db: s.tdb.db, box: testBox, webRoot: dir });
    try {
      for (const url of ['/', '/login', '/admin/t/northwind', '/admin/operations/123']) {
        const r = await app.inject({ method: 'GET', url });
        expect(r.statusCode, url).toBe(200);
        expect(r.body, url).toContain('<title>opsgate</title>');
      }
      expect((await app.inject({ method: 'GET', url: '/assets/app.js' })).body).toBe('console.log(1)');
      const api = await app.inject({ method: 'GET', url: '/api/nope' });
      expect(api.statusCode).toBe(404);
      expect(api.json()).toEqual(NOT_FOUND);
      expect((await app.inject({ method: 'GET', url: '/api/tenants' })).statusCode).toBe(401);
      expect((await app.inject({ method: 'POST', url: '/admin/x', payload: {} })).statusCode).toBe(404);
    } finally {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without built files the server is API only', async () => {
    const app = await buildServer({ db: s.tdb.db, box: testBox, webRoot: path.join(os.tmpdir(), 'does-not-exist-opsgate') });
    expect((await app.inject({ method: 'GET', url: '/admin/t/northwind' })).statusCode).toBe(404);
    await app.close();
  });
});
