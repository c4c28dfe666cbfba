// Sessions and stored passwords, hardened: an idle timeout beside the absolute one (last use
// written at most once a minute; the console's background refreshes do not count), every
// sign-in rotates the session, "sign out everywhere", and password hashes below today's scrypt
// cost replaced on the next successful sign-in.
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAST_SEEN_GRANULARITY_SECONDS, SESSION_IDLE_SECONDS, SESSION_TTL_SECONDS } from '../../src/http/auth.ts';
import { PASSWORD_COST, setPasswordCostForTests, verifyPassword } from '../../src/security/passwords.ts';
import { DEMO_PASSWORD } from '../../src/seed/demo-fixture.ts';
import { userByEmail } from '../helpers/seed.ts';
import { call, login, PERSONAS, startTestServer, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

// The production cost, not the suite's cheaper one (test/helpers/fast-passwords.ts).
setPasswordCostForTests(PASSWORD_COST);

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => closeAll(s));

const tokenOf = (cookie: string) => cookie.split('=')[1]!;
const idOf = (cookie: string) => crypto.createHash('sha256').update(tokenOf(cookie)).digest('hex');
const cookieOf = (res: { headers: Headers }) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith('opsgate_session='))!
    .split(';')[0]!;
const who = async (cookie: string | null) => call(s.base, 'GET', '/api/session', { cookie });
const sessionRow = (cookie: string) => s.tdb.db.selectFrom('http_sessions').selectAll().where('id', '=', idOf(cookie)).executeTakeFirst();
/** Moves the session's last use this many seconds into the past. */
const idleFor = (cookie: string, seconds: number) =>
  sql`update http_sessions set last_seen_at = now() - make_interval(secs => ${seconds}) where id = ${idOf(cookie)}`.execute(s.tdb.db);
const lastSeenAgo = async (cookie: string) => {
  const { rows } = await sql<{
    ago: number;
  }>`select extract(epoch from now() - last_seen_at)::float8 as ago from http_sessions where id = ${idOf(cookie)}`.execute(s.tdb.db);
  return rows[0]!.ago;
};

describe('session lifetimes', () => {
  it('12 hours at most after sign-in, 2 hours without use', async () => {
    expect(SESSION_TTL_SECONDS).toBe(12 * 3600);
    expect(SESSION_IDLE_SECONDS).toBe(2 * 3600);
    const cookie = await login(s.base, PERSONAS.readonly);
    const row = (await sessionRow(cookie))!;
    expect(Math.abs(row.expires_at.getTime() - row.created_at.getTime() - SESSION_TTL_SECONDS * 1000)).toBeLessThan(5000);
  });

  it('a session unused for longer than the idle time is no session', async () => {
    const cookie = await login(s.base, PERSONAS.readonly);
    await idleFor(cookie, SESSION_IDLE_SECONDS + 60);
    expect((await who(cookie)).status).toBe(401);
    expect((await call(s.base, 'GET', '/api/tenants', { cookie })).status).toBe(401);
  });

  it('use keeps it alive: a request just inside the idle time counts as use and moves last use to now', async () => {
    const cookie = await login(s.base, PERSONAS.readonly);
    await idleFor(cookie, SESSION_IDLE_SECONDS - 60);
    expect((await call(s.base, 'GET', '/api/tenants', { cookie })).status).toBe(200);
    expect(await lastSeenAgo(cookie)).toBeLessThan(5);
    // Another idle time later it would still be alive: the clock was reset.
    await idleFor(cookie, SESSION_IDLE_SECONDS - 60);
    expect((await who(cookie)).status).toBe(200);
  });

  it('last use is written at most once a minute: requests within a minute write nothing', async () => {
    const cookie = await login(s.base, PERSONAS.readonly);
    await idleFor(cookie, LAST_SEEN_GRANULARITY_SECONDS - 20);
    const before = (await sessionRow(cookie))!.last_seen_at.getTime();
    await Promise.all(Array.from({ length: 10 }, () => call(s.base, 'GET', '/api/tenants', { cookie })));
    expect((await sessionRow(cookie))!.last_seen_at.getTime()).toBe(before);
    // Past the minute, the next request writes it once.
    await idleFor(cookie, LAST_SEEN_GRANULARITY_SECONDS + 5);
    await call(s.base, 'GET', '/api/tenants', { cookie });
    expect(await lastSeenAgo(cookie)).toBeLessThan(5);
  });

  it("the console's background refreshes are answered but do not count as use", async () => {
    const cookie = await login(s.base, PERSONAS.readonly);
    await idleFor(cookie, 3600);
    const r = await call(s.base, 'GET', '/api/tenants', { cookie, headers: { 'x-opsgate-background': '1' } });
    expect(r.status).toBe(200);
    expect(await lastSeenAgo(cookie)).toBeGreaterThan(3590);
    // So a console left open on a polling page still ends after the idle time.
    await idleFor(cookie, SESSION_IDLE_SECONDS + 1);
    expect((await call(s.base, 'GET', '/api/tenants', { cookie, headers: { 'x-opsgate-background': '1' } })).status).toBe(401);
  });

  it('the absolute end holds however busy the session is', async () => {
    const cookie = await login(s.base, PERSONAS.readonly);
    await s.tdb.db
      .updateTable('http_sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', idOf(cookie))
      .execute();
    expect((await who(cookie)).status).toBe(401);
  });
});

