// Backups and restore runs over real HTTP: the tenant's backup items (paged), creating a
// restore run from some of them (every refusal names its field), and executing it with the
// typed confirmation through the one start route.
import crypto from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/http/routes/index.ts';
import { startAnswerSchema } from '../../src/http/schemas.ts';
import { connectionOf, tenantBySlug } from '../helpers/seed.ts';
import { call, freeAllScopes, loginAll, startTestServer, type Persona, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

let s: TestServer;
let cookies: Record<Persona, string | null>;
let fabrikamItemId: string;

const schemaOf = (method: string, url: string, status: number) => ROUTES.find((r) => r.method === method && r.url === url)!.responses[status]!.schema!;
const listSchema = () => schemaOf('GET', '/api/tenants/:tenant/backup-items', 200);
const createdSchema = () => schemaOf('POST', '/api/tenants/:tenant/restore-runs', 201);

async function addItems(slug: string, n: number, capturedAt: Date, prefix = 'Item'): Promise<string[]> {
  const tenant = await tenantBySlug(s.tdb.db, slug);
  const rows = await s.tdb.db
    .insertInto('backup_items')
    .values(
      Array.from({ length: n }, (_, i) => ({
        tenant_id: tenant.id,
        resource_type: 'deviceConfiguration' as const,
        source_id: crypto.randomUUID(),
        display_name: `${prefix} ${String(i).padStart(4, '0')}`,
        payload: JSON.stringify({ '@odata.type': '#microsoft.graph.windows10GeneralConfiguration', displayName: `${prefix} ${i}` }),
        assignments: JSON.stringify(i % 2 ? [{ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }] : []),
        captured_at: capturedAt,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

const list = (slug: string, query = '', who: Persona = 'owner') => call(s.base, 'GET', `/api/tenants/${slug}/backup-items${query}`, { cookie: cookies[who] });
const create = (slug: string, body: unknown, who: Persona = 'owner') =>
  call(s.base, 'POST', `/api/tenants/${slug}/restore-runs`, { cookie: cookies[who], body });
const seededIds = async () => (await list('northwind', '?limit=500')).body.items.map((i: { id: string }) => i.id) as string[];

beforeAll(async () => {
  s = await startTestServer();
  cookies = await loginAll(s.base);
  fabrikamItemId = (await addItems('fabrikam-retail', 1, new Date(), 'Fabrikam'))[0]!;
});
afterAll(() => closeAll(s));
beforeEach(async () => freeAllScopes(s.tdb.db));

describe('GET /api/tenants/{tenant}/backup-items', () => {
  it('lists the tenant’s items to every role, newest capture first, paged with limit and offset', async () => {
    const seeded = await list('northwind', '', 'readonly');
    expect(seeded.status).toBe(200);
    const first = listSchema().parse(seeded.body) as { items: { displayName: string }[]; total: number };
    expect(first.total).toBe(4);
    expect(seeded.body.items[0]).toEqual({
      id: expect.any(String),
      displayName: expect.any(String),
      resourceType: 'deviceConfiguration',
      capturedAt: expect.any(String),
      sourceId: expect.any(String),
      assignmentCount: 1,
      runId: null,
    });

    await addItems('contoso-lab', 150, new Date(Date.now() - 86_400_000), 'Older');
    await addItems('contoso-lab', 120, new Date(), 'Newer');
    const p1 = await list('contoso-lab', '?limit=100');
    const p3 = await list('contoso-lab', '?limit=100&offset=200');
    expect(p1.body).toMatchObject({ total: 270, limit: 100, offset: 0 });
    expect(p1.body.items).toHaveLength(100);
    expect(p1.body.items[0].displayName).toBe('Newer 0000');
    expect(p3.body.items).toHaveLength(70);
    expect(p3.body.items.at(-1).displayName).toBe('Older 0149');
    const all = [...p1.body.items, ...(await list('contoso-lab', '?limit=100&offset=100')).body.items, ...p3.body.items];
    expect(new Set(all.map((i: { id: string }) => i.id)).size).toBe(270);
    expect((await list('contoso-lab', '?limit=501')).status).toBe(400);
  });

  it('another workspace’s tenant reads as not there', async () => {
    expect((await list('northwind', '', 'outsider')).status).toBe(404);
    expect((await list('fabrikam-retail', '', 'owner')).status).toBe(404);
  });
});

describe('POST /api/tenants/{tenant}/restore-runs', () => {
  it('creates a ready restore run in the given order, audited; executing it with the typed name is queued', async () => {
    const ids = await seededIds();
    const chosen = [ids[2]!, ids[0]!];
    const res = await create('northwind', { name: '  Spring rollback  ', backupItemIds: chosen });
    expect(res.status).toBe(201);
    const rr = createdSchema().parse(res.body) as { id: string };
    expect(res.body).toMatchObject({ name: 'Spring rollback', status: 'ready', itemCount: 2, lastRun: null });

    const listed = await call(s.base, 'GET', '/api/tenants/northwind/restore-runs', { cookie: cookies.readonly });
    expect(listed.body.items.find((r: { id: string }) => r.id === rr.id)).toEqual(res.body);
    const detail = await call(s.base, 'GET', `/api/restore-runs/${rr.id}`, { cookie: cookies.owner });
    expect(detail.body.items.map((i: { backupItemId: string; position: number }) => [i.position, i.backupItemId])).toEqual([
      [0, chosen[0]],
      [1, chosen[1]],
    ]);

    const audit = await s.tdb.db.selectFrom('audit_log').selectAll().where('action', '=', 'restore_run.created').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      tenant_id: (await tenantBySlug(s.tdb.db, 'northwind')).id,
      details: { restoreRunId: rr.id, name: 'Spring rollback', itemCount: 2 },
    });

    const start = (confirm?: string) =>
      call(s.base, 'POST', '/api/tenants/northwind/operations', {
        cookie: cookies.manager,
        body: { type: 'restore.execute', target: { restoreRunId: rr.id, ...(confirm === undefined ? {} : { confirm }) } },
      });
    expect((await start()).status).toBe(400);
    const queued = await start('Spring rollback');
    expect(queued.status).toBe(202);
    expect(startAnswerSchema.parse(queued.body)).toMatchObject({ outcome: 'accepted', title: 'Restore queued' });
  });

  it('refuses bad input with a 400 naming the field, and creates nothing', async () => {
    const ids = await seededIds();
    const before = await s.tdb.db.selectFrom('restore_runs').select('id').execute();
    const cases: [unknown, RegExp][] = [
      [{ name: '', backupItemIds: [ids[0]] }, /^name: must not be empty$/],
      [{ name: '   ', backupItemIds: [ids[0]] }, /^name: must not be empty$/],
      [{ name: 'x'.repeat(201), backupItemIds: [ids[0]] }, /^name: is too long/],
      [{ backupItemIds: [ids[0]] }, /^name: is required$/],
      [{ name: 'Tab\tand\u0000NUL', backupItemIds: [ids[0]] }, /^name: must not contain control characters$/],
      [{ name: 'Empty', backupItemIds: [] }, /^backupItemIds: must name at least one backup item$/],
      [{ name: 'Missing' }, /^backupItemIds: is required$/],
      [{ name: 'Twice', backupItemIds: [ids[0], ids[1], ids[0]] }, /^backupItemIds: must not name a backup item twice$/],
      [{ name: 'Twice, other case', backupItemIds: [ids[0], ids[0]!.toUpperCase()] }, /^backupItemIds: must not name a backup item twice$/],
      [{ name: 'Too many', backupItemIds: Array.from({ length: 501 }, () => crypto.randomUUID()) }, /^backupItemIds: must name at most 500 backup items$/],
      [{ name: 'Not an id', backupItemIds: [ids[0], 'nope'] }, /^backupItemIds\.1: must be a UUID$/],
      [{ name: 'Unknown', backupItemIds: [ids[0], crypto.randomUUID()] }, /^backupItemIds\.1: is not a backup item of this tenant$/],
      [{ name: 'Extra', backupItemIds: [ids[0]], status: 'completed' }, /^body: unknown field "status"$/],
    ];
    for (const [body, message] of cases) {
      const res = await create('northwind', body);
      expect([res.status, res.body?.error?.message], JSON.stringify(body).slice(0, 100)).toEqual([400, expect.stringMatching(message)]);
    }
    expect(await s.tdb.db.selectFrom('restore_runs').select('id').execute()).toEqual(before);
  });

  it('treats another tenant’s backup item exactly like an unknown one', async () => {
    const ids = await seededIds();
    const foreign = await create('northwind', { name: 'Foreign', backupItemIds: [ids[0], fabrikamItemId] });
    const unknown = await create('northwind', { name: 'Foreign', backupItemIds: [ids[0], crypto.randomUUID()] });
    expect(foreign.status).toBe(400);
    expect(foreign.text).toBe(unknown.text);
  });

  it('a name is one restore run per tenant (409, whatever the case); another tenant may use it', async () => {
    const ids = await seededIds();
    expect((await create('northwind', { name: 'Quarterly', backupItemIds: [ids[0]] })).status).toBe(201);
    const again = await create('northwind', { name: 'QUARTERLY', backupItemIds: [ids[1]] });
    expect(again.status).toBe(409);
    expect(again.body.error).toEqual({ code: 'conflict', message: 'name: already used by another restore run of this tenant' });
    const [labItem] = await addItems('contoso-lab', 1, new Date(), 'Lab');
    expect((await create('contoso-lab', { name: 'Quarterly', backupItemIds: [labItem] })).status).toBe(201);
    // Two at once with one name: exactly one wins, the other reads as taken.
    const race = await Promise.all([0, 1].map(() => create('northwind', { name: 'Raced', backupItemIds: [ids[2]] })));
    expect(race.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it('needs restore.execute (403 for operator and readonly; managers may); other workspaces get 404', async () => {
    const ids = await seededIds();
    for (const who of ['operator', 'readonly'] as const) {
      const res = await create('northwind', { name: `By ${who}`, backupItemIds: [ids[0]] }, who);
      expect([res.status, res.body.error.code]).toEqual([403, 'forbidden']);
    }
    expect((await create('northwind', { name: 'By manager', backupItemIds: [ids[0]] }, 'manager')).status).toBe(201);
    const outsider = await create('northwind', { name: 'By outsider', backupItemIds: [ids[0]] }, 'outsider');
    expect([outsider.status, outsider.text]).toEqual([404, JSON.stringify({ error: { code: 'not_found', message: 'Not found.' } })]);
    expect((await create('fabrikam-retail', { name: 'Cross', backupItemIds: [fabrikamItemId] }, 'owner')).status).toBe(404);
  });
});

describe('starting backup.capture', () => {
  it('is queued for owners, deduped per tenant across connections, and refused to operators', async () => {
    const secondary = await connectionOf(s.tdb.db, 'contoso-lab', 'Secondary');
    const first = await call(s.base, 'POST', '/api/tenants/contoso-lab/operations', { cookie: cookies.owner, body: { type: 'backup.capture' } });
    expect(first.status).toBe(202);
    expect(startAnswerSchema.parse(first.body)).toMatchObject({ outcome: 'accepted', title: 'Backup capture queued', action: 'Capture backup' });
    const again = await call(s.base, 'POST', '/api/tenants/contoso-lab/operations', {
      cookie: cookies.manager,
      body: { type: 'backup.capture', providerConnectionId: secondary.id },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ outcome: 'deduped', run: first.body.run, providerConnection: { name: 'Primary' } });
    const op = await call(s.base, 'POST', '/api/tenants/contoso-lab/operations', { cookie: cookies.operator, body: { type: 'backup.capture' } });
    expect(op.status).toBe(403);
  });
});
