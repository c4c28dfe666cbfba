// SC-216-003 / FR-216-007: concurrent starts for one protected scope admit at most one run,
// from many connections and from several OS processes at once; and concurrent starts of the
// same tenant work on different connections of the tenant admit at most one run.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../../src/gate/start.ts';
import type { OperationType } from '../../src/operations/definition.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { nodeBin } from '../helpers/node.ts';
import { seedDemoData, tenantBySlug, userByEmail } from '../helpers/seed.ts';

const run = promisify(execFile);
let tdb: TestDatabase;
let tenantId: string;
let userId: string;

beforeAll(async () => {
  tdb = await createTestDatabase({ max: 60 });
  await seedDemoData(tdb.db);
  tenantId = (await tenantBySlug(tdb.db, 'northwind')).id;
  userId = (await userByEmail(tdb.db, 'operator@contoso.example')).id;
});
afterAll(async () => tdb.close());

async function resetActive() {
  await sql`update operation_runs set status = 'completed', outcome = 'cancelled', completed_at = now() where status <> 'completed'`.execute(tdb.db);
}

async function invariants() {
  const { rows } = await sql<{ active: number; orphan_runs: number; orphan_jobs: number; max_per_scope: number }>`
    select
      (select count(*)::int from operation_runs where status in ('queued', 'running')) as active,
      (select count(*)::int from operation_runs r where r.status = 'queued'
         and not exists (select 1 from graphile_worker._private_jobs j where j.key = r.id::text)) as orphan_runs,
      (select count(*)::int from graphile_worker._private_jobs j
         where not exists (select 1 from operation_runs r where r.id::text = j.key)) as orphan_jobs,
      (select coalesce(max(n), 0)::int from (select count(*) n from operation_runs where status in ('queued','running')
         group by provider_connection_id) s) as max_per_scope`.execute(tdb.db);
  return rows[0]!;
}

describe('race: one scope, many simultaneous starts', () => {
  it('50 connections in one process, 20 rounds: exactly one accepted each round', async () => {
    const types: OperationType[] = ['inventory.sync', 'compliance.snapshot'];
    await Promise.all(Array.from({ length: 50 }, async () => (await tdb.pool.connect()).release()));
    for (let round = 0; round < 20; round++) {
      await resetActive();
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          start(tdb.db, { type: types[i % 2]!, tenantId, trigger: 'operator', initiatorUserId: userId }).then((r) => r.outcome),
        ),
      );
      expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(1);
      expect(outcomes.every((o) => o === 'accepted' || o === 'deduped' || o === 'scope_busy')).toBe(true);
      const inv = await invariants();
      expect(inv).toEqual({ active: 1, orphan_runs: 0, orphan_jobs: 0, max_per_scope: 1 });
    }
  });

  it('3 OS processes × 20 connections, 10 rounds: exactly one accepted per round across processes', async () => {
    await resetActive();
    // One fresh connection (scope) per round, so rounds never depend on clearing each other.
    const secret = (await tdb.db.selectFrom('provider_connections').select('secret_ciphertext').executeTakeFirstOrThrow()).secret_ciphertext;
    const healthy = await tdb.db.selectFrom('provider_connections').selectAll().where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
    const conns = await tdb.db
      .insertInto('provider_connections')
      .values(
        Array.from({ length: 10 }, (_, i) => ({
          tenant_id: tenantId,
          name: `Race ${i}`,
          cloud: 'sandbox' as const,
          client_id: `race-${i}`,
          secret_ciphertext: secret,
          consent_status: 'granted' as const,
          granted_permissions: healthy.granted_permissions,
          verification_status: 'succeeded' as const,
        })),
      )
      .returning('id')
      .execute();
    const rounds = conns.length;
    const startAt = Date.now() + 2500;
    const child = path.join(import.meta.dirname, 'race-child.ts');
    const ids = conns.map((c) => c.id).join(',');
    const procs = await Promise.all(
      // Connection-identity types, so each round's scope is independent of the earlier rounds'
      // still-active runs (tenant-data types would be deduped to them across connections).
      [0, 1, 2].map(() =>
        run(nodeBin(), [child, tdb.url, tenantId, userId, String(startAt), '20', ids, 'provider_connection.check,tenant.verification', 'round'], {
          timeout: 60_000,
        }),
      ),
    );
    const perProcess = procs.map((p) => JSON.parse(p.stdout) as string[][]);
    for (let r = 0; r < rounds; r++) {
      const all = perProcess.flatMap((rounds) => rounds[r]!);
      expect(all).toHaveLength(60);
      expect(all.filter((o) => o === 'accepted')).toHaveLength(1);
    }
    const inv = await invariants();
    expect(inv).toEqual({ active: rounds, orphan_runs: 0, orphan_jobs: 0, max_per_scope: 1 });
    const accepted = await sql<{ n: number }>`select count(*)::int as n from operation_runs where outcome <> 'blocked'`.execute(tdb.db);
    // 20 rounds in-process + 10 here, one accepted each.
    expect(accepted.rows[0]!.n).toBe(30);
  });

  it('3 OS processes × 20 clients on 10 connections of one tenant, the same tenant work: exactly one accepted', async () => {
    await resetActive();
    const conns = await tdb.db.selectFrom('provider_connections').select('id').where('tenant_id', '=', tenantId).where('name', 'like', 'Race %').execute();
    expect(conns).toHaveLength(10);
    const child = path.join(import.meta.dirname, 'race-child.ts');
    const ids = conns.map((c) => c.id).join(',');
    for (const type of ['inventory.sync', 'entra_group_sync'] as const) {
      await resetActive();
      const startAt = Date.now() + 2500;
      const procs = await Promise.all(
        [0, 1, 2].map(() => run(nodeBin(), [child, tdb.url, tenantId, userId, String(startAt), '20', ids, type, 'spread'], { timeout: 60_000 })),
      );
      const all = procs.flatMap((p) => (JSON.parse(p.stdout) as string[][])[0]!);
      expect(all).toHaveLength(60);
      expect(all.filter((o) => o === 'accepted')).toHaveLength(1);
      expect(all.filter((o) => o === 'deduped')).toHaveLength(59);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from operation_runs
        where tenant_id = ${tenantId} and type = ${type} and status in ('queued', 'running')`.execute(tdb.db);
      expect(rows[0]!.n).toBe(1);
    }
  });
});
