// The start contract over real HTTP: every outcome and every blocked demo fixture, with the
// exact status code and answer fields of docs/API.md "The start contract", and the same problem reading the same
// in the start answer, the run detail and the notification (FR-216-010).
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAnswerSchema, preflightAnswerSchema, runSchema, notificationSchema } from '../../src/http/schemas.ts';
import { REGISTRY } from '../../src/operations/registry.ts';
import { explain } from '../../src/reasons/catalogue.ts';
import { connectionOf, countRows, tenantBySlug, userByEmail } from '../helpers/seed.ts';
import { call, freeAllScopes, insertCompletedRun, loginAll, startTestServer, type Persona, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

let s: TestServer;
let cookies: Record<Persona, string | null>;

beforeAll(async () => {
  s = await startTestServer();
  cookies = await loginAll(s.base);
});
afterAll(() => closeAll(s));
beforeEach(async () => freeAllScopes(s.tdb.db));

const startOp = (slug: string, body: unknown, who: Persona = 'owner') =>
  call(s.base, 'POST', `/api/tenants/${slug}/operations`, { cookie: cookies[who], body });

async function jobsFor(runId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from graphile_worker._private_jobs where key = ${runId}`.execute(s.tdb.db);
  return rows[0]!.n;
}

describe('accepted, deduped, scope busy (northwind)', () => {
  it('accepted: 202 "queued", the new run with the default connection pinned, and a View run step', async () => {
    const conn = await connectionOf(s.tdb.db, 'northwind');
    const r = await startOp('northwind', { type: 'inventory.sync' });
    expect(r.status).toBe(202);
    const a = startAnswerSchema.parse(r.body);
    expect(a).toMatchObject({
      outcome: 'accepted',
      label: 'queued',
      operationType: 'inventory.sync',
      title: 'Inventory sync queued',
      action: 'Sync inventory',
      providerConnection: { id: conn.id, name: 'Primary' },
      reason: null,
    });
    expect(a.run).toEqual({ id: expect.any(String), url: `/admin/operations/${a.run!.id}` });
    expect(a.nextSteps).toEqual([{ label: 'View run', url: `/admin/operations/${a.run!.id}` }]);
    const run = await s.tdb.db.selectFrom('operation_runs').selectAll().where('id', '=', a.run!.id).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'queued', provider_connection_id: conn.id, trigger: 'operator' });
    expect(await jobsFor(a.run!.id)).toBe(1);
  });

  it('deduped: 200 "already running" with the existing run', async () => {
    const first = await startOp('northwind', { type: 'inventory.sync' });
    const second = await startOp('northwind', { type: 'inventory.sync' }, 'operator');
    expect(second.status).toBe(200);
    const a = startAnswerSchema.parse(second.body);
    expect(a).toMatchObject({ outcome: 'deduped', label: 'already running', title: 'Inventory sync already running', reason: null });
    expect(a.run).toEqual(first.body.run);
    expect(a.nextSteps).toEqual([{ label: 'View run', url: first.body.run.url }]);
  });

  it('scope busy: 409 "scope busy" pointing to the run holding the connection', async () => {
    const holder = await startOp('northwind', { type: 'inventory.sync' });
    const r = await startOp('northwind', { type: 'compliance.snapshot' });
    expect(r.status).toBe(409);
    const a = startAnswerSchema.parse(r.body);
    expect(a).toMatchObject({
      outcome: 'scope_busy',
      label: 'scope busy',
      title: `${REGISTRY['compliance.snapshot'].title}: scope busy`,
      action: 'Take compliance snapshot',
      run: holder.body.run,
      reason: { code: 'scope_busy', message: 'Another operation (Inventory sync) is using this provider connection.' },
    });
    expect(a.nextSteps).toEqual([{ label: 'View the running operation', url: holder.body.run.url }]);
  });

  it('scope busy never names a run of a tenant the user cannot see (FR-216-016)', async () => {
    // A run of another tenant holding the connection cannot happen through the gate; forced
    // here, with a tenant of the same workspace the owner is no member of (a run may not hold a
    // connection of another workspace at all), to prove the answer would not leak it.
    const conn = await connectionOf(s.tdb.db, 'northwind');
    const northwind = await tenantBySlug(s.tdb.db, 'northwind');
    const hidden = await s.tdb.db
      .insertInto('tenants')
      .values({ workspace_id: northwind.workspace_id, slug: 'hidden-co', name: 'Hidden Co', entra_tenant_id: crypto.randomUUID(), status: 'active' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await s.tdb.db.deleteFrom('tenant_memberships').where('tenant_id', '=', hidden.id).execute();
    await sql`insert into operation_runs (tenant_id, type, provider_connection_id, trigger, status, outcome, dedupe_key)
              values (${hidden.id}, 'inventory.sync', ${conn.id}, 'system', 'running', 'pending', 'foreign')`.execute(s.tdb.db);
    const r = await startOp('northwind', { type: 'compliance.snapshot' });
    expect(r.status).toBe(409);
    const a = startAnswerSchema.parse(r.body);
    expect(a).toMatchObject({
      outcome: 'scope_busy',
      run: null,
      reason: { code: 'scope_busy', message: 'Another operation is using this provider connection.' },
    });
    expect(a.nextSteps).toEqual([{ label: 'View operations', url: '/admin/operations?tenant=northwind' }]);
    expect(r.text).not.toContain(hidden.id);
    const p = await call(s.base, 'GET', '/api/tenants/northwind/operations/compliance.snapshot/preflight', { cookie: cookies.owner });
    expect(p.body).toMatchObject({ wouldBe: 'scope_busy', run: null });
    expect(p.text).not.toContain(hidden.id);
    await s.tdb.db.deleteFrom('tenants').where('id', '=', hidden.id).execute();
  });

  it('an explicit connection pins that connection (contoso-lab "Secondary"), another scope than the default', async () => {
    const secondary = await connectionOf(s.tdb.db, 'contoso-lab', 'Secondary');
    const a = await startOp('contoso-lab', { type: 'inventory.sync' });
    const b = await startOp('contoso-lab', { type: 'compliance.snapshot', providerConnectionId: secondary.id });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.providerConnection.name).toBe('Primary');
    expect(b.body.providerConnection).toEqual({ id: secondary.id, name: 'Secondary' });
    const run = await s.tdb.db.selectFrom('operation_runs').select('provider_connection_id').where('id', '=', b.body.run.id).executeTakeFirstOrThrow();
    expect(run.provider_connection_id).toBe(secondary.id);
    const detail = await call(s.base, 'GET', `/api/operations/${b.body.run.id}`, { cookie: cookies.owner });
    expect(detail.body.providerConnection).toEqual({ id: secondary.id, name: 'Secondary' });
    // The same tenant work on the other connection is the same work: deduped to the run on
    // Primary, and the answer names the connection that run uses.
    const c = await startOp('contoso-lab', { type: 'inventory.sync', providerConnectionId: secondary.id });
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ outcome: 'deduped', label: 'already running', run: { id: a.body.run.id }, providerConnection: a.body.providerConnection });
  });

  it('an explicit connection of another tenant is answered like a missing one, naming nothing', async () => {
    const foreign = await connectionOf(s.tdb.db, 'fabrikam-retail');
    const r = await startOp('northwind', { type: 'inventory.sync', providerConnectionId: foreign.id });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ outcome: 'blocked', providerConnection: null, reason: { code: 'provider_connection_missing' } });
    expect(r.text).not.toContain('fabrikam');
  });
});

describe('every blocked fixture of the contract', () => {
  const cases = [
    { slug: 'woodgrove', type: 'inventory.sync', code: 'provider_consent_missing', first: 'Grant admin consent', params: { consentStatus: 'missing' } },
    { slug: 'tailspin', type: 'inventory.sync', code: 'provider_credentials_expired', first: 'Rotate the client secret' },
    {
      slug: 'alpine',
      type: 'entra_group_sync',
      code: 'provider_permission_missing',
      first: 'Grant the missing permissions',
      params: { missing: ['Group.Read.All'] },
    },
    { slug: 'adatum', type: 'inventory.sync', code: 'provider_connection_missing', first: 'Add or choose a default connection', noConnection: true },
    { slug: 'litware', type: 'inventory.sync', code: 'tenant_not_operable', first: 'Change tenant status', params: { status: 'suspended' } },
  ] as const;

  it.each(cases)('$slug $type -> 409 blocked $code', async (c) => {
    const before = await countRows(s.tdb.db);
    const r = await startOp(c.slug, { type: c.type });
    expect(r.status).toBe(409);
    const a = startAnswerSchema.parse(r.body);
    expect(a.outcome).toBe('blocked');
    expect(a.label).toBe('blocked');
    expect(a.operationType).toBe(c.type);
    // Titles come from the definition's noun; check the wording, not a copy of the registry.
    expect(a.title.endsWith(' blocked')).toBe(true);
    expect(a.reason?.code).toBe(c.code);
    const conn = 'noConnection' in c ? null : await connectionOf(s.tdb.db, c.slug);
    expect(a.providerConnection).toEqual(conn ? { id: conn.id, name: 'Primary' } : null);
    const expected = explain(c.code, 'params' in c ? (c.params as never) : {}, { tenantSlug: c.slug, providerConnectionId: conn?.id ?? null });
    if ('params' in c) expect(a.reason?.message).toBe(expected.message);
    expect(a.nextSteps.length).toBeGreaterThanOrEqual(1);
    expect(a.nextSteps[0]).toEqual({ label: c.first, url: expected.nextSteps[0]!.url });
    // Recorded as a blocked run, never enqueued.
    expect(a.run).not.toBeNull();
    const run = await s.tdb.db.selectFrom('operation_runs').selectAll().where('id', '=', a.run!.id).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'completed', outcome: 'blocked', reason_code: c.code });
    expect(await jobsFor(a.run!.id)).toBe(0);
    expect((await countRows(s.tdb.db)).jobs).toBe(before.jobs);
  });

  it('the permission message names the missing permission', async () => {
    const r = await startOp('alpine', { type: 'entra_group_sync' });
    expect(r.body.reason.message).toContain('Group.Read.All');
  });

  it('a next step the user cannot take is a hint naming who can, not a link', async () => {
    const r = await startOp('woodgrove', { type: 'inventory.sync' }, 'operator');
    expect(r.status).toBe(409);
    const [grant, verify] = startAnswerSchema.parse(r.body).nextSteps;
    expect(grant).toEqual({
      label: 'Grant admin consent',
      url: null,
      hint: 'Ask an owner or manager of this tenant (provider_connection.manage) to grant admin consent.',
    });
    expect(verify).toEqual({ label: 'Verify tenant', url: '/admin/t/woodgrove' });
  });

  it('verification is not blocked by missing consent (woodgrove)', async () => {
    const r = await startOp('woodgrove', { type: 'tenant.verification' }, 'operator');
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ outcome: 'accepted', title: `${REGISTRY['tenant.verification'].title} queued` });
  });
});

describe('the same problem reads the same on every surface (FR-216-010)', () => {
  it('start answer, run detail and notification share code, message and next step', async () => {
    const operator = await userByEmail(s.tdb.db, 'operator@contoso.example');
    const woodgrove = await tenantBySlug(s.tdb.db, 'woodgrove');
    const conn = await connectionOf(s.tdb.db, 'woodgrove');

    const started = await startOp('woodgrove', { type: 'inventory.sync' }, 'operator');
    const answer = startAnswerSchema.parse(started.body);

    // The blocked run's detail.
    const blockedRun = runSchema.parse((await call(s.base, 'GET', `/api/operations/${answer.run!.id}`, { cookie: cookies.operator })).body);
    expect(blockedRun).toMatchObject({ outcome: 'blocked', status: 'completed', title: 'Inventory sync blocked', reason: answer.reason });
    expect(blockedRun.nextSteps).toEqual(answer.nextSteps);
    expect(blockedRun.initiator).toEqual({ id: operator.id, email: 'operator@contoso.example' });

    // Accepted work that later failed for the same reason, as the worker records it.
    const { runId, notificationId } = await insertCompletedRun(s.tdb.db, {
      tenantId: woodgrove.id,
      type: 'inventory.sync',
      connectionId: conn.id,
      initiatorId: operator.id,
      outcome: 'failed',
      reasonCode: 'provider_consent_missing',
      reasonParams: { consentStatus: 'missing' },
      connectionName: 'Primary',
    });
    const failed = runSchema.parse((await call(s.base, 'GET', `/api/operations/${runId}`, { cookie: cookies.operator })).body);
    expect(failed).toMatchObject({
      outcome: 'failed',
      title: 'Inventory sync failed',
      reason: answer.reason,
      providerConnection: { id: conn.id, name: 'Primary' },
    });
    expect(failed.nextSteps).toEqual(answer.nextSteps);

    const list = await call(s.base, 'GET', '/api/notifications', { cookie: cookies.operator });
    expect(list.status).toBe(200);
    const n = list.body.items.map((i: unknown) => notificationSchema.parse(i)).find((i: { id: string }) => i.id === notificationId);
    expect(n).toMatchObject({
      runId,
      // FR-216-006: the notification names the tenant and the connection the run used.
      title: 'Inventory sync failed: Woodgrove Bank',
      body: `Ran on the connection “Primary”. ${answer.reason!.message} Next step: ${answer.nextSteps[0]!.label}.`,
      providerConnection: { id: conn.id, name: 'Primary' },
      reason: answer.reason,
      readAt: null,
    });
    expect(n.nextSteps).toEqual(answer.nextSteps);
    // Notifications are the initiator's only.
    const ownerList = await call(s.base, 'GET', '/api/notifications', { cookie: cookies.owner });
    expect(ownerList.body.items.map((i: { id: string }) => i.id)).not.toContain(notificationId);
  });
});

describe('input errors of the start route', () => {
  it('unknown type -> 400 naming type', async () => {
    const r = await startOp('northwind', { type: 'foo' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { code: 'invalid_request', message: 'type: unknown operation type "foo"' } });
  });

  it('missing type, wrong types, unknown fields -> 400 naming the field', async () => {
    expect((await startOp('northwind', {})).body.error.message).toBe('type: is required');
    expect((await startOp('northwind', { type: 'inventory.sync', providerConnectionId: 'nope' })).body.error.message).toBe(
      'providerConnectionId: must be a UUID',
    );
    expect((await startOp('northwind', { type: 'inventory.sync', extra: 1 })).body.error.message).toContain('unknown field "extra"');
    expect((await startOp('northwind', [1, 2])).body.error.message).toMatch(/^body: /);
  });

  it('restore.execute needs target.restoreRunId and the typed confirmation; with them the restore is queued', async () => {
    const missing = await startOp('northwind', { type: 'restore.execute' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/^target\.restoreRunId: /);
    const rr = await s.tdb.db.selectFrom('restore_runs').select(['id', 'name']).executeTakeFirstOrThrow();
    // The typed confirmation is part of the API, not only the console.
    const unconfirmed = await startOp('northwind', { type: 'restore.execute', target: { restoreRunId: rr.id } });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.error.message).toMatch(/^target\.confirm: /);
    const wrong = await startOp('northwind', { type: 'restore.execute', target: { restoreRunId: rr.id, confirm: 'northwind' } });
    expect(wrong.status).toBe(400);
    expect(await s.tdb.db.selectFrom('operation_runs').select('id').where('type', '=', 'restore.execute').execute()).toEqual([]);
    const ok = await startOp('northwind', { type: 'restore.execute', target: { restoreRunId: rr.id, confirm: rr.name } });
    expect(ok.status).toBe(202);
    expect(ok.body).toMatchObject({ outcome: 'accepted', title: `${REGISTRY['restore.execute'].title} queued`, action: 'Execute restore' });
    // Capability comes from the definition: operators may not execute restores.
    const op = await startOp('northwind', { type: 'restore.execute', target: { restoreRunId: rr.id, confirm: rr.name } }, 'operator');
    expect(op.status).toBe(403);
    expect(op.body.error.code).toBe('forbidden');
  });

  it('onboarding verification needs its session: 400 naming onboardingSessionId', async () => {
    const r = await startOp('northwind', { type: 'onboarding.verification' });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/^onboardingSessionId: /);
  });

  it('authorization is never an outcome: readonly 403, outsider 404, anonymous 401', async () => {
    const ro = await startOp('woodgrove', { type: 'inventory.sync' }, 'readonly');
    expect(ro.status).toBe(403);
    expect(ro.body.outcome).toBeUndefined();
    const out = await startOp('woodgrove', { type: 'inventory.sync' }, 'outsider');
    const none = await startOp('no-such-tenant', { type: 'inventory.sync' }, 'outsider');
    expect([out.status, none.status]).toEqual([404, 404]);
    expect(out.text).toBe(none.text);
    expect((await startOp('woodgrove', { type: 'inventory.sync' }, 'anonymous')).status).toBe(401);
  });
});

describe('preflight', () => {
  it('answers what a start would do, writes nothing', async () => {
    const before = await countRows(s.tdb.db);
    const pf = (slug: string, type: string, who: Persona = 'owner') =>
      call(s.base, 'GET', `/api/tenants/${slug}/operations/${type}/preflight`, { cookie: cookies[who] });
    const ok = await pf('northwind', 'inventory.sync');
    expect(ok.status).toBe(200);
    expect(preflightAnswerSchema.parse(ok.body)).toMatchObject({ wouldBe: 'accepted', label: 'queued', run: null, reason: null, nextSteps: [] });
    const blocked = preflightAnswerSchema.parse((await pf('woodgrove', 'inventory.sync')).body);
    expect(blocked).toMatchObject({ wouldBe: 'blocked', run: null, reason: { code: 'provider_consent_missing' } });
    expect(blocked.nextSteps.length).toBeGreaterThan(0);
    expect(await countRows(s.tdb.db)).toEqual(before);

    const holder = await startOp('northwind', { type: 'inventory.sync' });
    expect((await pf('northwind', 'inventory.sync')).body).toMatchObject({ wouldBe: 'deduped', run: holder.body.run });
    expect((await pf('northwind', 'compliance.snapshot')).body).toMatchObject({ wouldBe: 'scope_busy', run: holder.body.run, reason: { code: 'scope_busy' } });
    expect((await pf('northwind', 'nope')).status).toBe(400);
    expect((await pf('northwind', 'inventory.sync', 'readonly')).status).toBe(403);
    expect((await pf('northwind', 'inventory.sync', 'outsider')).status).toBe(404);
  });

  it('passes the explicit connection and the restore target through', async () => {
    const secondary = await connectionOf(s.tdb.db, 'contoso-lab', 'Secondary');
    const r = await call(s.base, 'GET', `/api/tenants/contoso-lab/operations/inventory.sync/preflight?providerConnectionId=${secondary.id}`, {
      cookie: cookies.owner,
    });
    expect(r.body).toMatchObject({ wouldBe: 'accepted', providerConnection: { id: secondary.id, name: 'Secondary' } });
    const rr = await s.tdb.db.selectFrom('restore_runs').select('id').executeTakeFirstOrThrow();
    const ok = await call(s.base, 'GET', `/api/tenants/northwind/operations/restore.execute/preflight?restoreRunId=${rr.id}`, { cookie: cookies.owner });
    expect(ok.body).toMatchObject({ wouldBe: 'accepted' });
    const missing = await call(s.base, 'GET', '/api/tenants/northwind/operations/restore.execute/preflight', { cookie: cookies.owner });
    expect(missing.status).toBe(400);
  });
});
