// Long lists over real HTTP: keyset paging (limit, cursor), search (q) and sort on a tenant's
// inventory, groups, role definitions and backup items, on runs and on the tenant list. Every
// walk of the pages serves each row exactly once, in the order asked for, and every bad
// paging parameter is a 400 naming it.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/http/routes/index.ts';
import { tenantBySlug } from '../helpers/seed.ts';
import { call, loginAll, startTestServer, type Persona, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

let s: TestServer;
let cookies: Record<Persona, string | null>;

const get = (path: string, who: Persona = 'owner') => call(s.base, 'GET', path, { cookie: cookies[who] });
const schemaOf = (url: string) => ROUTES.find((r) => r.method === 'GET' && r.url === url)!.responses[200]!.schema!;

/** Follows `next` from `first` to the end; returns every item in order and the pages' sizes. */
async function walk<T>(first: string): Promise<{ items: T[]; sizes: number[]; total: number }> {
  const items: T[] = [];
  const sizes: number[] = [];
  let url: string | null = first;
  let total = -1;
  while (url) {
    const r = await get(url);
    expect(r.status, r.text).toBe(200);
    items.push(...r.body.items);
    sizes.push(r.body.items.length);
    total = r.body.total ?? total;
    const sep: string = first.includes('?') ? '&' : '?';
    url = r.body.next ? `${first}${sep}cursor=${encodeURIComponent(r.body.next)}` : null;
    if (sizes.length > 200) throw new Error('no end');
  }
  return { items, sizes, total };
}

async function dbOrder(dir: 'asc' | 'desc'): Promise<string[]> {
  const alpine = await tenantBySlug(s.tdb.db, 'alpine');
  const { rows } = await sql<{ k: string }>`
    select kind || '/' || external_id as k from inventory_items where tenant_id = ${alpine.id}
    order by display_name ${sql.raw(dir)}, kind ${sql.raw(dir)}, external_id ${sql.raw(dir)}`.execute(s.tdb.db);
  return rows.map((r) => r.k);
}

beforeAll(async () => {
  s = await startTestServer();
  cookies = await loginAll(s.base);
  const alpine = await tenantBySlug(s.tdb.db, 'alpine');
  // 1,200 inventory items with repeated names and two sync instants (ties on every sort key
  // but the unique one), plus names that hold LIKE's wildcards.
  await sql`delete from inventory_items where tenant_id = ${alpine.id}`.execute(s.tdb.db);
  await sql`
    insert into inventory_items (tenant_id, kind, external_id, display_name, data, synced_at)
    select ${alpine.id}, (array['deviceConfiguration','configurationPolicy','compliancePolicy'])[1 + i % 3], 'ext-' || lpad(i::text, 5, '0'),
           'Policy ' || lpad((i % 400)::text, 3, '0'), '{}', case when i % 2 = 0 then timestamptz '2026-01-01 00:00:00.123456Z' else timestamptz '2026-01-02 00:00:00Z' end
    from generate_series(1, 1200) i`.execute(s.tdb.db);
  await sql`
    insert into inventory_items (tenant_id, kind, external_id, display_name, data)
    values (${alpine.id}, 'compliancePolicy', 'w1', '100% compliant_baseline', '{}'), (${alpine.id}, 'compliancePolicy', 'w2', '100 percent compliantXbaseline', '{}')`.execute(
    s.tdb.db,
  );
  await sql`
    insert into entra_groups (tenant_id, external_id, display_name, mail, data)
    select ${alpine.id}, 'g-' || i, 'Group ' || lpad(i::text, 4, '0'), case when i % 10 = 0 then 'team' || i || '@alpine.example' end, '{}'
    from generate_series(1, 450) i on conflict do nothing`.execute(s.tdb.db);
});
afterAll(() => closeAll(s));

describe('inventory', () => {
  it('serves every item once per sort, in that order, page by page', async () => {
    const sorts: Record<string, (a: Item, b: Item) => number> = {
      kind: (a, b) => cmp(a.kind, b.kind) || cmp(a.displayName, b.displayName) || cmp(a.externalId, b.externalId),
      name: (a, b) => cmp(a.displayName, b.displayName) || cmp(a.kind, b.kind) || cmp(a.externalId, b.externalId),
      '-name': (a, b) => -(cmp(a.displayName, b.displayName) || cmp(a.kind, b.kind) || cmp(a.externalId, b.externalId)),
      synced: (a, b) => cmp(a.syncedAt, b.syncedAt) || cmp(a.kind, b.kind) || cmp(a.externalId, b.externalId),
      '-synced': (a, b) => -(cmp(a.syncedAt, b.syncedAt) || cmp(a.kind, b.kind) || cmp(a.externalId, b.externalId)),
    };
    for (const [sort, order] of Object.entries(sorts)) {
      const { items, sizes, total } = await walk<Item>(`/api/tenants/alpine/inventory?limit=250&sort=${sort}`);
      expect(total).toBe(1202);
      expect(items).toHaveLength(1202);
      expect(new Set(items.map((i) => `${i.kind}/${i.externalId}`)).size).toBe(1202);
      expect(sizes).toEqual([250, 250, 250, 250, 202]);
      // The database's collation orders the names: compare name sorts with its own order by.
      if (!sort.includes('name')) expect(items).toEqual([...items].sort(order));
      else expect(items.map((i) => `${i.kind}/${i.externalId}`)).toEqual(await dbOrder(sort === 'name' ? 'asc' : 'desc'));
    }
  });

  it('answers the strict page shape, with next null on the last page', async () => {
    const r = await get('/api/tenants/alpine/inventory?limit=5');
    expect(() => schemaOf('/api/tenants/:tenant/inventory').parse(r.body)).not.toThrow();
    expect(r.body).toMatchObject({ total: 1202, limit: 5, offset: 0, next: expect.any(String) });
    const last = await get('/api/tenants/alpine/inventory?limit=500&offset=1000');
    expect(last.body).toMatchObject({ offset: 1000, next: null });
    expect(last.body.items).toHaveLength(202);
  });

  it('searches the name case-insensitively, taking % and _ literally, and counts the matches', async () => {
    const r = await get(`/api/tenants/alpine/inventory?q=${encodeURIComponent('100% COMPLIANT_')}`);
    expect(r.body.items.map((i: Item) => i.displayName)).toEqual(['100% compliant_baseline']);
    expect(r.body.total).toBe(1);
    // "Policy 010" … "Policy 019", three of each.
    const some = await walk<Item>('/api/tenants/alpine/inventory?q=policy%2001&limit=7&sort=-name');
    expect(some.total).toBe(30);
    expect(some.items.every((i) => i.displayName.toLowerCase().includes('policy 01'))).toBe(true);
    expect(some.items).toHaveLength(30);
    const kindAndQ = await get('/api/tenants/alpine/inventory?kind=compliancePolicy&q=100');
    // "Policy 100" is item 100, 500 and 900, of which only 500 is a compliance policy.
    expect(kindAndQ.body.items.map((i: Item) => i.externalId).sort()).toEqual(['ext-00500', 'w1', 'w2']);
  });

  it('refuses bad paging with a 400 that names the field', async () => {
    const first = (await get('/api/tenants/alpine/inventory?limit=3&sort=name')).body.next as string;
    const cases: [string, RegExp][] = [
      ['?cursor=nonsense', /^cursor: must be the `next` value of a previous page$/],
      [`?cursor=${Buffer.from('["name","a"]').toString('base64url')}`, /^cursor: /],
      [`?cursor=${Buffer.from('["synced","not a date","k","x"]').toString('base64url')}`, /^cursor: /],
      [`?cursor=${encodeURIComponent(first)}&sort=kind`, /^sort: differs from the cursor's sort \(name\)/],
      [`?cursor=${encodeURIComponent(first)}&offset=3`, /^offset: cannot be combined with cursor$/],
      ['?sort=size', /^sort: must be one of kind, name, -name, synced, -synced$/],
      [`?q=${'x'.repeat(201)}`, /^q: is too long/],
      ['?limit=501', /^limit: must be at most 500$/],
    ];
    for (const [query, message] of cases) {
      const r = await get(`/api/tenants/alpine/inventory${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.error.message, query).toMatch(message);
    }
  });

  it('a cursor keeps its place when rows before it are removed (no row skipped or repeated)', async () => {
    const p1 = await get('/api/tenants/alpine/groups?limit=100');
    const alpine = await tenantBySlug(s.tdb.db, 'alpine');
    const removed = p1.body.items.slice(0, 10).map((g: { externalId: string }) => g.externalId);
    await s.tdb.db.deleteFrom('entra_groups').where('tenant_id', '=', alpine.id).where('external_id', 'in', removed).execute();
    const p2 = await get(`/api/tenants/alpine/groups?limit=100&cursor=${encodeURIComponent(p1.body.next)}`);
    expect(p2.body.items[0].displayName).toBe('Group 0101');
  });
});

describe('groups, role definitions, backup items', () => {
  it('groups: search over name and mail, sorted by name either way', async () => {
    const byMail = await get('/api/tenants/alpine/groups?q=TEAM20');
    expect(byMail.body.items.map((g: { mail: string }) => g.mail).sort()).toEqual(['team200@alpine.example', 'team20@alpine.example']);
    const desc = await walk<{ displayName: string }>('/api/tenants/alpine/groups?sort=-name&limit=90&q=group');
    expect(desc.items.length).toBeGreaterThan(300);
    expect(desc.items[0]!.displayName > desc.items.at(-1)!.displayName).toBe(true);
    const page = await get('/api/tenants/alpine/groups?limit=2');
    expect(() => schemaOf('/api/tenants/:tenant/groups').parse(page.body)).not.toThrow();
  });

  it('role definitions and backup items page by cursor too', async () => {
    const roles = await walk<{ externalId: string }>('/api/tenants/northwind/role-definitions?limit=1');
    expect(new Set(roles.items.map((r) => r.externalId)).size).toBe(roles.items.length);
    const backups = await get('/api/tenants/northwind/backup-items?limit=1&sort=name');
    expect(backups.status).toBe(200);
    expect(() => schemaOf('/api/tenants/:tenant/backup-items').parse(backups.body)).not.toThrow();
  });
});

describe('runs', () => {
  it('pages newest first by cursor, exact when runs share an instant', async () => {
    const northwind = await tenantBySlug(s.tdb.db, 'northwind');
    await sql`
      insert into operation_runs (tenant_id, type, trigger, status, outcome, created_at, started_at, completed_at)
      select ${northwind.id}, 'inventory.sync', 'system', 'completed', 'succeeded', t, t, t
      from generate_series(1, 30) i, (select timestamptz '2020-01-01 00:00:00Z' as t) x`.execute(s.tdb.db);
    const all = await walk<{ id: string; createdAt: string }>('/api/operations?tenant=northwind&limit=7');
    expect(all.items.length).toBeGreaterThanOrEqual(30);
    expect(new Set(all.items.map((r) => r.id)).size).toBe(all.items.length);
    const times = all.items.map((r) => Date.parse(r.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect((await get('/api/operations?cursor=xyz')).body.error.message).toBe('cursor: must be the `next` value of a previous page');
  });
});

describe('tenants', () => {
  it('answers a small list whole, and pages, searches and sorts on request', async () => {
    const all = await get('/api/tenants');
    expect(all.body.items.map((t: { slug: string }) => t.slug)).toEqual(['adatum', 'alpine', 'contoso-lab', 'litware', 'northwind', 'tailspin', 'woodgrove']);
    expect(all.body).toMatchObject({ total: 7, next: null });
    const paged = await walk<{ slug: string }>('/api/tenants?limit=3&sort=-slug');
    expect(paged.items.map((t) => t.slug)).toEqual(['woodgrove', 'tailspin', 'northwind', 'litware', 'contoso-lab', 'alpine', 'adatum']);
    expect(paged.sizes).toEqual([3, 3, 1]);
    const q = await get('/api/tenants?q=CONTOSO');
    expect(q.body.items.map((t: { slug: string }) => t.slug)).toEqual(['contoso-lab']);
    const bySlugPart = await get('/api/tenants?q=wind');
    expect(bySlugPart.body.items.map((t: { slug: string }) => t.slug)).toEqual(['northwind']);
    expect((await get('/api/tenants?q=northwind', 'outsider')).body).toMatchObject({ items: [], total: 0 });
  });

  it('holds 10,000 tenants: a searched page answers fast and the walk serves each once', async () => {
    const owner = await s.tdb.db.selectFrom('users').select('id').where('email', '=', 'owner@contoso.example').executeTakeFirstOrThrow();
    const ws = await s.tdb.db.selectFrom('tenants').select('workspace_id').where('slug', '=', 'northwind').executeTakeFirstOrThrow();
    await sql`
      with t as (
        insert into tenants (workspace_id, slug, name, entra_tenant_id, status)
        select ${ws.workspace_id}, 'bulk-' || lpad(i::text, 5, '0'), 'Customer ' || lpad(i::text, 5, '0'), gen_random_uuid()::text, 'active'
        from generate_series(1, 10000) i returning id)
      insert into tenant_memberships (tenant_id, user_id, role) select id, ${owner.id}, 'owner' from t`.execute(s.tdb.db);
    const t0 = Date.now();
    const first = await get('/api/tenants?q=customer%2000042&limit=20');
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(first.body.items.map((t: { slug: string }) => t.slug)).toEqual(['bulk-00042']);
    const walked = await walk<{ id: string }>('/api/tenants?limit=500&q=customer');
    expect(walked.total).toBe(10_000);
    expect(new Set(walked.items.map((t) => t.id)).size).toBe(10_000);
    // Without a limit, the list answers its first 100 and says where the rest starts.
    const unpaged = await get('/api/tenants');
    expect(unpaged.body.items).toHaveLength(100);
    expect(unpaged.body).toMatchObject({ total: 10_007, limit: 100, next: expect.any(String) });
    expect((await get('/api/tenants?limit=501')).body.error.message).toMatch(/^limit: /);
  }, 120_000);
});

interface Item {
  kind: string;
  externalId: string;
  displayName: string;
  syncedAt: string;
}
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
