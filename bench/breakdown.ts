// node bench/breakdown.ts [--durable] [--n 3000]
//
// What each part of the admission statement costs on the server, one caller at a time (no
// contention, no queueing): the marginal latency of the advisory locks, the two checks, the
// run insert, the job row and the audit insert, measured by removing one part at a time
// from a copy of opsgate_admit (read from the migrated database). Ephemeral (fsync off) by
// default, so that what is measured is work, not the disk.
import { performance } from 'node:perf_hooks';
import { connectDatabase } from '../src/db/connect.ts';
import { start } from '../src/gate/start.ts';
import { GRAPHILE_KEYED_ADD_JOB } from './peers.ts';
import { createFixture, freeAllScopes, openBenchDatabase } from './setup.ts';
import { fmt, markdownTable, median, percentile } from './stats.ts';

const args = process.argv.slice(2);
const durable = args.includes('--durable');
const N = args.includes('--n') ? Number(args[args.indexOf('--n') + 1]) : 3000;
const ROUNDS = 3;

const bench = await openBenchDatabase({ ephemeral: !durable });
const database = connectDatabase(bench.url, { max: 1 });
const { pool, db } = database;
try {
  const fixture = await createFixture(bench.url, N + 300);
  const { rows } = await pool.query<{ def: string }>(`select pg_get_functiondef('opsgate_admit'::regproc) as def`);
  const def = rows[0]!.def;
  const variant = (name: string, edit: (s: string) => string) => {
    const out = edit(def).replace(/FUNCTION public\.opsgate_admit\(/, `FUNCTION public.bench_${name}(`);
    if (!out.includes(`bench_${name}(`)) throw new Error(`variant ${name}: rename failed`);
    return out;
  };
  const must = (s: string, re: RegExp, by: string, name: string) => {
    if (!re.test(s)) throw new Error(`variant ${name}: pattern not found (${re})`);
    return s.replace(re, by);
  };
  const variants: Record<string, string> = {
    no_locks: variant('no_locks', (s) => must(s, /perform pg_advisory_xact_lock\([^;]*\);\s*perform pg_advisory_xact_lock\([^;]*\);/, '', 'no_locks')),
    no_job: variant('no_job', (s) => must(s, /insert into graphile_worker\._private_jobs[\s\S]*?end if;/, '', 'no_job')),
    no_audit: variant('no_audit', (s) => must(s, /insert into audit_log[\s\S]*?'holdingRunType'[^;]*;/, '', 'no_audit')),
  };
  for (const text of Object.values(variants)) await pool.query(text);
  await pool.query('create table if not exists bench_ceiling (id uuid primary key default gen_random_uuid(), v int not null)');

  let next = 0;
  const admitArgs = () => {
    const s = fixture.fresh[next++]!;
    return [fixture.workspaceId, s.tenantId, 'inventory.sync', s.connectionId, `inventory.sync|t:${s.tenantId}`, fixture.userId, 'operator', '{}'];
  };
  const cases: Record<string, () => Promise<unknown>> = {
    'select 1 (round trip floor)': () => pool.query('select 1'),
    'insert one row, autocommit': () => pool.query('insert into bench_ceiling (v) values ($1)', [next++]),
    'graphile add_job(job_key)': () => pool.query(GRAPHILE_KEYED_ADD_JOB, [`b${next++}`]),
    'opsgate_admit (full)': () => pool.query('select * from opsgate_admit($1, $2, $3, $4, $5, $6, $7, $8)', admitArgs()),
    '… without the 2 advisory locks': () => pool.query('select * from bench_no_locks($1, $2, $3, $4, $5, $6, $7, $8)', admitArgs()),
    '… without the job row': () => pool.query('select * from bench_no_job($1, $2, $3, $4, $5, $6, $7, $8)', admitArgs()),
    '… without the audit insert': () => pool.query('select * from bench_no_audit($1, $2, $3, $4, $5, $6, $7, $8)', admitArgs()),
    'gate start() (3 round trips)': () => {
      const s = fixture.fresh[next++]!;
      return start(db, {
        type: 'inventory.sync',
        tenantId: s.tenantId,
        trigger: 'operator',
        initiatorUserId: fixture.userId,
        providerConnectionId: s.connectionId,
      });
    },
  };
  const med = new Map<string, number[]>(Object.keys(cases).map((k) => [k, []]));
  const p99 = new Map<string, number[]>(Object.keys(cases).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS + 1; round++) {
    for (const [name, fn] of Object.entries(cases)) {
      await freeAllScopes(pool);
      next = 0;
      const t: number[] = [];
      for (let i = 0; i < (round === 0 ? 200 : N); i++) {
        const s = performance.now();
        await fn();
        t.push(performance.now() - s);
      }
      if (round > 0) {
        med.get(name)!.push(median(t));
        p99.get(name)!.push(percentile(t, 99));
      }
    }
  }
  const full = median(med.get('opsgate_admit (full)')!);
  const {
    rows: [srv],
  } = await pool.query<{ v: string; f: string }>(`select current_setting('server_version') v, current_setting('fsync') f`);
  console.log(`PostgreSQL ${srv!.v}, fsync=${srv!.f}; 1 caller, ${N} calls × ${ROUNDS} rounds; median of the round medians\n`);
  console.log(
    markdownTable(
      ['statement', 'median', 'p99', 'share of opsgate_admit'],
      Object.keys(cases).map((k) => {
        const m = median(med.get(k)!);
        const part = k.startsWith('…') ? `removing it saves ${fmt(full - m, 3)} ms (${fmt((100 * (full - m)) / full)}%)` : '';
        return [k, `${fmt(m, 3)} ms`, `${fmt(median(p99.get(k)!), 3)} ms`, part];
      }),
    ),
  );
} finally {
  await database.close();
  await bench.close();
}
