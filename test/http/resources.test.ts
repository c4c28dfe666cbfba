// Tenants, provider connections (and their write-only secret), restore runs, runs list
// filters, notifications and runtime records, over real HTTP.
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { items, runSchema } from '../../src/http/schemas.ts';
import { REGISTRY } from '../../src/operations/registry.ts';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { connectionOf, tenantBySlug, testBox, userByEmail } from '../helpers/seed.ts';
import { credentialAad } from '../../src/security/secret-box.ts';
import { call, freeAllScopes, insertCompletedRun, loginAll, startTestServer, type Persona, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

let s: TestServer;
let cookies: Record<Persona, string | null>;
const DEMO_SECRETS = DEMO_WORKSPACES.flatMap((w) => w.tenants.flatMap((t) => t.connections.map((c) => c.secret)));

beforeAll(async () => {
  s = await startTestServer();
  cookies = await loginAll(s.base);
});
afterAll(() => closeAll(s));
beforeEach(async () => freeAllScopes(s.tdb.db));

const get = (path: string, who: Persona = 'owner') => call(s.base, 'GET', path, { cookie: cookies[who] });
const patch = (id: string, body: unknown, who: Persona = 'owner') => call(s.base, 'PATCH', `/api/provider-connections/${id}`, { cookie: cookies[who], body });

describe('tenants', () => {
  it('lists only the tenants the user is a member of, with the role', async () => {
    const own = await get('/api/tenants');
    expect(own.body.items.map((t: { slug: string }) => t.slug).sort()).toEqual([
      'adatum',
      'alpine',
      'contoso-lab',
      'litware',
      'northwind',
      'tailspin',
      'woodgrove',
    ]);
    const out = await get('/api/tenants', 'outsider');
    expect(out.body.items).toEqual([expect.objectContaining({ slug: 'fabrikam-retail', role: 'owner' })]);
  });

  it('finds a tenant by slug or id, with its default connection', async () => {
    const t = await tenantBySlug(s.tdb.db, 'northwind');
    const bySlug = await get('/api/tenants/northwind', 'readonly');
    const byId = await get(`/api/tenants/${t.id}`, 'readonly');
    expect(bySlug.body).toEqual(byId.body);
    expect(bySlug.body).toMatchObject({
      id: t.id,
      slug: 'northwind',
      status: 'active',
      role: 'readonly',
      capabilities: ['tenant.view'],
      defaultProviderConnection: { name: 'Primary' },
    });
    expect((await get('/api/tenants/adatum')).body.defaultProviderConnection).toBeNull();
  });
});

describe('provider connections', () => {
  it('never return a secret or its ciphertext', async () => {
    for (const path of [
      '/api/provider-connections',
      '/api/tenants/contoso-lab/provider-connections',
      `/api/provider-connections/${(await connectionOf(s.tdb.db, 'northwind')).id}`,
    ]) {
      const r = await get(path);
      expect(r.status).toBe(200);
      for (const secret of DEMO_SECRETS) expect(r.text).not.toContain(secret);
      expect(r.text).not.toMatch(/secret_ciphertext|"v1\./);
    }
  });

  it('list per tenant with the contract fields', async () => {
    const r = await get('/api/tenants/contoso-lab/provider-connections');
    expect(r.body.items.map((c: { name: string; isDefault: boolean }) => [c.name, c.isDefault])).toEqual([
      ['Primary', true],
      ['Secondary', false],
    ]);
    for (const field of [
      'id',
      'name',
      'isDefault',
      'enabled',
      'consentStatus',
      'credentialExpiresAt',
      'grantedPermissions',
      'lastVerifiedAt',
      'verificationStatus',
    ]) {
      expect(r.body.items[0]).toHaveProperty(field);
    }
    const woodgrove = (await get('/api/provider-connections?tenant=woodgrove')).body.items[0];
    expect(woodgrove).toMatchObject({ consentStatus: 'missing', grantedPermissions: [], verificationStatus: 'failed' });
    expect((await get('/api/provider-connections?tenant=woodgrove', 'outsider')).status).toBe(404);
  });

  it('making another connection the default moves the default, is audited, and new starts pin it', async () => {
    const primary = await connectionOf(s.tdb.db, 'contoso-lab', 'Primary');
    const secondary = await connectionOf(s.tdb.db, 'contoso-lab', 'Secondary');
    try {
      const r = await patch(secondary.id, { isDefault: true }, 'manager');
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ id: secondary.id, isDefault: true });
      expect((await connectionOf(s.tdb.db, 'contoso-lab', 'Primary')).is_default).toBe(false);
      const audit = await s.tdb.db.selectFrom('audit_log').selectAll().where('action', '=', 'provider_connection.default_changed').executeTakeFirstOrThrow();
      expect(audit.details).toMatchObject({ providerConnectionId: secondary.id, isDefault: true, previousDefaultId: primary.id });
      const started = await call(s.base, 'POST', '/api/tenants/contoso-lab/operations', { cookie: cookies.operator, body: { type: 'inventory.sync' } });
      expect(started.body.providerConnection).toEqual({ id: secondary.id, name: 'Secondary' });
      expect((await patch(primary.id, { isDefault: true })).status).toBe(200);
    } finally {
      // The fixture's default back, whatever failed above.
      await s.tdb.db.transaction().execute(async (tx) => {
        await tx.updateTable('provider_connections').set({ is_default: false }).where('id', '=', secondary.id).execute();
        await tx.updateTable('provider_connections').set({ is_default: true }).where('id', '=', primary.id).execute();
      });
    }
  });

  it('disabling blocks starts on that connection; enabling lifts it', async () => {
    const conn = await connectionOf(s.tdb.db, 'northwind');
    try {
      expect((await patch(conn.id, { enabled: false })).body.enabled).toBe(false);
      const blocked = await call(s.base, 'POST', '/api/tenants/northwind/operations', { cookie: cookies.owner, body: { type: 'compliance.snapshot' } });
      expect(blocked.body).toMatchObject({ outcome: 'blocked', reason: { code: 'provider_connection_disabled' } });
      expect((await patch(conn.id, { enabled: true })).body.enabled).toBe(true);
    } finally {
      await s.tdb.db.updateTable('provider_connections').set({ enabled: true }).where('id', '=', conn.id).execute();
    }
  });

  it('rotating the secret seals it, sets the expiry, audits without the secret and unblocks an expired connection', async () => {
    const conn = await connectionOf(s.tdb.db, 'tailspin');
    const before = await call(s.base, 'POST', '/api/tenants/tailspin/operations', { cookie: cookies.owner, body: { type: 'inventory.sync' } });
    expect(before.body.reason.code).toBe('provider_credentials_expired');
    const newSecret = 'rotated-secret-value-1234567890';
    const expiresAt = new Date(Date.now() + 90 * 86_400_000).toISOString();
    const r = await patch(conn.id, { clientSecret: newSecret, secretExpiresAt: expiresAt });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ credentialExpiresAt: expiresAt, hasCredential: true });
    expect(r.text).not.toContain(newSecret);
    const row = await connectionOf(s.tdb.db, 'tailspin');
    expect(row.secret_ciphertext).not.toContain(newSecret);
    expect(testBox.open(row.secret_ciphertext!, credentialAad({ table: 'provider_connections', id: row.id }, 'secret_ciphertext'))).toBe(newSecret);
    const audit = await s.tdb.db.selectFrom('audit_log').selectAll().where('action', '=', 'provider_connection.credential_rotated').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(newSecret);
    const after = await call(s.base, 'POST', '/api/tenants/tailspin/operations', { cookie: cookies.owner, body: { type: 'inventory.sync' } });
    expect(after.status).toBe(202);
  });

  it('rejects incomplete or unknown changes, naming the field', async () => {
    const conn = await connectionOf(s.tdb.db, 'northwind');
    const msg = async (body: unknown) => (await patch(conn.id, body)).body.error.message as string;
    expect(await msg({})).toBe('body: needs at least one of isDefault, enabled, clientSecret, credential');
    expect(await msg({ clientSecret: 'x' })).toBe('secretExpiresAt: is required when rotating clientSecret');
    expect(await msg({ secretExpiresAt: '2999-01-01T00:00:00Z' })).toMatch(/^clientSecret: is required/);
    expect(await msg({ clientSecret: 'x', secretExpiresAt: '2001-01-01T00:00:00Z' })).toBe('secretExpiresAt: must be in the future');
    expect(await msg({ clientSecret: 'x', secretExpiresAt: 'tomorrow' })).toMatch(/^secretExpiresAt: /);
    expect(await msg({ isDefault: 'yes' })).toMatch(/^isDefault: /);
    expect(await msg({ name: 'x' })).toContain('unknown field "name"');
    // Validation errors never echo the secret back.
    const echoed = await patch(conn.id, { clientSecret: 'do-not-echo-me', secretExpiresAt: 'bad' });
    expect(echoed.text).not.toContain('do-not-echo-me');
  });

  it('operators may not manage connections (403); outsiders cannot see them (404)', async () => {
    const conn = await connectionOf(s.tdb.db, 'northwind');
    expect((await patch(conn.id, { enabled: false }, 'operator')).status).toBe(403);
    expect((await patch(conn.id, { enabled: false }, 'outsider')).status).toBe(404);
    expect((await connectionOf(s.tdb.db, 'northwind')).enabled).toBe(true);
  });
});

