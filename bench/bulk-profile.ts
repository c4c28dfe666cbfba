// node bench/bulk-profile.ts [--ephemeral] [--n 1000] [--rounds 5]
//
// Where a bulk start's time goes (one operation on n tenants, 1 in 10 without consent):
// - every statement startMany() and bulkStart() send, timed from the client (wall time of each
//   round trip, commit included), and what is left: this process's own work (readiness,
//   fingerprints, JSON, answers);
// - EXPLAIN ANALYZE of the two set-based statements (each in a transaction rolled back), and
//   auto_explain inside them: the time of every statement the SQL functions run, summed over
//   the tenants;
// - for comparison, what the same rows cost with the previous way, one opsgate_admit call per
//   tenant (rolled back), and the admission chunks sent on two connections at once.
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { bulkStart } from '../src/bulk/bulk-start.ts';
import { sql } from 'kysely';
import { connectDatabase, type DbOrTx } from '../src/db/connect.ts';
import { startMany } from '../src/gate/start-many.ts';
import { createBulkWorkspace, createFixture, freeAllScopes, openBenchDatabase } from './setup.ts';
import { fmt, markdownTable, median } from './stats.ts';

const args = process.argv.slice(2);
const ephemeral = args.includes('--ephemeral');
const argValue = (name: string, d: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : d);
const N = argValue('--n', 1000);
const ROUNDS = argValue('--rounds', 5);

class Rollback extends Error {}

// Every statement the pool sends, timed from the call to the answer.
interface Timed {
  what: string;
  ms: number;
  text: string;
  values: unknown[];
}
let timed: Timed[] = [];
const classify = (text: string): string => {
  if (text.includes('opsgate_admit_many(')) return 'admissions (opsgate_admit_many)';
  if (text.includes('opsgate_record_blocked_many(')) return 'blocked records (opsgate_record_blocked_many)';
  if (text.includes('any($1::uuid[])')) return 'facts read (tenants ⟕ default connections)';
  if (text.includes('pg_notify')) return 'wake-up (pg_notify, not awaited by the caller)';
  if (/from "tenants" as "t"/.test(text)) return 'service: tenant selection';
  if (/insert into bulk_operations/.test(text)) return 'service: the bulk operation and its items (1 statement)';
  if (/^(begin|commit|rollback)/i.test(text)) return `service: ${text.toLowerCase()}`;
  return text.replace(/\s+/g, ' ').slice(0, 60);
};
const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
  const first = a[0] as string | { text?: string; values?: unknown[] } | undefined;
  const text = typeof first === 'string' ? first : (first?.text ?? '');
  const values = (typeof first === 'string' ? a[1] : first?.values) as unknown[] | undefined;
  const s = performance.now();
  const out = (originalQuery as (...x: unknown[]) => unknown).apply(this, a);
  if (out && typeof (out as Promise<unknown>).then === 'function') {
    void (out as Promise<unknown>).then(
      () => timed.push({ what: classify(text), ms: performance.now() - s, text, values: values ?? [] }),
      () => undefined,
    );
  }
  return out;
} as typeof pg.Client.prototype.query;

