// node bench/plan-check.ts [--durable] [--rows N]
//
// The plans of the admission's two look-ups (same identity active? scope active?) inside
// opsgate_admit, as operation_runs grows. PL/pgSQL caches a statement's plan per session; a
// session that planned while the table's statistics said "empty" keeps that plan until
// something invalidates it (an ANALYZE — autovacuum's, normally). Two sessions are compared:
//   stale  plans made right after ANALYZE of an empty table, autovacuum off for the table;
//   fresh  a new session after ANALYZE at each size.
// Prints the plan actually used (auto_explain, nested statements) and the admission's latency.
// (Migration 0004 gave the identity index the predicate "and dedupe_key is not null", so the
// scope check has one candidate index, the scope index; this shows it.)
import { performance } from 'node:perf_hooks';
import type { PoolClient } from 'pg';
import { connectDatabase } from '../src/db/connect.ts';
import { createFixture, openBenchDatabase } from './setup.ts';
import { fmt, markdownTable, median } from './stats.ts';

const args = process.argv.slice(2);
const maxRows = args.includes('--rows') ? Number(args[args.indexOf('--rows') + 1]) : 8000;
const sizes = [0, 1000, 4000, maxRows];
const bench = await openBenchDatabase({ ephemeral: !args.includes('--durable') });
const database = connectDatabase(bench.url, { max: 3 });
const { pool } = database;
try {
  const fixture = await createFixture(bench.url, maxRows + 200 * sizes.length);
  await pool.query('alter table operation_runs set (autovacuum_enabled = false)');
  await pool.query('analyze operation_runs');
  let next = 0;
  const admitArgs = () => {
    const s = fixture.fresh[next++]!;
    return [fixture.workspaceId, s.tenantId, 'inventory.sync', s.connectionId, `inventory.sync|t:${s.tenantId}`, fixture.userId, 'operator', '{}'];
  };
  const admitSql = 'select * from opsgate_admit($1, $2, $3, $4, $5, $6, $7, $8)';
  const plansOf = async (c: PoolClient) => {
    await c.query(`load 'auto_explain'`);
    await c.query(`set auto_explain.log_min_duration = 0; set auto_explain.log_analyze = on; set auto_explain.log_nested_statements = on;
                   set auto_explain.log_level = 'notice'`);
    const notices: string[] = [];
    const onNotice = (m: { message?: string }) => notices.push(String(m.message));
    c.on('notice', onNotice);
    await c.query(admitSql, admitArgs());
    c.off('notice', onNotice);
    await c.query('set auto_explain.log_min_duration = -1');
    const plan = (marker: string) => {
      const n = notices.find((x) => x.includes(marker)) ?? '';
      const scan =
        n
          .split('\n')
          .find((l) => /Scan/.test(l))
          ?.trim()
          .replace(/\s+\(cost.*$/, '') ?? '?';
      const removed = /Rows Removed by Filter: (\d+)/.exec(n)?.[1];
      const ms = /duration: ([\d.]+) ms/.exec(n)?.[1];
      return `${scan.replace('->  ', '')}${removed ? ` (${removed} rows filtered)` : ''}, ${ms} ms`;
    };
    return { identity: plan('r.dedupe_key = p_dedupe_key and r.status'), scope: plan('r.provider_connection_id = p_connection_id and r.status') };
  };
  const timeAdmissions = async (c: PoolClient) => {
    const t: number[] = [];
    for (let k = 0; k < 50; k++) {
      const s = performance.now();
      await c.query(admitSql, admitArgs());
      t.push(performance.now() - s);
    }
    return median(t);
  };

  const rows: string[][] = [];
  const stale = await pool.connect();
  try {
    await timeAdmissions(stale); // plans made now, on "empty" statistics
    for (const size of sizes) {
      // Grow the table to `size` runs (completed ones: history), through another session.
      const filler = await pool.connect();
      try {
        const {
          rows: [cnt],
        } = await filler.query<{ n: number }>('select count(*)::int as n from operation_runs');
        for (let i = cnt!.n; i < size; i++) await filler.query(admitSql, admitArgs());
        await filler.query(`update operation_runs set status = 'completed', outcome = 'cancelled', completed_at = now() where status <> 'completed'`);
      } finally {
        filler.release();
      }
      const staleMs = await timeAdmissions(stale);
      const stalePlans = await plansOf(stale);
      await pool.query(`update operation_runs set status = 'completed', outcome = 'cancelled', completed_at = now() where status <> 'completed'`);
      rows.push(['stale (planned when empty)', fmt(size), `${fmt(staleMs, 2)} ms`, stalePlans.identity, stalePlans.scope]);
    }
  } finally {
    stale.release(true);
  }
  await pool.query('analyze operation_runs');
  const fresh = await pool.connect();
  try {
    const freshMs = await timeAdmissions(fresh);
    const p = await plansOf(fresh);
    const {
      rows: [cnt],
    } = await pool.query<{ n: number }>('select count(*)::int as n from operation_runs');
    rows.push(['fresh (after ANALYZE)', fmt(cnt!.n), `${fmt(freshMs, 2)} ms`, p.identity, p.scope]);
  } finally {
    fresh.release(true);
  }
  console.log(markdownTable(['session', 'runs in table', 'opsgate_admit median (50 calls)', 'identity check plan', 'scope check plan'], rows));
} finally {
  await database.close();
  await bench.close();
}
