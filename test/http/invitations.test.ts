// Invitations over HTTP (docs/API.md "Setup, workspaces, members and invitations"): the URL is shown once and
// single use, expires, can be withdrawn; "all" includes tenants added later; an email that
// already has an account accepts with its password; every step is audited.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvitation } from '../../src/members/invitations.ts';
import { tenantBySlug, userByEmail } from '../helpers/seed.ts';
import { call, loginAll, type Persona, type TestServer, startTestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

let s: TestServer;
let cookies: Record<Persona, string | null>;
const PASSWORD = 'a long enough password';

beforeAll(async () => {
  s = await startTestServer();
  cookies = await loginAll(s.base);
});
afterAll(() => closeAll(s));

const invite = (body: unknown, who: Persona = 'owner', ws = 'contoso-msp') =>
  call(s.base, 'POST', `/api/workspaces/${ws}/invitations`, { cookie: cookies[who], body });
const accept = (body: unknown, cookie?: string | null) => call(s.base, 'POST', '/api/invitations/accept', { body, cookie });
const tokenOf = (url: string) => /\/invite\/([A-Za-z0-9_-]{43})$/.exec(url)![1]!;
const cookieOf = (res: { headers: Headers }) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith('opsgate_session='))!
    .split(';')[0]!;
const slugsSeenBy = async (cookie: string) => (await call(s.base, 'GET', '/api/tenants', { cookie })).body.items.map((t: { slug: string }) => t.slug).sort();
const contosoId = async () => (await tenantBySlug(s.tdb.db, 'northwind')).workspace_id;

describe('invite a colleague as operator on two tenants', () => {
  let url: string;
  let colleague: string;

  it('answers 201 with a URL holding a single-use token, valid 7 days; only a hash is stored and the audit never holds it', async () => {
    const r = await invite({ email: 'Colleague@Example.test', role: 'operator', tenants: ['northwind', 'alpine'] });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: expect.any(String),
      email: 'colleague@example.test',
      role: 'operator',
      tenants: ['alpine', 'northwind'],
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/invite\/[A-Za-z0-9_-]{43}$/),
      expiresAt: expect.any(String),
    });
    expect(Math.abs(Date.parse(r.body.expiresAt) - Date.now() - 7 * 86_400_000)).toBeLessThan(60_000);
    url = r.body.url;
    const row = await s.tdb.db.selectFrom('invitations').selectAll().where('id', '=', r.body.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(crypto.createHash('sha256').update(tokenOf(url)).digest('hex'));
    const audit = await s.tdb.db.selectFrom('audit_log').selectAll().where('action', '=', 'member.invited').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ email: 'colleague@example.test', role: 'operator', tenants: ['alpine', 'northwind'] });
    expect(JSON.stringify(audit)).not.toContain(tokenOf(url));
    // The list of open invitations never shows a token or URL again.
    const list = await call(s.base, 'GET', '/api/workspaces/contoso-msp/invitations', { cookie: cookies.owner });
    expect(list.body.items).toEqual([expect.objectContaining({ id: r.body.id, status: 'pending', invitedBy: { email: 'owner@contoso.example' } })]);
    expect(list.text).not.toContain(tokenOf(url));
  });

  it('the invitee sees what they are invited to, without signing in', async () => {
    const r = await call(s.base, 'POST', '/api/invitations/lookup', { body: { token: tokenOf(url) } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      email: 'colleague@example.test',
      role: 'operator',
      workspace: { name: 'Contoso MSP' },
      tenants: ['alpine', 'northwind'],
      accountExists: false,
    });
  });

  it('a new account needs a display name and a password of at least 12 characters', async () => {
    const noName = await accept({ token: tokenOf(url), password: PASSWORD });
    expect(noName.status).toBe(400);
    expect(noName.body.error.message).toBe('displayName: is required for a new account');
    const short = await accept({ token: tokenOf(url), displayName: 'Cora', password: 'too short' });
    expect(short.status).toBe(400);
    expect(short.body.error.message).toBe('password: must be at least 12 characters');
  });

  it('accepting signs in; they see exactly those two tenants, as operator', async () => {
    const r = await accept({ token: tokenOf(url), displayName: 'Cora Colleague', password: PASSWORD });
    expect(r.status).toBe(201);
    colleague = cookieOf(r);
    expect(r.body.user).toMatchObject({ email: 'colleague@example.test', displayName: 'Cora Colleague' });
    expect(await slugsSeenBy(colleague)).toEqual(['alpine', 'northwind']);
    expect(r.body.tenants.every((t: { role: string }) => t.role === 'operator')).toBe(true);
    expect(r.body.workspaces).toEqual([expect.objectContaining({ slug: 'contoso-msp', role: 'operator' })]);
    expect((await call(s.base, 'GET', '/api/tenants/woodgrove', { cookie: colleague })).status).toBe(404);
    const joined = await s.tdb.db.selectFrom('audit_log').selectAll().where('action', '=', 'member.joined').executeTakeFirstOrThrow();
    expect(joined.details).toMatchObject({ email: 'colleague@example.test', newAccount: true });
  });

  it('the URL works once: 410 invitation_used afterwards', async () => {
    const again = await accept({ token: tokenOf(url), displayName: 'Cora', password: PASSWORD });
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe('invitation_used');
    expect((await call(s.base, 'POST', '/api/invitations/lookup', { body: { token: tokenOf(url) } })).body.error.code).toBe('invitation_used');
  });

  it('an unknown token is 404', async () => {
    const r = await accept({ token: crypto.randomBytes(32).toString('base64url'), displayName: 'X', password: PASSWORD });
    expect(r.status).toBe(404);
  });
});

