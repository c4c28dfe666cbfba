// PATCH /api/tenants/{tenant}: the owner renames a tenant or moves it between active,
// suspended and archived; the gate follows at once, every change is audited, archived
// tenants leave the tenant list but keep their runs. Tests share one database: each puts
// back what it changed in `finally`.
import crypto from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tenantDetailSchema } from '../../src/http/routes/tenants.ts';
import { createSession as createOnboarding } from '../../src/onboarding/sessions.ts';
import { tenantBySlug, userByEmail } from '../helpers/seed.ts';
import { call, freeAllScopes, insertCompletedRun, loginAll, PERSONAS, startTestServer, type Persona, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

let s: TestServer;
let cookies: Record<Persona, string | null>;

beforeAll(async () => {
  s = await startTestServer();
  cookies = await loginAll(s.base);
});
afterAll(() => closeAll(s));
beforeEach(async () => freeAllScopes(s.tdb.db));

const patch = (tenant: string, body: unknown, who: Persona = 'owner') => call(s.base, 'PATCH', `/api/tenants/${tenant}`, { cookie: cookies[who], body });
const get = (path: string, who: Persona = 'owner') => call(s.base, 'GET', path, { cookie: cookies[who] });
const start = (tenant: string) => call(s.base, 'POST', `/api/tenants/${tenant}/operations`, { cookie: cookies.owner, body: { type: 'inventory.sync' } });
const slugs = (r: { body: { items: { slug: string }[] } }) => r.body.items.map((t) => t.slug);

/** Puts a fixture tenant back the way the demo seeds it, whatever a test did to it. */
async function restore(slug: string, status: 'active' | 'suspended', name?: string) {
  await s.tdb.db
    .updateTable('tenants')
    .set({ status, ...(name ? { name } : {}) })
    .where('slug', '=', slug)
    .execute();
}

async function auditOf(tenantId: string) {
  return s.tdb.db
    .selectFrom('audit_log')
    .select(['action', 'actor_user_id', 'workspace_id', 'details'])
    .where('tenant_id', '=', tenantId)
    .where('action', 'like', 'tenant.%')
    .orderBy('id')
    .execute();
}

describe('status changes reach the gate at once', () => {
  it('suspended: the start is blocked tenant_not_operable; reactivated: the same start is queued', async () => {
    try {
      const suspended = await patch('northwind', { status: 'suspended' });
      expect(suspended.status).toBe(200);
      const t = tenantDetailSchema.parse(suspended.body);
      expect(t).toMatchObject({ slug: 'northwind', status: 'suspended', role: 'owner' });
      expect(t.statusNote?.message).toContain('can reactivate it');

      const blocked = await start('northwind');
      expect([blocked.status, blocked.body.outcome, blocked.body.reason.code]).toEqual([409, 'blocked', 'tenant_not_operable']);
      expect(blocked.body.nextSteps[0].url).toBe('/admin/t/northwind#status');

      const active = await patch('northwind', { status: 'active' });
      expect([active.status, active.body.status, active.body.statusNote]).toEqual([200, 'active', null]);
      const queued = await start('northwind');
      expect([queued.status, queued.body.outcome, queued.body.label]).toEqual([202, 'accepted', 'queued']);
    } finally {
      await restore('northwind', 'active');
    }
  });

  it('the suspended demo tenant (litware) reactivated by its owner can start', async () => {
    try {
      expect((await start('litware')).body.reason.code).toBe('tenant_not_operable');
      expect((await patch('litware', { status: 'active' })).status).toBe(200);
      expect((await start('litware')).body.outcome).toBe('accepted');
    } finally {
      await restore('litware', 'suspended');
    }
  });
});

describe('who may change it', () => {
  it('only the owner: manager, operator and readonly get 403 and nothing changes', async () => {
    for (const who of ['manager', 'operator', 'readonly'] as const) {
      const r = await patch('litware', { status: 'active' }, who);
      expect(r.status, who).toBe(403);
      expect(r.body.error).toEqual({ code: 'forbidden', message: expect.stringContaining('tenant.manage') });
    }
    expect((await tenantBySlug(s.tdb.db, 'litware')).status).toBe('suspended');
  });

  it('a user of another workspace gets the same 404 as for a tenant that does not exist', async () => {
    const theirs = await patch('litware', { status: 'active' }, 'outsider');
    const missing = await patch('no-such-tenant', { status: 'active' }, 'outsider');
    expect(theirs.status).toBe(404);
    expect(theirs.text).toBe(missing.text);
    // And the other direction: the Contoso owner cannot touch Fabrikam's tenant.
    expect((await patch('fabrikam-retail', { status: 'suspended' })).status).toBe(404);
    expect((await tenantBySlug(s.tdb.db, 'fabrikam-retail')).status).toBe('active');
  });

  it('not signed in: 401', async () => {
    expect((await patch('litware', { status: 'active' }, 'anonymous')).status).toBe(401);
  });
});

describe('bad input: 400 naming the field', () => {
  it.each([
    [{ status: 'paused' }, /^status: must be "active", "suspended" or "archived"$/],
    [{ status: 'onboarding' }, /^status: /],
    [{ status: 3 }, /^status: /],
    [{ name: '   ' }, /^name: must not be empty$/],
    [{ name: 'x'.repeat(201) }, /^name: is too long$/],
    [{}, /^body: name or status is required$/],
    [{ status: 'active', slug: 'other' }, /^body: unknown field "slug"$/],
  ])('%j', async (body, message) => {
    const r = await patch('litware', body);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
    expect(r.body.error.message).toMatch(message);
  });

  it('an unknown ?include is a 400 naming include', async () => {
    const r = await get('/api/tenants?include=deleted');
    expect([r.status, r.body.error.message]).toEqual([400, expect.stringMatching(/^include: /)]);
  });
});

describe('transitions', () => {
  it('archived goes back only to active; an archived tenant cannot be suspended (409 naming status)', async () => {
    try {
      expect((await patch('litware', { status: 'archived' })).body.status).toBe('archived');
      const r = await patch('litware', { status: 'suspended' });
      expect(r.status).toBe(409);
      expect(r.body.error).toEqual({ code: 'conflict', message: 'status: cannot change from archived to suspended (from archived: active)' });
      expect((await patch('litware', { status: 'active' })).body.status).toBe('active');
    } finally {
      await restore('litware', 'suspended');
    }
  });

  it('an onboarding tenant changes status only through its onboarding session', async () => {
    const owner = await userByEmail(s.tdb.db, PERSONAS.owner);
    const northwind = await tenantBySlug(s.tdb.db, 'northwind');
    const session = await createOnboarding(s.tdb.db, {
      workspaceId: northwind.workspace_id,
      userId: owner.id,
      name: 'Lifecycle onboarding',
      slug: 'lifecycle-onboarding',
      entraTenantId: crypto.randomUUID(),
    });
    for (const status of ['active', 'suspended', 'archived']) {
      const r = await patch('lifecycle-onboarding', { status });
      expect(r.status, status).toBe(409);
      expect(r.body.error.message).toBe('status: this tenant is still being onboarded: finish or cancel its onboarding session instead');
    }
    // Its name may still be corrected.
    expect((await patch('lifecycle-onboarding', { name: 'Lifecycle Onboarding Ltd' })).body).toMatchObject({
      name: 'Lifecycle Onboarding Ltd',
      status: 'onboarding',
    });
    expect((await tenantBySlug(s.tdb.db, 'lifecycle-onboarding')).id).toBe(session.tenant_id);
  });
});

describe('audit', () => {
  it('one row per change, with {from, to} and the actor; setting what is there writes nothing', async () => {
    const litware = await tenantBySlug(s.tdb.db, 'litware');
    const owner = await userByEmail(s.tdb.db, PERSONAS.owner);
    const before = (await auditOf(litware.id)).length;
    try {
      await patch('litware', { status: 'active', name: '  Litware Renamed  ' });
      await patch('litware', { status: 'active', name: 'Litware Renamed' });
      await patch('litware', { status: 'suspended' });
      const rows = (await auditOf(litware.id)).slice(before);
      expect(rows.map((r) => [r.action, r.details])).toEqual([
        ['tenant.status_changed', { from: 'suspended', to: 'active' }],
        ['tenant.renamed', { from: 'Litware Inc.', to: 'Litware Renamed' }],
        ['tenant.status_changed', { from: 'active', to: 'suspended' }],
      ]);
      for (const r of rows) expect(r).toMatchObject({ actor_user_id: owner.id, workspace_id: litware.workspace_id });
      // Refused and forbidden attempts change nothing, so they add no change row.
      await patch('litware', { status: 'active' }, 'manager');
      expect((await auditOf(litware.id)).length).toBe(before + 3);
    } finally {
      await restore('litware', 'suspended', 'Litware Inc.');
    }
  });
});

describe('archived tenants leave lists, keep their runs', () => {
  it('gone from GET /api/tenants, back with ?include=archived; its page and runs stay reachable', async () => {
    const litware = await tenantBySlug(s.tdb.db, 'litware');
    const owner = await userByEmail(s.tdb.db, PERSONAS.owner);
    const { runId } = await insertCompletedRun(s.tdb.db, {
      tenantId: litware.id,
      type: 'inventory.sync',
      connectionId: null,
      initiatorId: owner.id,
      outcome: 'succeeded',
    });
    try {
      expect(slugs(await get('/api/tenants'))).toContain('litware');
      await patch('litware', { status: 'archived' });
      for (const who of ['owner', 'readonly'] as const) {
        expect(slugs(await get('/api/tenants', who)), who).not.toContain('litware');
        const all = await get('/api/tenants?include=archived', who);
        expect(
          all.body.items.find((t: { slug: string }) => t.slug === 'litware'),
          who,
        ).toMatchObject({ status: 'archived' });
      }
      // Its connections leave the connection list the same way; named, they are still there.
      const connectionTenants = async (url: string) => ((await get(url)).body.items as { tenant: { slug: string } }[]).map((c) => c.tenant.slug);
      expect(await connectionTenants('/api/provider-connections')).not.toContain('litware');
      expect(await connectionTenants('/api/provider-connections?include=archived')).toContain('litware');
      expect(await connectionTenants('/api/provider-connections?tenant=litware')).toEqual(['litware']);
      expect((await get('/api/provider-connections?include=all')).status).toBe(400);
      expect((await get('/api/tenants/litware')).body).toMatchObject({ status: 'archived', statusNote: { owners: [PERSONAS.owner] } });
      expect((await get('/api/operations')).body.items.map((r: { id: string }) => r.id)).toContain(runId);
      expect((await get('/api/operations?tenant=litware')).body.items.map((r: { id: string }) => r.id)).toContain(runId);
      expect((await get(`/api/operations/${runId}`)).status).toBe(200);
      expect((await start('litware')).body.reason).toMatchObject({ code: 'tenant_not_operable', message: expect.stringContaining('archived') });
    } finally {
      await restore('litware', 'suspended');
    }
  });
});
