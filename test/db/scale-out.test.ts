// Scale-out stays possible (migration 0020): every table the gate touches carries workspace_id,
// every unique index the gate relies on includes it, and the column always holds the row's own
// tenant's workspace, whoever wrote the row.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../../src/gate/start.ts';
import { startMany } from '../../src/gate/start-many.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { connectionOf, seedDemoData, tenantBySlug, userByEmail } from '../helpers/seed.ts';
import { closeAll } from '../helpers/teardown.ts';

// What the gate reads and writes: src/gate/resolve.ts (tenants, connections, apps) and the
// admission functions (runs, audit rows).
const GATE_TABLES = ['tenants', 'provider_connections', 'app_registrations', 'operation_runs', 'audit_log'];
const GATE_ARBITERS = ['operation_runs_one_active_per_scope', 'operation_runs_one_active_per_identity', 'provider_connections_one_default'];

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase({ max: 4 });
  await seedDemoData(tdb.db);
});
afterAll(() => closeAll(tdb));

interface UniqueIndex {
  name: string;
  table: string;
  columns: string[];
  primary: boolean;
}

async function uniqueIndexes(): Promise<UniqueIndex[]> {
  const { rows } = await sql<UniqueIndex>`
    select i.relname as name, t.relname as "table", x.indisprimary as primary,
           array(select a.attname::text from unnest(x.indkey) k join pg_attribute a on a.attrelid = t.oid and a.attnum = k) as columns
      from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
     where x.indisunique and t.relname in ('operation_runs', 'provider_connections')`.execute(tdb.db);
  return rows;
}

describe('workspace_id for scale-out by workspace', () => {
  it('every table the gate touches has a workspace_id column', async () => {
    const { rows } = await sql<{ table_name: string }>`
      select table_name from information_schema.columns
       where table_schema = 'public' and column_name = 'workspace_id'`.execute(tdb.db);
    const have = new Set(rows.map((r) => r.table_name));
    expect(GATE_TABLES.filter((t) => !have.has(t))).toEqual([]);
  });

  it('every unique index arbitrating admission includes workspace_id, and so does any other on runs and connections but the primary keys', async () => {
    const indexes = await uniqueIndexes();
    for (const name of GATE_ARBITERS) {
      expect(indexes.find((i) => i.name === name)?.columns, name).toContain('workspace_id');
    }
    // A unique index added later to these tables needs the column too, or a distributed
    // database cannot hold it. Primary keys are random UUIDs; they join the column when the
    // schema is distributed (docs/ARCHITECTURE.md).
    expect(indexes.filter((i) => !i.primary && !i.columns.includes('workspace_id')).map((i) => i.name)).toEqual([]);
  });

  it("connections and runs written without the column (seed, single and bulk starts) hold their tenant's workspace", async () => {
    const operator = await userByEmail(tdb.db, 'operator@contoso.example');
    const northwind = await tenantBySlug(tdb.db, 'northwind');
    const woodgrove = await tenantBySlug(tdb.db, 'woodgrove');
    const lab = await tenantBySlug(tdb.db, 'contoso-lab');
    const single = await start(tdb.db, { type: 'inventory.sync', tenantId: northwind.id, trigger: 'operator', initiatorUserId: operator.id });
    expect(single.outcome).toBe('accepted');
    const many = await startMany(tdb.db, {
      type: 'compliance.snapshot',
      tenantIds: [lab.id, woodgrove.id],
      trigger: 'operator',
      initiatorUserId: operator.id,
    });
    expect(many.map((a) => a.outcome).sort()).toEqual(['accepted', 'blocked']);
    const { rows } = await sql<{ table: string; wrong: number; total: number }>`
      select 'operation_runs' as "table", count(*) filter (where r.workspace_id is distinct from t.workspace_id)::int as wrong, count(*)::int as total
        from operation_runs r join tenants t on t.id = r.tenant_id
      union all
      select 'provider_connections', count(*) filter (where c.workspace_id is distinct from t.workspace_id)::int, count(*)::int
        from provider_connections c join tenants t on t.id = c.tenant_id`.execute(tdb.db);
    for (const r of rows) {
      expect(r.total, r.table).toBeGreaterThan(0);
      expect(r.wrong, r.table).toBe(0);
    }
  });

  it("a row naming another workspace than its tenant's is refused", async () => {
    const northwind = await tenantBySlug(tdb.db, 'northwind');
    const other = await tdb.db.insertInto('workspaces').values({ slug: 'elsewhere', name: 'Elsewhere' }).returning('id').executeTakeFirstOrThrow();
    const attempt = sql`insert into operation_runs (workspace_id, tenant_id, type, trigger, status, outcome, completed_at)
      values (${other.id}, ${northwind.id}, 'inventory.sync', 'system', 'completed', 'cancelled', now())`.execute(tdb.db);
    await expect(attempt).rejects.toMatchObject({ code: '23503' });
    const connection = sql`insert into provider_connections (workspace_id, tenant_id, name, client_id)
      values (${other.id}, ${northwind.id}, 'Elsewhere', '00000000-0000-0000-0000-000000000001')`.execute(tdb.db);
    await expect(connection).rejects.toMatchObject({ code: '23503' });
    // Nor may a run hold a connection of another workspace: the scope index, which includes the
    // column, would not see it.
    const fabrikam = await tenantBySlug(tdb.db, 'fabrikam-retail');
    const northwindConnection = await connectionOf(tdb.db, 'northwind');
    const foreign = sql`insert into operation_runs (tenant_id, type, provider_connection_id, trigger, status, outcome, dedupe_key)
      values (${fabrikam.id}, 'inventory.sync', ${northwindConnection.id}, 'system', 'running', 'pending', 'foreign')`.execute(tdb.db);
    await expect(foreign).rejects.toMatchObject({ code: '23503' });
  });
});
