// Members over HTTP (docs/API.md "Setup, workspaces, members and invitations"): listing, changing role and
// tenants, removal that ends sessions at once, the last owner (also under a race), and
// changing one's own password. Every change is audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userByEmail } from '../helpers/seed.ts';
import { call, login, loginAll, PERSONAS, type Persona, type TestServer, startTestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

let s: TestServer;
let cookies: Record<Persona, string | null>;
const ids = {} as Record<Exclude<Persona, 'anonymous'>, string>;

beforeAll(async () => {
  s = await startTestServer();
  cookies = await loginAll(s.base);
  for (const [p, email] of Object.entries(PERSONAS)) ids[p as keyof typeof ids] = (await userByEmail(s.tdb.db, email)).id;
});
afterAll(() => closeAll(s));

const WS = '/api/workspaces/contoso-msp';
const patch = (userId: string, body: unknown, who: Persona = 'owner') => call(s.base, 'PATCH', `${WS}/members/${userId}`, { cookie: cookies[who], body });
const remove = (userId: string, who: Persona = 'owner') => call(s.base, 'DELETE', `${WS}/members/${userId}`, { cookie: cookies[who], body: {} });
const audits = async (action: string) => s.tdb.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id').execute();

describe('workspaces and members', () => {
  it("GET /api/workspaces: the user's workspaces with their workspace role", async () => {
    const r = await call(s.base, 'GET', '/api/workspaces', { cookie: cookies.operator });
    expect(r.status).toBe(200);
    expect(r.body.items).toEqual([
      { id: expect.any(String), slug: 'contoso-msp', name: 'Contoso MSP', role: 'operator', capabilities: expect.arrayContaining(['bulk.start']) },
    ]);
    const fab = await call(s.base, 'GET', '/api/workspaces', { cookie: cookies.outsider });
    expect(fab.body.items.map((w: { slug: string; role: string }) => [w.slug, w.role])).toEqual([['fabrikam-msp', 'owner']]);
  });

  it('members: each with role and tenants ("all" for the demo members); by slug or by id', async () => {
    const r = await call(s.base, 'GET', `${WS}/members`, { cookie: cookies.owner });
    expect(r.status).toBe(200);
    expect(r.body.items.map((m: { user: { email: string }; role: string; tenants: unknown }) => [m.user.email, m.role, m.tenants])).toEqual([
      ['manager@contoso.example', 'manager', 'all'],
      ['operator@contoso.example', 'operator', 'all'],
      ['owner@contoso.example', 'owner', 'all'],
      ['readonly@contoso.example', 'readonly', 'all'],
    ]);
    const wsId = r.body.items.length && (await call(s.base, 'GET', '/api/workspaces', { cookie: cookies.owner })).body.items[0].id;
    expect((await call(s.base, 'GET', `/api/workspaces/${wsId}/members`, { cookie: cookies.owner })).body).toEqual(r.body);
  });

  it('only owners manage members: manager 403, a member of another workspace 404 (like one that does not exist)', async () => {
    const m = await call(s.base, 'GET', `${WS}/members`, { cookie: cookies.manager });
    expect(m.status).toBe(403);
    expect(m.body.error.code).toBe('forbidden');
    const o = await call(s.base, 'GET', `${WS}/members`, { cookie: cookies.outsider });
    const none = await call(s.base, 'GET', '/api/workspaces/no-such-ws/members', { cookie: cookies.outsider });
    expect([o.status, none.status]).toEqual([404, 404]);
    expect(o.text).toBe(none.text);
    expect((await patch(ids.readonly, { role: 'owner' }, 'manager')).status).toBe(403);
    expect((await remove(ids.readonly, 'operator')).status).toBe(403);
  });
});

describe('changing a member', () => {
  it('role: on the workspace and on every tenant they hold; audited with before and after', async () => {
    const r = await patch(ids.readonly, { role: 'operator' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ user: { id: ids.readonly, email: 'readonly@contoso.example', displayName: 'Rita Readonly' }, role: 'operator', tenants: 'all' });
    const t = await call(s.base, 'GET', '/api/tenants/northwind', { cookie: cookies.readonly });
    expect(t.body.role).toBe('operator');
    const [a] = await audits('member.changed');
    expect(a!.details).toMatchObject({
      email: 'readonly@contoso.example',
      from: { role: 'readonly', tenants: 'all' },
      to: { role: 'operator', tenants: 'all' },
    });
  });

  it('tenants: exactly the named ones afterwards', async () => {
    const r = await patch(ids.readonly, { role: 'readonly', tenants: ['woodgrove', 'adatum'] });
    expect(r.body.tenants).toEqual([
      { slug: 'adatum', role: 'readonly' },
      { slug: 'woodgrove', role: 'readonly' },
    ]);
    expect((await call(s.base, 'GET', '/api/tenants', { cookie: cookies.readonly })).body.items.map((t: { slug: string }) => t.slug).sort()).toEqual([
      'adatum',
      'woodgrove',
    ]);
    expect((await call(s.base, 'GET', '/api/tenants/northwind', { cookie: cookies.readonly })).status).toBe(404);
  });

  it('names what is wrong', async () => {
    expect((await patch(ids.readonly, {})).body.error.message).toBe('body: give "role", "tenants" or both');
    expect((await patch(ids.readonly, { role: 'boss' })).body.error.message).toMatch(/^role: must be one of/);
    expect((await patch(ids.readonly, { tenants: ['fabrikam-retail'] })).body.error.message).toBe('tenants: no tenant "fabrikam-retail" in this workspace');
    expect((await patch('00000000-0000-4000-8000-000000000000', { role: 'readonly' })).status).toBe(404);
    expect((await patch(ids.outsider, { role: 'readonly' })).status).toBe(404);
  });
});

describe('the last owner', () => {
  it('cannot be demoted or removed (409 last_owner), also by themselves', async () => {
    const demote = await patch(ids.owner, { role: 'manager' });
    expect(demote.status).toBe(409);
    expect(demote.body.error.code).toBe('last_owner');
    const del = await remove(ids.owner);
    expect(del.status).toBe(409);
    expect(del.body.error.code).toBe('last_owner');
    // Changing the last owner's tenants is fine.
    expect((await patch(ids.owner, { tenants: 'all' })).status).toBe(200);
  });

  it('two owners demoting each other at once: exactly one succeeds, one owner is left', async () => {
    const owners = async () =>
      (
        await s.tdb.db
          .selectFrom('workspace_members')
          .select('user_id')
          .where('role', '=', 'owner')
          .where('workspace_id', 'in', s.tdb.db.selectFrom('workspaces').select('id').where('slug', '=', 'contoso-msp'))
          .execute()
      ).map((o) => o.user_id);
    try {
      expect((await patch(ids.manager, { role: 'owner' })).status).toBe(200);
      const [a, b] = await Promise.all([patch(ids.manager, { role: 'manager' }, 'owner'), patch(ids.owner, { role: 'manager' }, 'manager')]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      expect(await owners()).toHaveLength(1);
    } finally {
      // Put things back whatever failed above: the owner is owner again, then the manager manager.
      const now = await owners();
      if (!now.includes(ids.owner)) expect((await patch(ids.owner, { role: 'owner' }, 'manager')).status).toBe(200);
      if (now.includes(ids.manager)) expect((await patch(ids.manager, { role: 'manager' })).status).toBe(200);
    }
  });
});

describe('removing a member', () => {
  it('removes every membership in the workspace and ends all of their sessions at once', async () => {
    const second = await login(s.base, PERSONAS.operator);
    expect((await call(s.base, 'GET', '/api/session', { cookie: cookies.operator })).status).toBe(200);
    const r = await remove(ids.operator);
    expect(r.status).toBe(204);
    for (const c of [cookies.operator, second]) expect((await call(s.base, 'GET', '/api/session', { cookie: c })).status).toBe(401);
    const left = await s.tdb.db.selectFrom('tenant_memberships').select('tenant_id').where('user_id', '=', ids.operator).execute();
    expect(left).toEqual([]);
    // Signing in again works (the account stays) but shows nothing of Contoso.
    const again = await login(s.base, PERSONAS.operator);
    expect((await call(s.base, 'GET', '/api/tenants', { cookie: again })).body.items).toEqual([]);
    const [a] = await audits('member.removed');
    expect(a!.details).toMatchObject({ email: 'operator@contoso.example', role: 'operator', sessionsEnded: 2 });
    expect((await remove(ids.operator)).status).toBe(404);
  });
});

describe('changing your own password', () => {
  const change = (cookie: string | null, body: unknown) => call(s.base, 'POST', '/api/session/password', { cookie, body });

  it('needs the current password and a new one of at least 12 characters', async () => {
    const wrong = await change(cookies.manager, { current: 'nope', new: 'a brand new password' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toBe('current: is not your current password');
    const short = await change(cookies.manager, { current: 'opsgate-demo', new: 'short' });
    expect(short.body.error.message).toBe('new: must be at least 12 characters');
    expect((await change(null, { current: 'opsgate-demo', new: 'a brand new password' })).status).toBe(401);
  });

  it('changes it, keeps this session, ends the others, and is audited', async () => {
    const other = await login(s.base, PERSONAS.manager);
    const r = await change(cookies.manager, { current: 'opsgate-demo', new: 'a brand new password' });
    expect(r.status).toBe(204);
    expect((await call(s.base, 'GET', '/api/session', { cookie: cookies.manager })).status).toBe(200);
    expect((await call(s.base, 'GET', '/api/session', { cookie: other })).status).toBe(401);
    expect((await call(s.base, 'POST', '/api/session', { body: { email: PERSONAS.manager, password: 'opsgate-demo' } })).status).toBe(401);
    expect((await call(s.base, 'POST', '/api/session', { body: { email: PERSONAS.manager, password: 'a brand new password' } })).status).toBe(200);
    const [a] = await audits('password.changed');
    expect(a!.actor_user_id).toBe(ids.manager);
    expect(JSON.stringify(a)).not.toContain('a brand new password');
  });
});