const bench = await openBenchDatabase({ ephemeral });
const database = connectDatabase(bench.url, { max: 4, applicationName: 'bulk-profile' });
const { pool, db } = database;
const out = (s = '') => process.stdout.write(`${s}\n`);
try {
  const fixture = await createFixture(bench.url, 0);
  const ws = await createBulkWorkspace(bench.url, fixture.userId, N);
  await pool.query('analyze');
  const {
    rows: [srv],
  } = await pool.query<{ v: string; f: string }>(`select current_setting('server_version') v, current_setting('fsync') f`);
  out(`PostgreSQL ${srv!.v}, fsync=${srv!.f}; ${fmt(N)} tenants (${ws.blocked} without consent); ${ROUNDS} rounds, median`);
  const input = { type: 'inventory.sync' as const, tenantIds: ws.tenantIds, trigger: 'operator' as const, initiatorUserId: fixture.userId };
  const reset = async () => {
    await pool.query(`update operation_runs set last_attempt_at = last_attempt_at - interval '1 day' where outcome = 'blocked'`);
    await freeAllScopes(pool);
  };

  for (const which of ['startMany', 'bulkStart'] as const) {
    const per = new Map<string, number[]>();
    const totals: number[] = [];
    const cpus: number[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      await reset();
      timed = [];
      const cpu0 = process.cpuUsage();
      const t = performance.now();
      if (which === 'startMany') await startMany(db, input);
      else
        await bulkStart(db, {
          workspaceId: ws.workspaceId,
          type: 'inventory.sync',
          selection: 'all',
          trigger: 'operator',
          initiatorUserId: fixture.userId,
          asUserId: fixture.userId,
        });
      const total = performance.now() - t;
      const cpu = process.cpuUsage(cpu0);
      await new Promise((r) => setTimeout(r, 50)); // the wake-up's answer
      if (round === 0) continue; // warm-up
      totals.push(total);
      cpus.push((cpu.user + cpu.system) / 1000);
      const sums = new Map<string, number>();
      for (const x of timed) sums.set(x.what, (sums.get(x.what) ?? 0) + x.ms);
      for (const [k, v] of sums) per.set(k, [...(per.get(k) ?? []), v]);
    }
    out(`\n${which}(): ${ms(median(totals))} median wall (${ms(Math.min(...totals))}–${ms(Math.max(...totals))}); Node CPU ${ms(median(cpus))}`);
    const awaited = [...per.entries()].filter(([k]) => !k.startsWith('wake-up'));
    const statements = median(totals.map((_, i) => awaited.reduce((a, [, v]) => a + (v[i] ?? 0), 0)));
    out(
      markdownTable(
        ['part', 'median', 'share of wall'],
        [
          ...[...per.entries()].map(([k, v]) => [k, ms(median(v)), k.startsWith('wake-up') ? '(after the answer)' : pct(median(v) / median(totals))]),
          ['this process between statements (readiness, fingerprints, JSON, answers)', ms(median(totals) - statements), pct(1 - statements / median(totals))],
        ],
      ),
    );
  }

  // EXPLAIN ANALYZE of the two set-based statements, with the parameters startMany sent.
  await reset();
  timed = [];
  await startMany(db, input);
  await new Promise((r) => setTimeout(r, 50));
  const sent = timed.filter((x) => x.what.startsWith('admissions') || x.what.startsWith('blocked records'));
  await reset();
  const c = await pool.connect();
  try {
    for (const x of sent) {
      const rowsIn = (JSON.parse(x.values[0] as string) as unknown[]).length;
      await c.query('begin');
      const { rows } = await c.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers, timing) ${x.text.replace('/* prepared */ ', '')}`, x.values);
      await c.query('rollback');
      out(`\nEXPLAIN ANALYZE, ${x.what}, ${rowsIn} rows (rolled back; in the timed run: ${ms(x.ms)} wall, commit included):`);
      for (const r of rows) out(`    ${r['QUERY PLAN']}`);
    }

    // Inside the functions: every nested statement's time, summed over the tenants (auto_explain).
    await c.query(`load 'auto_explain'`);
    await c.query(`set auto_explain.log_min_duration = 0; set auto_explain.log_analyze = on; set auto_explain.log_nested_statements = on;
                   set auto_explain.log_timing = off; set auto_explain.log_format = 'json'; set client_min_messages = log; set auto_explain.log_level = 'notice'`);
    for (const x of sent) {
      const byStatement = new Map<string, { n: number; ms: number }>();
      const onNotice = (m: { message?: string }) => {
        const text = String(m.message ?? '');
        const d = /^duration: ([\d.]+) ms\s+plan:\s*([\s\S]*)$/.exec(text);
        if (!d) return;
        let q = '?';
        try {
          q = String((JSON.parse(d[2]!) as { 'Query Text'?: string })['Query Text'] ?? '?');
        } catch {
          q = d[2]!.slice(0, 80);
        }
        const key = q.replace(/\s+/g, ' ').trim().slice(0, 90);
        const e = byStatement.get(key) ?? { n: 0, ms: 0 };
        e.n++;
        e.ms += Number(d[1]);
        byStatement.set(key, e);
      };
      c.on('notice', onNotice);
      await c.query('begin');
      const t = performance.now();
      await c.query(x.text.replace('/* prepared */ ', ''), x.values);
      const wall = performance.now() - t;
      await c.query('rollback');
      c.off('notice', onNotice);
      out(`\nauto_explain inside ${x.what} (${ms(wall)} wall with auto_explain on, rolled back); time summed over the calls:`);
      out(
        markdownTable(
          ['statement', 'calls', 'total', 'per call'],
          [...byStatement.entries()]
            .sort((a, b) => b[1].ms - a[1].ms)
            .slice(0, 12)
            .map(([k, v]) => [k, fmt(v.n), ms(v.ms), `${fmt((v.ms / v.n) * 1000)} µs`]),
        ),
      );
    }
    await c.query(`set auto_explain.log_min_duration = -1`);

    // The same admissions' rows without a function call per tenant: how much is per-call overhead.
    const admits = sent.filter((x) => x.what.startsWith('admissions'));
    if (admits.length) {
      const x = admits[0]!;
      const n = (JSON.parse(x.values[0] as string) as unknown[]).length;
      const asSent = [];
      const perRow = [];
      for (let i = 0; i < 3; i++) {
        await c.query('begin');
        let t = performance.now();
        await c.query(x.text.replace('/* prepared */ ', ''), x.values);
        asSent.push(performance.now() - t);
        await c.query('rollback');
        await c.query('begin');
        t = performance.now();
        await c.query(
          `select b.ord::int as ord, a.outcome, a.run_id, a.run_type, a.run_tenant_id
             from jsonb_to_recordset($1::jsonb)
                  as b(workspace_id uuid, tenant_id uuid, connection_id uuid, dedupe_key text, context jsonb, ord int)
            cross join lateral opsgate_admit(b.workspace_id, b.tenant_id, $2, b.connection_id, b.dedupe_key, $3, $4, b.context) a
            order by 1`,
          x.values,
        );
        perRow.push(performance.now() - t);
        await c.query('rollback');
      }
      out(`\n${n} admissions in one transaction, rolled back (no commit), median of 3:`);
      out(`    opsgate_admit_many (as sent: locks, then one INSERT … SELECT each for runs, jobs, audit rows): ${ms(median(asSent))}`);
      out(`    the previous way, a lateral opsgate_admit call per tenant:                                   ${ms(median(perRow))}`);
    }
  } finally {
    c.release();
  }

  // The service's record of the answers: its multi-row INSERT (10 parameters per item, an
  // unnamed statement) against the same rows sent as one JSON parameter. Rolled back.
  {
    const items = ws.tenantIds.map((tenantId, position) => ({
      position,
      tenant_id: tenantId,
      outcome: 'accepted' as const,
      run_id: null,
      run_type: 'inventory.sync',
      provider_connection_id: null,
      provider_connection_name: `b-${position}`,
      reason_code: null,
      reason_params: '{}',
    }));
    const kysely: number[] = [];
    const json: number[] = [];
    for (let i = 0; i < 5; i++) {
      for (const way of ['kysely', 'json'] as const) {
        const t = performance.now();
        await db
          .transaction()
          .execute(async (tx) => {
            const {
              rows: [b],
            } = await sqlRaw(
              tx,
              `insert into bulk_operations (workspace_id, type, trigger, selection, total, counts)
            values ('${ws.workspaceId}', 'inventory.sync', 'operator', '"all"', ${N}, '{}') returning id`,
            );
            const id = (b as { id: string }).id;
            if (way === 'kysely') {
              for (let j = 0; j < items.length; j += 1000) {
                await tx
                  .insertInto('bulk_operation_items')
                  .values(items.slice(j, j + 1000).map((it) => ({ ...it, bulk_operation_id: id })))
                  .execute();
              }
            } else {
              await sqlRaw(
                tx,
                `insert into bulk_operation_items (bulk_operation_id, position, tenant_id, outcome, run_id, run_type, provider_connection_id,
                                provider_connection_name, reason_code, reason_params)
              select '${id}', position, tenant_id, outcome, run_id, run_type, provider_connection_id, provider_connection_name, reason_code, reason_params
                from jsonb_to_recordset('${JSON.stringify(items.map((it) => ({ ...it, reason_params: {} }))).replace(/'/g, "''")}'::jsonb)
                  as i(position int, tenant_id uuid, outcome text, run_id uuid, run_type text, provider_connection_id uuid,
                       provider_connection_name text, reason_code text, reason_params jsonb)`,
              );
            }
            throw new Rollback();
          })
          .catch((e: unknown) => {
            if (!(e instanceof Rollback)) throw e;
          });
        (way === 'kysely' ? kysely : json).push(performance.now() - t);
      }
    }
    out(
      `\nthe service's ${fmt(N)} bulk_operation_items in a transaction (rolled back), median of 5: as sent (multi-row INSERT, 10 parameters per item) ${ms(median(kysely))}, as one jsonb_to_recordset INSERT ${ms(median(json))}`,
    );
  }

  // One admission chunk as an explicit transaction: the statement, then its commit (the WAL
  // flush of every row it wrote), timed apart; median of 5.
  {
    const x = sent.find((y) => y.what.startsWith('admissions'));
    if (x) {
      const stmt: number[] = [];
      const commit: number[] = [];
      for (let i = 0; i < 5; i++) {
        await reset();
        const cl = await pool.connect();
        try {
          await cl.query('begin');
          let t = performance.now();
          await cl.query(x.text.replace('/* prepared */ ', ''), x.values);
          stmt.push(performance.now() - t);
          t = performance.now();
          await cl.query('commit');
          commit.push(performance.now() - t);
        } finally {
          cl.release();
        }
      }
      const {
        rows: [w],
      } = await pool.query<{ wal: string }>(`select pg_size_pretty(wal_bytes) as wal from pg_stat_wal`);
      out(
        `\none admission chunk (${(JSON.parse(x.values[0] as string) as unknown[]).length} tenants) as begin / statement / commit, median of 5: statement ${ms(median(stmt))}, commit ${ms(median(commit))} (WAL written since the server started: ${w?.wal ?? '?'})`,
      );
    }
  }

  // The admission chunks on one connection after the other (as sent) vs two at once.
  if (sent.filter((x) => x.what.startsWith('admissions')).length >= 2) {
    const admits = sent.filter((x) => x.what.startsWith('admissions'));
    const seq: number[] = [];
    const par: number[] = [];
    for (let i = 0; i < 3; i++) {
      await reset();
      let t = performance.now();
      for (const x of admits) await pool.query(x.text.replace('/* prepared */ ', ''), x.values);
      seq.push(performance.now() - t);
      await reset();
      t = performance.now();
      await Promise.all(admits.map((x) => pool.query(x.text.replace('/* prepared */ ', ''), x.values)));
      par.push(performance.now() - t);
    }
    out(
      `\nthe ${admits.length} admission chunks, commits included, median of 3: one after the other ${ms(median(seq))}, all at once on ${Math.min(admits.length, 4)} connections ${ms(median(par))}`,
    );
  }
} finally {
  pg.Client.prototype.query = originalQuery;
  await database.close();
  await bench.close();
}

function sqlRaw(db: DbOrTx, text: string) {
  return sql.raw(text).execute(db);
}
function ms(n: number): string {
  return `${fmt(n, n < 10 ? 2 : 1)} ms`;
}
function pct(n: number): string {
  return `${fmt(n * 100)} %`;
}