describe('signing in rotates the session', () => {
  it('a password sign-in ends the session the browser held before (same person or another)', async () => {
    const before = await login(s.base, PERSONAS.operator);
    const again = await call(s.base, 'POST', '/api/session', { cookie: before, body: { email: PERSONAS.operator, password: DEMO_PASSWORD } });
    expect(again.status).toBe(200);
    const after = cookieOf(again);
    expect(after).not.toBe(before);
    expect(await sessionRow(before)).toBeUndefined();
    expect((await who(before)).status).toBe(401);
    expect((await who(after)).status).toBe(200);

    const other = await call(s.base, 'POST', '/api/session', { cookie: after, body: { email: PERSONAS.readonly, password: DEMO_PASSWORD } });
    expect(other.status).toBe(200);
    expect((await who(after)).status).toBe(401);
    expect((await who(cookieOf(other))).body.user.email).toBe(PERSONAS.readonly);
  });

  it('a failed sign-in leaves the current session alone', async () => {
    const cookie = await login(s.base, PERSONAS.operator);
    const r = await call(s.base, 'POST', '/api/session', { cookie, body: { email: PERSONAS.operator, password: 'not the password' } });
    expect(r.status).toBe(401);
    expect((await who(cookie)).status).toBe(200);
  });

  it('accepting an invitation ends the session the browser held before', async () => {
    const owner = await login(s.base, PERSONAS.owner);
    const inv = await call(s.base, 'POST', '/api/workspaces/contoso-msp/invitations', {
      cookie: owner,
      body: { email: 'rotate@example.test', role: 'readonly', tenants: ['northwind'] },
    });
    expect(inv.status).toBe(201);
    const token = /\/invite\/([A-Za-z0-9_-]{43})$/.exec(inv.body.url)![1]!;
    const previous = await login(s.base, PERSONAS.readonly);
    const r = await call(s.base, 'POST', '/api/invitations/accept', {
      cookie: previous,
      body: { token, displayName: 'Rota', password: 'a long enough password' },
    });
    expect(r.status).toBe(201);
    expect(await sessionRow(previous)).toBeUndefined();
    expect((await who(cookieOf(r))).body.user.email).toBe('rotate@example.test');
  });
});

