// node bench/profile.ts [--ephemeral] [--seconds N]
//
// Where the accepted path's time goes. For each workload, 16 clients for a few seconds while
// an observer samples what the 16 server backends are doing (pg_stat_activity wait events,
// every 2 ms). Workloads isolate one ingredient each: a bare insert transaction, the same with
// a NOTIFY, graphile's keyed add_job, the admission statement alone, and the gate. Also
// prints EXPLAIN ANALYZE of the statements inside opsgate_admit (auto_explain).
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { connectDatabase } from '../src/db/connect.ts';
import { start } from '../src/gate/start.ts';
import { closedLoop, EXHAUSTED } from './loops.ts';
import { GRAPHILE_KEYED_ADD_JOB } from './peers.ts';
import { createFixture, freeAllScopes, openBenchDatabase } from './setup.ts';
import { fmt, markdownTable, median, percentile } from './stats.ts';

const args = process.argv.slice(2);
const ephemeral = args.includes('--ephemeral');
const seconds = args.includes('--seconds') ? Number(args[args.indexOf('--seconds') + 1]) : 3;
const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 3;

const bench = await openBenchDatabase({ ephemeral });
const app = 'profile16';
const database = connectDatabase(bench.url, { max: 16, applicationName: app });
const { pool, db } = database;
try {
  const fixture = await createFixture(bench.url, 20_000);
  await pool.query('create table bench_ceiling (id uuid primary key default gen_random_uuid(), v int not null)');
  await Promise.all(Array.from({ length: 16 }, async () => (await pool.connect()).release()));
  let next = 0;
  const take = () => (next < fixture.fresh.length ? fixture.fresh[next++]! : null);
  const prefix = crypto.randomBytes(3).toString('hex');
  let seq = 0;
  const admitArgs = (s: { tenantId: string; connectionId: string }) => [
    fixture.workspaceId,
    s.tenantId,
    'inventory.sync',
    s.connectionId,
    `inventory.sync|t:${s.tenantId}`,
    fixture.userId,
    'operator',
    '{}',
  ];
  const tx = async (statements: [string, unknown[]][]) => {
    const c = await pool.connect();
    try {
      await c.query('begin');
      for (const [text, values] of statements) await c.query(text, values);
      await c.query('commit');
    } finally {
      c.release();
    }
  };
  const workloads: Record<string, () => Promise<unknown>> = {
    'insert tx (ceiling)': () => tx([['insert into bench_ceiling (v) values ($1)', [seq++]]]),
    'insert tx + pg_notify': () =>
      tx([
        ['insert into bench_ceiling (v) values ($1)', [seq++]],
        [`select pg_notify('bench', $1)`, [String(seq)]],
      ]),
    'insert, autocommit (1 round trip)': () => pool.query('insert into bench_ceiling (v) values ($1)', [seq++]),
    'graphile add_job(job_key)': () => pool.query(GRAPHILE_KEYED_ADD_JOB, [`${prefix}-${seq++}`]),
    'opsgate_admit alone': async () => {
      const s = take();
      if (!s) return EXHAUSTED;
      return pool.query('select * from opsgate_admit($1, $2, $3, $4, $5, $6, $7, $8)', admitArgs(s));
    },
    'pg_notify alone, autocommit': () => pool.query(`select pg_notify('bench', $1)`, [String(seq++)]),
    'gate start()': async () => {
      const s = take();
      if (!s) return EXHAUSTED;
      return start(db, {
        type: 'inventory.sync',
        tenantId: s.tenantId,
        trigger: 'operator',
        initiatorUserId: fixture.userId,
        providerConnectionId: s.connectionId,
      });
    },
  };

  const observer = new pg.Client(bench.url);
  await observer.connect();
  const names = Object.keys(workloads);
  const rates = new Map<string, number[]>(names.map((n) => [n, []]));
  const waits = new Map<string, Map<string, number>>(names.map((n) => [n, new Map()]));
  const p50 = new Map<string, number[]>(names.map((n) => [n, []]));
  // Client-side cost: this Node process's CPU time per operation (it shares the 2 cores with PostgreSQL).
  const nodeCpu = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let round = 0; round < rounds + 1; round++) {
    for (const name of names) {
      await freeAllScopes(pool);
      await pool.query('truncate bench_ceiling');
      next = 0;
      let sampling = round > 0; // round 0 is the warm-up
      const hist = waits.get(name)!;
      const sampler = (async () => {
        while (sampling) {
          const { rows } = await observer.query<{ w: string }>(
            `select case when state = 'active' then coalesce(wait_event_type || ':' || wait_event, 'CPU (running)')
                         else state || coalesce(' ' || wait_event, '') end as w
               from pg_stat_activity where application_name = $1`,
            [app],
          );
          for (const r of rows) hist.set(r.w, (hist.get(r.w) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      const cpu0 = process.cpuUsage();
      const r = await closedLoop(16, round === 0 ? 500 : seconds * 1000, workloads[name]!);
      const cpu = process.cpuUsage(cpu0);
      sampling = false;
      await sampler;
      if (r.errors) console.error(`${name}: ${r.errors} errors, first: ${String(r.firstError)}`);
      if (round > 0) {
        rates.get(name)!.push(r.rate);
        p50.get(name)!.push(percentile(r.latencies, 50));
        nodeCpu.get(name)!.push((cpu.user + cpu.system) / r.ops);
      }
    }
    if (round > 0) process.stderr.write(`round ${round}: ${names.map((n) => `${n} ${fmt(rates.get(n)!.at(-1)!)}/s`).join('; ')}\n`);
  }
  const {
    rows: [s],
  } = await pool.query<{ v: string; f: string }>(`select current_setting('server_version') v, current_setting('fsync') f`);
  console.log(`PostgreSQL ${s!.v}, fsync=${s!.f}; 16 clients; ${rounds} rounds × ${seconds} s; median per workload\n`);
  const base = rates.get(names[0]!)!;
  console.log(
    markdownTable(
      ['workload', 'ops/s', 'p50', 'vs ceiling', 'Node CPU/op', 'where the 16 backends were (share of samples, top 5)'],
      names.map((n) => {
        const h = waits.get(n)!;
        const total = [...h.values()].reduce((a, b) => a + b, 0);
        const top = [...h.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 5)
          .map(([k, v]) => `${k} ${Math.round((100 * v) / total)}%`)
          .join(', ');
        const ratios = rates.get(n)!.map((x, i) => x / base[i]!);
        return [n, fmt(median(rates.get(n)!)), `${fmt(median(p50.get(n)!), 2)} ms`, `${fmt(median(ratios), 2)}×`, `${fmt(median(nodeCpu.get(n)!))} µs`, top];
      }),
    ),
  );

  // EXPLAIN ANALYZE of every statement inside one admission, via auto_explain in this session.
  const c = await pool.connect();
  try {
    await c.query(`load 'auto_explain'`);
    await c.query(`set auto_explain.log_min_duration = 0; set auto_explain.log_analyze = on; set auto_explain.log_nested_statements = on;
                   set auto_explain.log_timing = on; set client_min_messages = log; set auto_explain.log_level = 'notice'`);
    const plans: string[] = [];
    c.on('notice', (m) => plans.push(String(m.message)));
    await freeAllScopes(pool);
    const sc = fixture.fresh[0]!;
    const t = performance.now();
    await c.query('select * from opsgate_admit($1, $2, $3, $4, $5, $6, $7, $8)', admitArgs(sc));
    console.log(`\nEXPLAIN ANALYZE inside one opsgate_admit (${fmt(performance.now() - t, 2)} ms wall, durable commit included):\n`);
    for (const p of plans)
      console.log(
        p
          .replace(/^duration: /, '-- duration: ')
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n'),
      );
  } catch (err) {
    console.log(`\n(auto_explain unavailable: ${(err as Error).message})`);
  } finally {
    c.release();
  }
  await observer.end();
} finally {
  await database.close();
  await bench.close();
}