describe('single use under a race', () => {
  it('two accepts of one invitation at once: one account, one 201, one 410', async () => {
    const r = await invite({ email: 'racer@example.test', role: 'readonly', tenants: ['adatum'] });
    const token = tokenOf(r.body.url);
    const results = await Promise.all([1, 2, 3].map((i) => accept({ token, displayName: `Racer ${i}`, password: PASSWORD })));
    expect(results.map((x) => x.status).sort()).toEqual([201, 410, 410]);
    expect(await s.tdb.db.selectFrom('users').select('id').where('email', '=', 'racer@example.test').execute()).toHaveLength(1);
  });
});

describe('expired and withdrawn invitations', () => {
  it('after 7 days: 410 invitation_expired', async () => {
    const owner = await userByEmail(s.tdb.db, 'owner@contoso.example');
    const { token } = await createInvitation(s.tdb.db, {
      workspaceId: await contosoId(),
      actorId: owner.id,
      email: 'late@example.test',
      role: 'readonly',
      tenants: 'all',
      now: new Date(Date.now() - 7 * 86_400_000 - 1000),
    });
    const r = await accept({ token, displayName: 'Late', password: PASSWORD });
    expect(r.status).toBe(410);
    expect(r.body.error.code).toBe('invitation_expired');
  });

  it('a new invitation for the same email replaces the open one; a withdrawn one answers 410 invitation_revoked', async () => {
    const first = await invite({ email: 'twice@example.test', role: 'readonly', tenants: 'all' });
    const second = await invite({ email: 'twice@example.test', role: 'operator', tenants: 'all' });
    expect((await accept({ token: tokenOf(first.body.url), displayName: 'T', password: PASSWORD })).body.error.code).toBe('invitation_revoked');
    const del = await call(s.base, 'DELETE', `/api/workspaces/contoso-msp/invitations/${second.body.id}`, { cookie: cookies.owner, body: {} });
    expect(del.status).toBe(204);
    expect((await accept({ token: tokenOf(second.body.url), displayName: 'T', password: PASSWORD })).body.error.code).toBe('invitation_revoked');
    expect(await s.tdb.db.selectFrom('audit_log').select('id').where('action', '=', 'invitation.revoked').execute()).toHaveLength(1);
  });
});