describe('restore runs', () => {
  it('list and detail with the items preview', async () => {
    const list = await get('/api/tenants/northwind/restore-runs', 'readonly');
    expect(list.body.items).toEqual([expect.objectContaining({ name: 'Baseline device configurations', status: 'ready', itemCount: 4, lastRun: null })]);
    const id = list.body.items[0].id;
    const before = await get(`/api/restore-runs/${id}`, 'readonly');
    expect(before.body).toMatchObject({ tenant: { slug: 'northwind' }, inventorySyncedAt: null });
    expect(before.body.items.map((i: { action: string }) => i.action)).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);

    // After an inventory sync, the preview knows which configurations still exist.
    const northwind = await tenantBySlug(s.tdb.db, 'northwind');
    await insertCompletedRun(s.tdb.db, {
      tenantId: northwind.id,
      type: 'inventory.sync',
      connectionId: null,
      initiatorId: null,
      outcome: 'succeeded',
      notify: false,
    });
    // The first two items still exist in the tenant; the others do not.
    const sourceIds: string[] = before.body.items.map((i: { sourceId: string }) => i.sourceId);
    await s.tdb.db
      .insertInto('inventory_items')
      .values(
        sourceIds
          .slice(0, 2)
          .map((external_id) => ({ tenant_id: northwind.id, kind: 'deviceConfiguration' as const, external_id, display_name: external_id, data: '{}' })),
      )
      .execute();
    const after = await get(`/api/restore-runs/${id}`, 'readonly');
    expect(after.body.inventorySyncedAt).not.toBeNull();
    expect(after.body.items.map((i: { action: string }) => i.action)).toEqual(['update', 'update', 'create', 'create']);
    expect(after.body.items.map((i: { position: number }) => i.position)).toEqual([0, 1, 2, 3]);
    expect(typeof after.body.items[0].displayName).toBe('string');

    // The third was re-created by an earlier execution (its item names the new configuration):
    // executing again updates that one, and the preview says so.
    await s.tdb.db.updateTable('restore_run_items').set({ target_id: 'recreated-2' }).where('restore_run_id', '=', id).where('position', '=', 2).execute();
    await s.tdb.db
      .insertInto('inventory_items')
      .values({ tenant_id: northwind.id, kind: 'deviceConfiguration', external_id: 'recreated-2', display_name: 'recreated-2', data: '{}' })
      .execute();
    const again = await get(`/api/restore-runs/${id}`, 'readonly');
    expect(again.body.items.map((i: { action: string }) => i.action)).toEqual(['update', 'update', 'update', 'create']);
  });
});

