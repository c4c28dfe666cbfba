// One start on many tenants: the answers and the records are exactly those of N single starts,
// and a bulk start racing single starts and another bulk on overlapping tenants, across OS
// processes, never admits two active runs per scope or identity.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.ts';
import type { StartResult } from '../../src/gate/result.ts';
import { start } from '../../src/gate/start.ts';
import { startMany } from '../../src/gate/start-many.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { nodeBin } from '../helpers/node.ts';
import { seedDemoData, tenantBySlug, userByEmail } from '../helpers/seed.ts';
import { closeAll } from '../helpers/teardown.ts';

const run = promisify(execFile);
let a: TestDatabase;
let b: TestDatabase;

beforeAll(async () => {
  [a, b] = await Promise.all([createTestDatabase({ max: 30 }), createTestDatabase()]);
  await Promise.all([seedDemoData(a.db), seedDemoData(b.db)]);
});
afterAll(() => closeAll(a, b));

async function contosoTenants(db: Db) {
  const ws = await db.selectFrom('workspaces').select('id').where('slug', '=', 'contoso-msp').executeTakeFirstOrThrow();
  return db.selectFrom('tenants').select(['id', 'slug']).where('workspace_id', '=', ws.id).orderBy('slug').execute();
}

/** What the answers and the rows say, with ids replaced by slugs so two databases compare. */
async function snapshot(db: Db, results: StartResult[][]) {
  const tenants = new Map((await db.selectFrom('tenants').select(['id', 'slug']).execute()).map((t) => [t.id, t.slug]));
  const slug = (id: string) => tenants.get(id) ?? id;
  const answers = results.map((rs) =>
    rs.map((r) => ({
      tenant: slug(r.tenantId),
      outcome: r.outcome,
      connection: r.providerConnection?.name ?? null,
      reason: r.outcome === 'blocked' ? r.reason : null,
      reused: r.outcome === 'blocked' ? r.reusedRecord : null,
      runTenant: slug(r.run.tenantId),
      runType: r.run.type,
    })),
  );
  const { rows: runs } = await sql<Record<string, unknown>>`
    select t.slug, r.type, r.status, r.outcome, r.reason_code, r.reason_params, r.attempt_count, r.trigger,
           r.context, c.name as connection, r.blocked_fingerprint is not null as has_fp,
           replace(r.dedupe_key, r.tenant_id::text, t.slug) as dedupe_key,
           (select count(*)::int from graphile_worker._private_jobs j where j.key = r.id::text) as jobs
      from operation_runs r join tenants t on t.id = r.tenant_id left join provider_connections c on c.id = r.provider_connection_id
     order by t.slug, r.type, r.outcome, r.created_at`.execute(db);
  const { rows: audit } = await sql<Record<string, unknown>>`
    select t.slug, a.action, a.outcome, a.operation_type, a.reason_code, a.details->>'trigger' as trigger,
           a.details->>'reusedBlockedRecord' as reused, count(*)::int as n
      from audit_log a join tenants t on t.id = a.tenant_id
     group by 1, 2, 3, 4, 5, 6, 7 order by 1, 2, 3, 4, 5, 6, 7`.execute(db);
  // The two databases were seeded a moment apart: the expired secret's date differs by milliseconds.
  const dates = <T>(v: T): T => JSON.parse(JSON.stringify(v).replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<date>')) as T;
  return { answers: dates(answers), runs: dates(runs), audit };
}

describe('startMany', () => {
  it('answers and records exactly what N single starts would, twice in a row (deduped, reused blocked records)', async () => {
    const operator = async (db: Db) => (await userByEmail(db, 'operator@contoso.example')).id;
    const [ta, tb] = [await contosoTenants(a.db), await contosoTenants(b.db)];
    const bulk: StartResult[][] = [];
    const single: StartResult[][] = [];
    for (let round = 0; round < 2; round++) {
      bulk.push(await startMany(a.db, { type: 'inventory.sync', tenantIds: ta.map((t) => t.id), trigger: 'operator', initiatorUserId: await operator(a.db) }));
      const answers: StartResult[] = [];
      for (const t of tb)
        answers.push(await start(b.db, { type: 'inventory.sync', tenantId: t.id, trigger: 'operator', initiatorUserId: await operator(b.db) }));
      single.push(answers);
    }
    const [sa, sb] = [await snapshot(a.db, bulk), await snapshot(b.db, single)];
    expect(sa.answers).toEqual(sb.answers);
    expect(sa.runs).toEqual(sb.runs);
    expect(sa.audit).toEqual(sb.audit);
    // The demo's shape: queued where healthy, blocked with each broken tenant's reason.
    const first = Object.fromEntries(sa.answers[0]!.map((x) => [x.tenant, x.outcome === 'blocked' ? x.reason!.code : x.outcome]));
    expect(first).toMatchObject({
      northwind: 'accepted',
      'contoso-lab': 'accepted',
      alpine: 'accepted',
      woodgrove: 'provider_consent_missing',
      tailspin: 'provider_credentials_expired',
      adatum: 'provider_connection_missing',
      litware: 'tenant_not_operable',
    });
    expect(new Set(sa.answers[1]!.map((x) => x.outcome))).toEqual(new Set(['deduped', 'blocked']));
    expect(sa.answers[1]!.filter((x) => x.outcome === 'blocked').every((x) => x.reused)).toBe(true);
  });

  it('a busy scope is scope busy, the holder named; the same work on another connection is deduped to it', async () => {
    await sql`update operation_runs set status = 'completed', outcome = 'cancelled', completed_at = now() where status <> 'completed'`.execute(a.db);
    const northwind = await tenantBySlug(a.db, 'northwind');
    const lab = await tenantBySlug(a.db, 'contoso-lab');
    const holder = await start(a.db, { type: 'compliance.snapshot', tenantId: northwind.id, trigger: 'operator', initiatorUserId: null });
    const secondary = await a.db
      .selectFrom('provider_connections')
      .select('id')
      .where('tenant_id', '=', lab.id)
      .where('name', '=', 'Secondary')
      .executeTakeFirstOrThrow();
    const onSecondary = await start(a.db, {
      type: 'entra_group_sync',
      tenantId: lab.id,
      providerConnectionId: secondary.id,
      trigger: 'operator',
      initiatorUserId: null,
    });
    const [nw, cl] = await startMany(a.db, { type: 'entra_group_sync', tenantIds: [northwind.id, lab.id], trigger: 'scheduled', initiatorUserId: null });
    expect(nw).toMatchObject({ outcome: 'scope_busy', run: { id: holder.run.id, type: 'compliance.snapshot' } });
    expect(cl).toMatchObject({ outcome: 'deduped', run: { id: onSecondary.run.id }, providerConnection: { name: 'Secondary' } });
  });

  it('refuses what is not one start per tenant: restore runs, onboarding, repeated or unknown tenants', async () => {
    const t = (await contosoTenants(a.db))[0]!.id;
    const go = (o: Partial<Parameters<typeof startMany>[1]>) =>
      startMany(a.db, { type: 'inventory.sync', tenantIds: [t], trigger: 'system', initiatorUserId: null, ...o });
    await expect(go({ type: 'restore.execute' })).rejects.toMatchObject({ field: 'type' });
    await expect(go({ type: 'onboarding.verification' })).rejects.toMatchObject({ field: 'type' });
    await expect(go({ tenantIds: [t, t] })).rejects.toMatchObject({ field: 'tenants' });
    await expect(go({ tenantIds: [crypto.randomUUID()] })).rejects.toMatchObject({ field: 'tenants' });
  });
});

describe('race: bulk against single starts and another bulk, across processes', () => {
  it('3 processes on 240 overlapping tenants, two types: one active run per scope and identity, one answer per tenant each', async () => {
    await sql`update operation_runs set status = 'completed', outcome = 'cancelled', completed_at = now() where status <> 'completed'`.execute(a.db);
    const ws = await a.db.selectFrom('workspaces').select('id').where('slug', '=', 'contoso-msp').executeTakeFirstOrThrow();
    const healthy = await a.db
      .selectFrom('provider_connections')
      .selectAll()
      .where('tenant_id', '=', (await tenantBySlug(a.db, 'northwind')).id)
      .executeTakeFirstOrThrow();
    const { rows } = await sql<{ id: string }>`
      with t as (
        insert into tenants (workspace_id, slug, name, entra_tenant_id, status)
        select ${ws.id}, 'race-' || g, 'Race ' || g, gen_random_uuid()::text, 'active' from generate_series(1, 240) g
        returning id
      )
      insert into provider_connections (tenant_id, name, cloud, client_id, secret_ciphertext, consent_status, granted_permissions, verification_status, is_default)
      select t.id, 'Primary', 'sandbox', gen_random_uuid()::text, ${healthy.secret_ciphertext}, 'granted', ${healthy.granted_permissions}::text[], 'succeeded', true from t
      returning tenant_id as id`.execute(a.db);
    const ids = rows.map((r) => r.id);
    const user = (await userByEmail(a.db, 'operator@contoso.example')).id;
    const child = path.join(import.meta.dirname, 'bulk-race-child.ts');
    const at = String(Date.now() + 3000);
    const jobs: [string, string, string[]][] = [
      ['bulk', 'inventory.sync', ids.slice(0, 160)],
      ['bulk', 'compliance.snapshot', ids.slice(80, 240)],
      ['single', 'inventory.sync', ids.slice(40, 200)],
    ];
    const out = await Promise.all(
      jobs.map(([mode, type, tenants]) =>
        run(nodeBin(), [child, a.url, user, at, mode, type, tenants.join(','), '8'], { timeout: 90_000, maxBuffer: 1 << 24 }),
      ),
    );
    const answers = out.map((o) => JSON.parse(o.stdout) as { tenantId: string; outcome: string }[]);
    // Every tenant asked for got exactly one answer from each request.
    answers.forEach((list, i) => expect(list.map((x) => x.tenantId).sort()).toEqual([...jobs[i]![2]].sort()));
    // Per tenant: at most one accepted over every request (one scope), and the others deduped or scope busy.
    const byTenant = new Map<string, string[]>();
    for (const list of answers) for (const x of list) byTenant.set(x.tenantId, [...(byTenant.get(x.tenantId) ?? []), x.outcome]);
    for (const [, outcomes] of byTenant) {
      expect(outcomes.filter((o) => o === 'accepted').length).toBe(1);
      expect(outcomes.every((o) => ['accepted', 'deduped', 'scope_busy'].includes(o))).toBe(true);
    }
    const { rows: inv } = await sql<{ per_scope: number; per_identity: number; orphans: number; active: number }>`
      select (select coalesce(max(n), 0)::int from (select count(*) n from operation_runs where status in ('queued','running') group by provider_connection_id) s) as per_scope,
             (select coalesce(max(n), 0)::int from (select count(*) n from operation_runs where status in ('queued','running') group by dedupe_key) s) as per_identity,
             (select count(*)::int from operation_runs r where r.status = 'queued' and not exists
                (select 1 from graphile_worker._private_jobs j where j.key = r.id::text)) as orphans,
             (select count(*)::int from operation_runs where status in ('queued','running')) as active`.execute(a.db);
    expect(inv[0]).toEqual({ per_scope: 1, per_identity: 1, orphans: 0, active: 240 });
  });
});