describe('"all" tenants', () => {
  it('includes tenants added later, and ends when the member is moved to chosen tenants', async () => {
    const r = await invite({ email: 'everything@example.test', role: 'readonly', tenants: 'all' });
    const cookie = cookieOf(await accept({ token: tokenOf(r.body.url), displayName: 'Eve', password: PASSWORD }));
    expect(await slugsSeenBy(cookie)).toEqual(await slugsSeenBy(cookies.owner!));
    const created = await call(s.base, 'POST', '/api/onboarding', {
      cookie: cookies.owner,
      body: { name: 'Later Co', slug: 'later-co', entraTenantId: crypto.randomUUID() },
    });
    expect(created.status).toBe(201);
    expect(await slugsSeenBy(cookie)).toContain('later-co');
    const later = await call(s.base, 'GET', '/api/tenants/later-co', { cookie });
    expect(later.body.role).toBe('readonly');
    // Whoever onboarded it still owns it.
    expect((await call(s.base, 'GET', '/api/tenants/later-co', { cookie: cookies.owner })).body.role).toBe('owner');

    const userId = (await userByEmail(s.tdb.db, 'everything@example.test')).id;
    const patch = await call(s.base, 'PATCH', `/api/workspaces/contoso-msp/members/${userId}`, { cookie: cookies.owner, body: { tenants: ['northwind'] } });
    expect(patch.status).toBe(200);
    expect(patch.body).toEqual({
      user: expect.objectContaining({ email: 'everything@example.test' }),
      role: 'readonly',
      tenants: [{ slug: 'northwind', role: 'readonly' }],
    });
    expect(await slugsSeenBy(cookie)).toEqual(['northwind']);
    await call(s.base, 'POST', '/api/onboarding', {
      cookie: cookies.owner,
      body: { name: 'Later Two', slug: 'later-two', entraTenantId: crypto.randomUUID() },
    });
    expect(await slugsSeenBy(cookie)).toEqual(['northwind']);
  });
});

describe('an email that already has an account', () => {
  it("accepts with that account's password (no new account), and the invitation adds the memberships", async () => {
    const r = await invite({ email: 'outsider@fabrikam.example', role: 'readonly', tenants: ['adatum'] });
    expect(r.status).toBe(201);
    const token = tokenOf(r.body.url);
    expect((await call(s.base, 'POST', '/api/invitations/lookup', { body: { token } })).body.accountExists).toBe(true);
    const wrong = await accept({ token, password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('unauthenticated');
    const ok = await accept({ token, displayName: 'Ignored', password: 'opsgate-demo' });
    expect(ok.status).toBe(201);
    expect(ok.body.user).toMatchObject({ email: 'outsider@fabrikam.example', displayName: 'Oscar Outsider' });
    expect(await slugsSeenBy(cookieOf(ok))).toEqual(['adatum', 'fabrikam-retail']);
    expect(ok.body.workspaces.map((w: { slug: string; role: string }) => `${w.slug}:${w.role}`).sort()).toEqual(['contoso-msp:readonly', 'fabrikam-msp:owner']);
  });

  it('a member of the workspace cannot be invited again (409 already_member)', async () => {
    const r = await invite({ email: 'operator@contoso.example', role: 'owner', tenants: 'all' });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('already_member');
  });
});

describe('what an invitation may name', () => {
  it("only tenants of this workspace: another workspace's tenant reads like an unknown one", async () => {
    const foreign = await invite({ email: 'x@example.test', role: 'readonly', tenants: ['fabrikam-retail'] });
    const unknown = await invite({ email: 'x@example.test', role: 'readonly', tenants: ['no-such'] });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.message).toBe('tenants: no tenant "fabrikam-retail" in this workspace');
    expect(unknown.body.error.message).toBe('tenants: no tenant "no-such" in this workspace');
  });

  it('names bad fields', async () => {
    expect((await invite({ email: 'nope', role: 'readonly', tenants: 'all' })).body.error.message).toBe('email: must be an email address');
    expect((await invite({ email: 'a@b.example', role: 'admin', tenants: 'all' })).body.error.message).toMatch(
      /^role: must be one of owner, manager, operator, readonly/,
    );
    expect((await invite({ email: 'a@b.example', role: 'readonly', tenants: [] })).body.error.message).toMatch(/^tenants: /);
    expect((await invite({ email: 'a@b.example', role: 'readonly', tenants: 'some' })).body.error.message).toMatch(/^tenants: /);
  });

  it('only owners invite: a manager gets 403, an owner of another workspace 404', async () => {
    expect((await invite({ email: 'a@b.example', role: 'readonly', tenants: 'all' }, 'manager')).status).toBe(403);
    expect((await invite({ email: 'a@b.example', role: 'readonly', tenants: 'all' }, 'owner', 'fabrikam-msp')).status).toBe(404);
  });
});