describe('runs', () => {
  it('newest first, with tenant (slug or id), type, outcome and status filters, only visible tenants', async () => {
    const northwind = await tenantBySlug(s.tdb.db, 'northwind');
    const fabrikam = await tenantBySlug(s.tdb.db, 'fabrikam-retail');
    const owner = await userByEmail(s.tdb.db, 'owner@contoso.example');
    await insertCompletedRun(s.tdb.db, {
      tenantId: fabrikam.id,
      type: 'inventory.sync',
      connectionId: null,
      initiatorId: null,
      outcome: 'failed',
      reasonCode: 'provider_unavailable',
    });
    const a = await call(s.base, 'POST', '/api/tenants/northwind/operations', { cookie: cookies.owner, body: { type: 'inventory.sync' } });
    const b = await call(s.base, 'POST', '/api/tenants/woodgrove/operations', { cookie: cookies.owner, body: { type: 'compliance.snapshot' } });
    await insertCompletedRun(s.tdb.db, {
      tenantId: northwind.id,
      type: 'entra_group_sync',
      connectionId: null,
      initiatorId: owner.id,
      outcome: 'partially_succeeded',
      reasonCode: 'provider_throttled',
      summaryCounts: { groups: 10, failed: 2 },
    });

    const all = await get('/api/operations');
    // The contract's {"items": […]}, plus the cursor of the next page.
    const parsed = items(runSchema).extend({ next: z.string().nullable() }).parse(all.body);
    const times = parsed.items.map((r) => r.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(parsed.items.some((r) => r.tenant.id === fabrikam.id)).toBe(false);

    const bySlug = (await get('/api/operations?tenant=northwind')).body.items;
    expect((await get(`/api/operations?tenant=${northwind.id}`)).body.items).toEqual(bySlug);
    expect(bySlug.every((r: { tenant: { slug: string } }) => r.tenant.slug === 'northwind')).toBe(true);
    expect(bySlug.map((r: { id: string }) => r.id)).toContain(a.body.run.id);

    const blocked = (await get('/api/operations?outcome=blocked')).body.items;
    expect(blocked.map((r: { id: string }) => r.id)).toContain(b.body.run.id);
    expect(blocked.every((r: { outcome: string }) => r.outcome === 'blocked')).toBe(true);
    const queued = (await get('/api/operations?status=queued&type=inventory.sync')).body.items;
    expect(queued.map((r: { id: string }) => r.id)).toEqual([a.body.run.id]);
    const partial = (await get('/api/operations?type=entra_group_sync&outcome=partially_succeeded')).body.items[0];
    expect(partial).toMatchObject({
      title: `${REGISTRY.entra_group_sync.title} partially succeeded`,
      summaryCounts: { groups: 10, failed: 2 },
      reason: { code: 'provider_throttled' },
    });
    expect((await get('/api/operations?limit=1')).body.items).toHaveLength(1);

    expect((await get('/api/operations?tenant=fabrikam-retail')).status).toBe(404);
    expect((await get('/api/operations?tenant=no-such-tenant')).status).toBe(404);
    expect((await get('/api/operations?type=nope')).body.error.message).toBe('type: unknown operation type "nope"');
    expect((await get(`/api/operations/${a.body.run.id}`, 'outsider')).status).toBe(404);
  });

  it('a scheduled run has no initiator; an unknown stored reason still reads as a sentence', async () => {
    const northwind = await tenantBySlug(s.tdb.db, 'northwind');
    const { runId } = await insertCompletedRun(s.tdb.db, {
      tenantId: northwind.id,
      type: 'inventory.sync',
      connectionId: null,
      initiatorId: null,
      outcome: 'failed',
      reasonCode: 'something_new',
    });
    const r = runSchema.parse((await get(`/api/operations/${runId}`)).body);
    expect(r).toMatchObject({ trigger: 'scheduled', initiator: null, reason: { code: 'something_new', message: 'The operation failed unexpectedly.' } });
    expect(r.nextSteps.length).toBeGreaterThan(0);
  });
});

describe('notifications', () => {
  it('the user sees their own, can mark one read (idempotently) and filter unread', async () => {
    const northwind = await tenantBySlug(s.tdb.db, 'northwind');
    const operator = await userByEmail(s.tdb.db, 'operator@contoso.example');
    const { notificationId } = await insertCompletedRun(s.tdb.db, {
      tenantId: northwind.id,
      type: 'compliance.snapshot',
      connectionId: null,
      initiatorId: operator.id,
      outcome: 'succeeded',
      summaryCounts: { devices: 3 },
    });
    const list = (await get('/api/notifications', 'operator')).body.items;
    expect(list[0]).toMatchObject({
      id: notificationId,
      title: `${REGISTRY['compliance.snapshot'].title} succeeded: ${northwind.name}`,
      body: 'Finished successfully.',
      readAt: null,
      reason: null,
      nextSteps: [],
    });
    const read = await call(s.base, 'POST', `/api/notifications/${notificationId}/read`, { cookie: cookies.operator, body: {} });
    expect(read.status).toBe(200);
    expect(read.body.readAt).not.toBeNull();
    const again = await call(s.base, 'POST', `/api/notifications/${notificationId}/read`, { cookie: cookies.operator });
    expect(again.body.readAt).toBe(read.body.readAt);
    const unread = (await get('/api/notifications?unread=true', 'operator')).body.items;
    expect(unread.map((n: { id: string }) => n.id)).not.toContain(notificationId);
  });

  it('a notification of a tenant the user no longer belongs to is not shown', async () => {
    const adatum = await tenantBySlug(s.tdb.db, 'adatum');
    const readonly = await userByEmail(s.tdb.db, 'readonly@contoso.example');
    const { notificationId } = await insertCompletedRun(s.tdb.db, {
      tenantId: adatum.id,
      type: 'inventory.sync',
      connectionId: null,
      initiatorId: readonly.id,
      outcome: 'failed',
      reasonCode: 'provider_unavailable',
    });
    expect((await get('/api/notifications', 'readonly')).body.items.map((n: { id: string }) => n.id)).toContain(notificationId);
    await sql`delete from tenant_memberships where tenant_id = ${adatum.id} and user_id = ${readonly.id}`.execute(s.tdb.db);
    expect((await get('/api/notifications', 'readonly')).body.items.map((n: { id: string }) => n.id)).not.toContain(notificationId);
  });
});

describe('runtime records', () => {
  it('groups, role definitions and inventory are paged and per tenant', async () => {
    const alpine = await tenantBySlug(s.tdb.db, 'alpine');
    await s.tdb.db
      .insertInto('entra_groups')
      .values(Array.from({ length: 5 }, (_, i) => ({ tenant_id: alpine.id, external_id: `g${i}`, display_name: `Group ${i}`, data: '{}' })))
      .execute();
    await s.tdb.db
      .insertInto('role_definitions')
      .values({ tenant_id: alpine.id, external_id: 'r1', display_name: 'Global Administrator', data: '{}' })
      .execute();
    await s.tdb.db
      .insertInto('inventory_items')
      .values([
        { tenant_id: alpine.id, kind: 'deviceConfiguration', external_id: 'd1', display_name: 'Wi-Fi', data: '{}' },
        { tenant_id: alpine.id, kind: 'compliancePolicy', external_id: 'c1', display_name: 'Baseline', data: '{}' },
      ])
      .execute();
    const page = (await get('/api/tenants/alpine/groups?limit=2&offset=1', 'readonly')).body;
    expect(page).toMatchObject({ total: 5, limit: 2, offset: 1 });
    expect(page.items.map((g: { displayName: string }) => g.displayName)).toEqual(['Group 1', 'Group 2']);
    expect((await get('/api/tenants/alpine/role-definitions')).body.items).toEqual([
      expect.objectContaining({ displayName: 'Global Administrator', isBuiltIn: true }),
    ]);
    const inv = (await get('/api/tenants/alpine/inventory?kind=compliancePolicy')).body;
    expect(inv).toMatchObject({ total: 1, items: [{ kind: 'compliancePolicy', externalId: 'c1' }] });
    expect((await get('/api/tenants/alpine/inventory')).body.total).toBe(2);
    expect((await get('/api/tenants/northwind/groups')).body).toMatchObject({ items: [], total: 0 });
    expect((await get('/api/tenants/alpine/groups?limit=9999')).status).toBe(400);
    expect((await get('/api/tenants/alpine/inventory?kind=x')).body.error.message).toMatch(/^kind: /);
  });
});
