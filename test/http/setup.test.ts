// First run over HTTP (docs/API.md "Setup, workspaces, members and invitations"): a database without users,
// the token a process prints, one setup that wins even when two race on two "processes".
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.ts';
import { sessionSchema } from '../../src/http/routes/session.ts';
import { buildServer } from '../../src/http/server.ts';
import { issueSetupToken } from '../../src/setup/first-run.ts';
import { testBox } from '../helpers/seed.ts';
import { call, startTestServer, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

const PASSWORD = 'correct horse battery';
const body = (token: string, over: Record<string, unknown> = {}) => ({
  token,
  workspaceName: 'Acme IT Services',
  email: 'Alex@Acme.example',
  displayName: 'Alex Admin',
  password: PASSWORD,
  ...over,
});
const cookieOf = (res: { headers: Headers }) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith('opsgate_session='))
    ?.split(';')[0] ?? null;

describe('a database without users', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ seed: false });
  });
  afterAll(() => closeAll(s));

  it('says setup is needed, without signing in', async () => {
    const r = await call(s.base, 'GET', '/api/setup');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ needed: true });
  });

  it('stores only a hash of the printed token', async () => {
    const token = (await issueSetupToken(s.tdb.db))!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await s.tdb.db.selectFrom('setup_tokens').select('token_hash').execute();
    expect(rows.map((r) => r.token_hash)).not.toContain(token);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).toBe(true);
  });

  it('refuses a wrong token with 403 and creates nothing', async () => {
    const r = await call(s.base, 'POST', '/api/setup', { body: body('not-the-token') });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('forbidden');
    expect(await s.tdb.db.selectFrom('users').select('id').execute()).toEqual([]);
  });

  it('wants a password of at least 12 characters (400 naming password)', async () => {
    const token = (await issueSetupToken(s.tdb.db))!;
    const r = await call(s.base, 'POST', '/api/setup', { body: body(token, { password: 'short-pass' }) });
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ code: 'invalid_request', message: 'password: must be at least 12 characters' });
  });

  it('names missing and unknown fields', async () => {
    const token = (await issueSetupToken(s.tdb.db))!;
    const missing = await call(s.base, 'POST', '/api/setup', { body: { token, email: 'a@b.example', password: PASSWORD } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/workspaceName: is required/);
    const email = await call(s.base, 'POST', '/api/setup', { body: body(token, { email: 'nope' }) });
    expect(email.body.error.message).toBe('email: must be an email address');
    const extra = await call(s.base, 'POST', '/api/setup', { body: body(token, { role: 'owner' }) });
    expect(extra.body.error.message).toBe('body: unknown field "role"');
  });

  it('two setups racing on two processes: exactly one wins, the other is 409 already_set_up', async () => {
    // A second server with its own pool on the same database stands in for a second process.
    const other = connectDatabase(s.tdb.url, { max: 5 });
    const app2 = await buildServer({ db: other.db, box: testBox });
    await app2.listen({ port: 0, host: '127.0.0.1' });
    const base2 = `http://127.0.0.1:${(app2.server.address() as AddressInfo).port}`;
    try {
      const t1 = (await issueSetupToken(s.tdb.db))!;
      const t2 = (await issueSetupToken(other.db))!;
      const attempts = [];
      for (let i = 0; i < 6; i++) {
        attempts.push(
          call(i % 2 ? base2 : s.base, 'POST', '/api/setup', { body: body(i % 2 ? t2 : t1, { email: `racer${i}@acme.example`, workspaceName: `Racer ${i}` }) }),
        );
      }
      const results = await Promise.all(attempts);
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
      for (const r of results.filter((x) => x.status === 409)) expect(r.body.error.code).toBe('already_set_up');
      const { rows } = await sql<{ users: number; workspaces: number; members: number; audits: number; tokens: number }>`
        select (select count(*)::int from users) as users, (select count(*)::int from workspaces) as workspaces,
               (select count(*)::int from workspace_members where role = 'owner') as members,
               (select count(*)::int from audit_log where action = 'setup') as audits,
               (select count(*)::int from setup_tokens) as tokens`.execute(s.tdb.db);
      expect(rows[0]).toEqual({ users: 1, workspaces: 1, members: 1, audits: 1, tokens: 0 });

      const winner = results.find((r) => r.status === 201)!;
      const session = sessionSchema.parse(winner.body);
      expect(session.tenants).toEqual([]);
      expect(session.workspaces).toHaveLength(1);
      expect(session.workspaces[0]).toMatchObject({ role: 'owner', capabilities: expect.arrayContaining(['workspace.manage_members', 'onboarding.manage']) });
      // The answer's cookie is a signed-in session.
      const cookie = cookieOf(winner);
      expect(cookie).toBeTruthy();
      expect(winner.headers.get('set-cookie')).toMatch(/HttpOnly/i);
      const me = await call(s.base, 'GET', '/api/session', { cookie });
      expect(me.status).toBe(200);
      expect(me.body.user.email).toBe(session.user.email);
    } finally {
      await app2.close();
      await other.close();
    }
  });

  it('after setup: not needed any more, and any further setup is 409 whatever the token', async () => {
    expect((await call(s.base, 'GET', '/api/setup')).body).toEqual({ needed: false });
    expect(await issueSetupToken(s.tdb.db)).toBeNull();
    const r = await call(s.base, 'POST', '/api/setup', { body: body('any-token-at-all', { email: 'late@acme.example' }) });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('already_set_up');
  });

  it('the audit row names the workspace and the owner, never the password', async () => {
    const row = await s.tdb.db.selectFrom('audit_log').selectAll().where('action', '=', 'setup').executeTakeFirstOrThrow();
    const owner = await s.tdb.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    expect(row.actor_user_id).toBe(owner.id);
    expect(row.details).toMatchObject({ email: owner.email, via: 'web' });
    expect(JSON.stringify(row)).not.toContain(PASSWORD);
    expect(owner.password_hash).not.toContain(PASSWORD);
  });

  it('the new owner can sign in and onboard the first tenant (the workspace role decides, no tenant needed)', async () => {
    const owner = await s.tdb.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    const login = await call(s.base, 'POST', '/api/session', { body: { email: owner.email, password: PASSWORD } });
    expect(login.status).toBe(200);
    const cookie = cookieOf(login);
    const created = await call(s.base, 'POST', '/api/onboarding', {
      cookie,
      body: { name: 'First Customer', slug: 'first-customer', entraTenantId: crypto.randomUUID() },
    });
    expect(created.status).toBe(201);
    const tenants = await call(s.base, 'GET', '/api/tenants', { cookie });
    expect(tenants.body.items.map((t: { slug: string }) => t.slug)).toEqual(['first-customer']);
  });
});

describe('a database that already has users (the demo)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => closeAll(s));

  it('needs no setup and refuses one with 409 already_set_up', async () => {
    expect((await call(s.base, 'GET', '/api/setup')).body).toEqual({ needed: false });
    const r = await call(s.base, 'POST', '/api/setup', { body: body('whatever') });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('already_set_up');
  });

  it('demo members got their workspace role from their tenant role', async () => {
    const rows = await s.tdb.db
      .selectFrom('workspace_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['u.email', 'm.role'])
      .orderBy('u.email')
      .execute();
    expect(Object.fromEntries(rows.map((r) => [r.email, r.role]))).toEqual({
      'manager@contoso.example': 'manager',
      'operator@contoso.example': 'operator',
      'outsider@fabrikam.example': 'owner',
      'owner@contoso.example': 'owner',
      'readonly@contoso.example': 'readonly',
    });
  });
});