describe('sign out everywhere', () => {
  it('ends every session of the user, in every browser, this one too; nobody else is signed out', async () => {
    const here = await login(s.base, PERSONAS.manager);
    const laptop = await login(s.base, PERSONAS.manager);
    const colleague = await login(s.base, PERSONAS.operator);
    const r = await call(s.base, 'POST', '/api/session/sign-out-everywhere', { cookie: here, body: {} });
    expect(r.status).toBe(204);
    expect(r.headers.getSetCookie().join()).toMatch(/opsgate_session=;/);
    expect((await who(here)).status).toBe(401);
    expect((await who(laptop)).status).toBe(401);
    expect((await who(colleague)).status).toBe(200);
    const managerId = (await userByEmail(s.tdb.db, PERSONAS.manager)).id;
    expect(await s.tdb.db.selectFrom('http_sessions').select('id').where('user_id', '=', managerId).execute()).toEqual([]);
    const audit = await s.tdb.db.selectFrom('audit_log').selectAll().where('action', '=', 'session.sign_out_everywhere').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_user_id: managerId, outcome: 'succeeded', details: { sessions: 2 } });
    // Signing in again works as before.
    expect((await who(await login(s.base, PERSONAS.manager))).status).toBe(200);
  });

  it('needs a session (401 without one)', async () => {
    expect((await call(s.base, 'POST', '/api/session/sign-out-everywhere', { body: {} })).status).toBe(401);
  });
});

describe('password hashes', () => {
  /** A hash of `password` as opsgate made them before: scrypt N=2^14. */
  const oldHash = (password: string) => {
    const salt = crypto.randomBytes(16);
    const key = crypto.scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 });
    return ['scrypt', 16384, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
  };
  const current = `scrypt$${PASSWORD_COST.N}$${PASSWORD_COST.r}$${PASSWORD_COST.p}$`;
  const hashOf = async (email: string) => (await userByEmail(s.tdb.db, email)).password_hash;

  it("the demo accounts are hashed at today's cost (N=2^17, r=8, p=1)", async () => {
    expect(await hashOf(PERSONAS.owner)).toMatch(new RegExp(`^${current.replaceAll('$', '\\$')}`));
    expect(PASSWORD_COST).toEqual({ N: 131072, r: 8, p: 1 });
  });

  it("a hash made at the old cost still signs in, and the sign-in replaces it with one at today's cost", async () => {
    const stale = oldHash(DEMO_PASSWORD);
    await s.tdb.db.updateTable('users').set({ password_hash: stale }).where('email', '=', PERSONAS.readonly).execute();
    // A wrong password changes nothing.
    expect((await call(s.base, 'POST', '/api/session', { body: { email: PERSONAS.readonly, password: 'wrong password' } })).status).toBe(401);
    expect(await hashOf(PERSONAS.readonly)).toBe(stale);

    await login(s.base, PERSONAS.readonly);
    const upgraded = await hashOf(PERSONAS.readonly);
    expect(upgraded.startsWith(current)).toBe(true);
    expect(await verifyPassword(DEMO_PASSWORD, upgraded)).toBe(true);
    // And it keeps working; a hash at today's cost is left as it is.
    await login(s.base, PERSONAS.readonly);
    expect(await hashOf(PERSONAS.readonly)).toBe(upgraded);
  });

  it("accepting an invitation with an existing account's password upgrades its hash too", async () => {
    const fabrikamOwner = await login(s.base, PERSONAS.outsider);
    const inv = await call(s.base, 'POST', '/api/workspaces/fabrikam-msp/invitations', {
      cookie: fabrikamOwner,
      body: { email: PERSONAS.operator, role: 'readonly', tenants: 'all' },
    });
    expect(inv.status, inv.text).toBe(201);
    await s.tdb.db
      .updateTable('users')
      .set({ password_hash: oldHash(DEMO_PASSWORD) })
      .where('email', '=', PERSONAS.operator)
      .execute();
    const token = /\/invite\/([A-Za-z0-9_-]{43})$/.exec(inv.body.url)![1]!;
    const r = await call(s.base, 'POST', '/api/invitations/accept', { body: { token, password: DEMO_PASSWORD } });
    expect(r.status, r.text).toBe(201);
    expect((await hashOf(PERSONAS.operator)).startsWith(current)).toBe(true);
  });
});
