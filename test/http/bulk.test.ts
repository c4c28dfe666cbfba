// POST /api/workspaces/{ws}/bulk-operations and GET /api/bulk-operations/{id}: every tenant's
// answer in the single start's words, counts, blocked grouped by reason, forbidden where the
// role lacks the capability, tenants the user cannot see never mentioned.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkSchema } from '../../src/http/routes/bulk.ts';
import { startAnswerSchema } from '../../src/http/schemas.ts';
import { tenantBySlug, userByEmail } from '../helpers/seed.ts';
import { call, freeAllScopes, loginAll, startTestServer, type Persona, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

let s: TestServer;
let cookies: Record<Persona, string | null>;

beforeAll(async () => {
  s = await startTestServer();
  cookies = await loginAll(s.base);
});
afterAll(() => closeAll(s));

const bulk = (who: Persona, body: unknown, ws = 'contoso-msp') => call(s.base, 'POST', `/api/workspaces/${ws}/bulk-operations`, { cookie: cookies[who], body });

describe('bulk start', () => {
  it('"Sync inventory" on all: queued for the healthy, blocked grouped by reason, each item what a single start answers', async () => {
    await freeAllScopes(s.tdb.db);
    const res = await bulk('operator', { type: 'inventory.sync', tenants: 'all' });
    expect(res.status).toBe(200);
    const body = bulkSchema.parse(res.body);
    const by = Object.fromEntries(body.items.map((i) => [i.tenant.slug, i]));
    // "all" is every active tenant: litware (suspended) is not in it.
    expect(Object.keys(by).sort()).toEqual(['adatum', 'alpine', 'contoso-lab', 'northwind', 'tailspin', 'woodgrove']);
    expect(body.counts).toEqual({ accepted: 3, deduped: 0, scope_busy: 0, blocked: 3, forbidden: 0 });
    expect(body.blockedByReason.map((g) => [g.code, g.count]).sort()).toEqual([
      ['provider_connection_missing', 1],
      ['provider_consent_missing', 1],
      ['provider_credentials_expired', 1],
    ]);
    expect(body.progress).toMatchObject({ queued: 3 });
    // Each item is the single start's answer for that tenant (same presenter): compare with
    // what a single start answers now (already running for the accepted, blocked again).
    for (const slug of ['northwind', 'woodgrove']) {
      const single = startAnswerSchema.parse(
        (await call(s.base, 'POST', `/api/tenants/${slug}/operations`, { cookie: cookies.operator, body: { type: 'inventory.sync' } })).body,
      );
      const { tenant: _t, outcome: _o, label: _l, run, ...rest } = by[slug]!;
      const { outcome, label, run: singleRun, ...singleRest } = single;
      if (slug === 'woodgrove') {
        expect([outcome, label]).toEqual(['blocked', 'blocked']);
        expect(rest).toEqual(singleRest);
      } else {
        expect([outcome, singleRun?.id]).toEqual(['deduped', run?.id]);
        expect(rest.providerConnection).toEqual(singleRest.providerConnection);
      }
    }
    // Again: the same work is already running.
    const again = bulkSchema.parse((await bulk('operator', { type: 'inventory.sync', tenants: ['northwind', 'woodgrove'] })).body);
    expect(again.items.map((i) => [i.tenant.slug, i.label])).toEqual([
      ['northwind', 'already running'],
      ['woodgrove', 'blocked'],
    ]);
    // Shown again with live status.
    const detail = await call(s.base, 'GET', `/api/bulk-operations/${body.id}`, { cookie: cookies.owner });
    expect(detail.status).toBe(200);
    expect(bulkSchema.parse(detail.body).items.find((i) => i.tenant.slug === 'northwind')!.run).toMatchObject({ status: 'queued', outcome: 'pending' });
  });

  it('forbidden where the role lacks the capability; tenants the user cannot see are never mentioned', async () => {
    await freeAllScopes(s.tdb.db);
    const operator = await userByEmail(s.tdb.db, 'operator@contoso.example');
    const alpine = await tenantBySlug(s.tdb.db, 'alpine');
    const adatum = await tenantBySlug(s.tdb.db, 'adatum');
    await sql`update tenant_memberships set role = 'readonly' where user_id = ${operator.id} and tenant_id = ${alpine.id}`.execute(s.tdb.db);
    await sql`delete from tenant_memberships where user_id = ${operator.id} and tenant_id = ${adatum.id}`.execute(s.tdb.db);
    try {
      const body = bulkSchema.parse((await bulk('operator', { type: 'entra_group_sync', tenants: 'all' })).body);
      const by = Object.fromEntries(body.items.map((i) => [i.tenant.slug, i]));
      expect(by.alpine).toMatchObject({ outcome: 'forbidden', label: 'forbidden', run: null, reason: { code: 'forbidden' } });
      expect(by.adatum).toBeUndefined();
      expect(body.counts.forbidden).toBe(1);
      // Nothing was started or recorded on the forbidden tenant.
      const runs = await s.tdb.db.selectFrom('operation_runs').select('id').where('tenant_id', '=', alpine.id).where('type', '=', 'entra_group_sync').execute();
      expect(runs).toEqual([]);
      // Listing a tenant the user cannot see reads like an unknown one.
      const hidden = await bulk('operator', { type: 'entra_group_sync', tenants: ['northwind', 'adatum'] });
      expect([hidden.status, hidden.body.error.message]).toEqual([400, 'tenants.1: no such tenant']);
    } finally {
      await sql`update tenant_memberships set role = 'operator' where user_id = ${operator.id} and tenant_id = ${alpine.id}`.execute(s.tdb.db);
      await sql`insert into tenant_memberships (tenant_id, user_id, role) values (${adatum.id}, ${operator.id}, 'operator') on conflict do nothing`.execute(
        s.tdb.db,
      );
    }
  });

  it('access: readonly 403, another workspace 404, anonymous 401; a bulk is shown only in its workspace', async () => {
    expect((await bulk('readonly', { type: 'inventory.sync', tenants: 'all' })).status).toBe(403);
    expect((await bulk('outsider', { type: 'inventory.sync', tenants: 'all' })).status).toBe(404);
    expect((await bulk('anonymous', { type: 'inventory.sync', tenants: 'all' })).status).toBe(401);
    const mine = await bulk('owner', { type: 'compliance.snapshot', tenants: ['northwind'] });
    expect((await call(s.base, 'GET', `/api/bulk-operations/${mine.body.id}`, { cookie: cookies.outsider })).status).toBe(404);
    const list = await call(s.base, 'GET', '/api/workspaces/contoso-msp/bulk-operations', { cookie: cookies.readonly });
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(mine.body.id);
  });

  it('bad input is a 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ type: 'nope', tenants: 'all' }, 'type: '],
      [{ type: 'inventory.sync' }, 'tenants: '],
      [{ type: 'inventory.sync', tenants: [] }, 'tenants: '],
      [{ type: 'inventory.sync', tenants: 'some' }, 'tenants: '],
      [{ type: 'inventory.sync', tenants: ['Not A Slug'] }, 'tenants.0: '],
      [{ type: 'inventory.sync', tenants: ['northwind', 'northwind'] }, 'tenants.1: '],
      [{ type: 'inventory.sync', tenants: ['no-such-tenant'] }, 'tenants.0: '],
      [{ type: 'restore.execute', tenants: 'all' }, 'type: '],
      [{ type: 'inventory.sync', tenants: 'all', extra: 1 }, ''],
    ];
    for (const [body, prefix] of cases) {
      const r = await bulk('owner', body);
      expect([JSON.stringify(body), r.status, r.body.error.code]).toEqual([JSON.stringify(body), 400, 'invalid_request']);
      expect(r.body.error.message.startsWith(prefix)).toBe(true);
    }
  });
});
