// npm run bench -- --scale [--quick]    (or: node bench/scale.ts [--quick])
//
// The data-scale benchmark: the same measurements on the same fresh embedded PostgreSQL, first
// nearly empty (the scale workspace with 10 tenants and 1,000 finished runs), then after growing
// it to 10,000 tenants and 1,000,000 finished runs (bench/scale-seed.ts, set-based SQL). Side by
// side: the gate's accepted-path throughput (with the bare-insert ceiling of the same rounds,
// to show how much of a change is the machine), preflight, the p95 of the console's read
// endpoints over HTTP (bench/scale-api.ts) and a bulk start of every tenant of the workspace.
// --quick: 100,000 runs, fewer rounds and requests (a smoke run; the figures are not the target's).
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { bulkStart, MAX_BULK_TENANTS } from '../src/bulk/bulk-start.ts';
import { connectDatabase } from '../src/db/connect.ts';
import { startMany } from '../src/gate/start-many.ts';
import { start } from '../src/gate/start.ts';
import type { BossPeer } from './peers.ts';
import { scaleEndpoints, startApi, type EndpointResult } from './scale-api.ts';
import { seedScale, type ScaleWorkspace } from './scale-seed.ts';
import { acceptedPath, preflightOnly, prepareThroughput, type BenchContext } from './scenarios.ts';
import { createFixture, freeAllScopes, openBenchDatabase } from './setup.ts';
import { fmt, markdownTable, median, ms, percentile, spread } from './stats.ts';

interface Phase {
  label: string;
  /** 1-minute load average at the phase's start and end (the machine is shared). */
  load: string;
  ws: ScaleWorkspace;
  api: EndpointResult[];
  gate: number[];
  ceiling: number[];
  preflight: number[];
  /** WAL written per accepted start (bytes, full-page images): what history costs a start, whatever the load. */
  wal: { bytes: number; fpi: number };
  /** startMany() on every active tenant, and the bulk service (its most tenants per request). */
  bulkGate: number[];
  bulkService: number[];
  bulkTenants: number;
  serviceTenants: number;
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** A pg-boss stand-in: the gate rows here need no peer, only the clean-up hook. */
const noBoss: BossPeer = { send: async () => null, clear: async () => undefined, stop: async () => undefined };

export async function runScale(args: readonly string[]): Promise<number> {
  const quick = args.includes('--quick');
  const RUNS = quick ? 100_000 : 1_000_000;
  const TENANTS = 10_000;
  const ROUNDS = quick ? 2 : 3;
  const WINDOW_MS = quick ? 1000 : 3000;
  const REQUESTS = quick ? 30 : 200;
  const PREFLIGHT_N = quick ? 300 : 2000;
  const BULK_REPS = quick ? 1 : 3;
  const WAL_STARTS = quick ? 1000 : 3000;
  const t0 = Date.now();
  const loadAtStart = loadavg();

  const bench = await openBenchDatabase({ ephemeral: args.includes('--ephemeral') });
  const db16 = connectDatabase(bench.url, { max: 16, applicationName: 'bench16' });
  const db64 = connectDatabase(bench.url, { max: 64, applicationName: 'bench64' });
  try {
    log(`database: ${bench.kind}`);
    const fixture = await createFixture(bench.url, quick ? 4000 : 12_000);
    const ctx: BenchContext = { db16, db64, fixture, boss: noBoss };
    await prepareThroughput(ctx);

    const measure = async (label: string, ws: ScaleWorkspace): Promise<Phase> => {
      log(`${label}: ${fmt(ws.tenants)} tenants, ${fmt(ws.runs)} runs`);
      const load0 = os.loadavg()[0]!.toFixed(1);
      const api = await startApi(bench.url);
      let results: EndpointResult[];
      try {
        results = await api.measure(await scaleEndpoints(bench.url, ws.userId), REQUESTS);
      } finally {
        await api.close();
      }
      for (const r of results) log(`  ${r.name}: p95 ${ms(percentile(r.latencies, 95))}`);
      const gate: number[] = [];
      const ceiling: number[] = [];
      await acceptedPath(ctx, 'gate', 16, 400); // warm-up
      for (let round = 0; round < ROUNDS; round++) {
        for (const k of round % 2 ? (['gate', 'ceiling'] as const) : (['ceiling', 'gate'] as const)) {
          const r = await acceptedPath(ctx, k, 16, WINDOW_MS);
          if (r.errors || r.notAccepted || r.exhausted) throw new Error(`${k}: ${r.errors} errors, ${r.notAccepted} not accepted, exhausted ${r.exhausted}`);
          (k === 'gate' ? gate : ceiling).push(r.rate);
        }
        log(`  round ${round + 1}: gate ${fmt(gate.at(-1)!)}/s, ceiling ${fmt(ceiling.at(-1)!)}/s`);
      }
      const wal = await walPerStart(ctx, WAL_STARTS);
      log(`  WAL per accepted start: ${fmt(wal.bytes)} bytes, ${fmt(wal.fpi, 2)} full-page images`);
      const preflight = median(await preflightOnly(ctx, PREFLIGHT_N));

      // Bulk start of every active tenant of the workspace: the gate's startMany() in one call,
      // and the bulk service as a person would click it (at most MAX_BULK_TENANTS per request).
      const { rows } = await db16.pool.query<{ id: string; slug: string }>(
        `select t.id, t.slug from tenants t where t.workspace_id = $1 and t.status = 'active' order by t.slug`,
        [ws.workspaceId],
      );
      const serviceSlugs = rows.slice(0, MAX_BULK_TENANTS).map((r) => r.slug);
      const bulkGate: number[] = [];
      const bulkService: number[] = [];
      for (let rep = 0; rep < BULK_REPS; rep++) {
        await freeAllScopes(db16.pool);
        let s = performance.now();
        const answers = await startMany(db16.db, { type: 'inventory.sync', tenantIds: rows.map((r) => r.id), trigger: 'operator', initiatorUserId: ws.userId });
        bulkGate.push(performance.now() - s);
        if (answers.length !== rows.length) throw new Error('startMany: not one answer per tenant');
        await freeAllScopes(db16.pool);
        s = performance.now();
        await bulkStart(db16.db, {
          workspaceId: ws.workspaceId,
          type: 'inventory.sync',
          selection: rows.length <= MAX_BULK_TENANTS ? 'all' : serviceSlugs,
          trigger: 'operator',
          initiatorUserId: ws.userId,
          asUserId: ws.userId,
        });
        bulkService.push(performance.now() - s);
      }
      await freeAllScopes(db16.pool);
      log(`  bulk: startMany ${ms(median(bulkGate))}, service ${ms(median(bulkService))}`);
      return {
        label,
        load: `${load0}→${os.loadavg()[0]!.toFixed(1)}`,
        ws,
        api: results,
        gate,
        ceiling,
        preflight: [preflight],
        wal,
        bulkGate,
        bulkService,
        bulkTenants: rows.length,
        serviceTenants: serviceSlugs.length,
      };
    };

    const small = await seedScale(bench.url, { tenants: 10, runs: 1000, runsTotal: RUNS }, log);
    const empty = await measure('empty', small);
    const big = await seedScale(bench.url, { tenants: TENANTS, runs: RUNS, runsTotal: RUNS }, log);
    const scaled = await measure('scaled', big);

    const out = [
      `machine: ${os.availableParallelism()} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}; node ${process.version}; ${bench.kind}`,
      `mode: ${quick ? 'quick' : 'full'}; gate ${ROUNDS} rounds × ${WINDOW_MS} ms (16 clients, ceiling interleaved); ${REQUESTS} requests per endpoint, 1 client`,
      `load average (1/5/15 min) at start ${loadAtStart}, at end ${loadavg()} — on ${os.availableParallelism()} cores`,
      '',
      report(empty, scaled),
      '',
      `total time ${fmt((Date.now() - t0) / 1000, 1)} s`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    await db16.close();
    await db64.close();
    await bench.close();
  }
}

/**
 * WAL written by `n` accepted starts (16 clients, distinct scopes), per start, and the full-page
 * images among it: a start on a table of a million runs writes its index entries into pages
 * spread over larger indexes, and the first change of a page after a checkpoint logs the page.
 * Not timed; the server's own counters, so the machine's load does not move it.
 */
async function walPerStart(ctx: BenchContext, n: number): Promise<{ bytes: number; fpi: number }> {
  const { pool, db } = ctx.db16;
  await freeAllScopes(pool);
  await pool.query('checkpoint');
  const read = async () =>
    (await pool.query<{ lsn: string; fpi: string }>(`select pg_current_wal_lsn()::text as lsn, (select wal_fpi::text from pg_stat_wal) as fpi`)).rows[0]!;
  // Backends report their WAL statistics when idle at most once a second unless told to: every
  // connection of the pool is told to, before each reading.
  const flushAll = async () => {
    const clients = await Promise.all(Array.from({ length: 16 }, () => pool.connect()));
    await Promise.all(clients.map((c) => c.query('select pg_stat_force_next_flush()')));
    clients.forEach((c) => c.release());
    await new Promise((r) => setTimeout(r, 200));
  };
  await flushAll();
  const a = await read();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < n) {
        const scope = ctx.fixture.fresh[next++]!;
        const r = await start(db, {
          type: 'inventory.sync',
          tenantId: scope.tenantId,
          trigger: 'operator',
          initiatorUserId: ctx.fixture.userId,
          providerConnectionId: scope.connectionId,
        });
        if (r.outcome !== 'accepted') throw new Error(`WAL measurement: ${r.outcome}`);
      }
    }),
  );
  await flushAll();
  const b = await read();
  const {
    rows: [d],
  } = await pool.query<{ bytes: string }>(`select pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::text as bytes`, [b.lsn, a.lsn]);
  return { bytes: Number(d!.bytes) / n, fpi: (Number(b.fpi) - Number(a.fpi)) / n };
}

const TARGET_P95_MS = 50;

function report(empty: Phase, scaled: Phase): string {
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  const head = (p: Phase) => `${p.label}: ${fmt(p.ws.tenants)} tenants, ${fmt(p.ws.runs)} runs (load ${p.load})`;
  const rate = (xs: number[]) => spread(xs, (n) => `${fmt(n)}/s`);
  const gateRatio = median(scaled.gate) / median(empty.gate);
  const norm = (p: Phase) => median(p.gate.map((g, i) => g / p.ceiling[i]!));
  const rows: string[][] = [
    ['gate accepted path, 16 clients', rate(empty.gate), rate(scaled.gate), `${fmt(gateRatio, 2)}× of empty: ${verdict(gateRatio >= 0.9)} (≥ 0.9×)`],
    [
      '… ceiling (BEGIN; INSERT; COMMIT) in the same rounds; gate ÷ ceiling',
      `${rate(empty.ceiling)}; ${fmt(norm(empty), 2)}×`,
      `${rate(scaled.ceiling)}; ${fmt(norm(scaled), 2)}×`,
      `gate ÷ ceiling, scaled ÷ empty: ${fmt(norm(scaled) / norm(empty), 2)}×`,
    ],
    [
      'WAL per accepted start (bytes; full-page images)',
      `${fmt(empty.wal.bytes)}; ${fmt(empty.wal.fpi, 2)}`,
      `${fmt(scaled.wal.bytes)}; ${fmt(scaled.wal.fpi, 2)}`,
      `${fmt(scaled.wal.bytes / empty.wal.bytes, 2)}× of empty (load-independent)`,
    ],
    ['preflight() median, 1 caller', ms(empty.preflight[0]!), ms(scaled.preflight[0]!), `≤ 2 ms: ${verdict(scaled.preflight[0]! <= 2)}`],
  ];
  const cell = (r: EndpointResult) =>
    `p50 ${ms(percentile(r.latencies, 50))}, p95 ${ms(percentile(r.latencies, 95))} (n ${r.latencies.length}); ${r.items ?? '–'} items, ${fmt(r.bytes / 1024, 1)} KiB`;
  empty.api.forEach((e, i) => {
    const s = scaled.api[i]!;
    rows.push([s.name, cell(e), cell(s), `p95 < ${TARGET_P95_MS} ms: ${verdict(percentile(s.latencies, 95) < TARGET_P95_MS)}`]);
  });
  const bulk = (xs: number[]) => spread(xs, ms);
  rows.push(
    [
      `bulk start, startMany() on every active tenant`,
      `${empty.bulkTenants} tenants: ${bulk(empty.bulkGate)}`,
      `${fmt(scaled.bulkTenants)} tenants: ${bulk(scaled.bulkGate)}`,
      'measured only',
    ],
    [
      `bulk start, bulkStart() service (at most ${fmt(MAX_BULK_TENANTS)} tenants per request)`,
      `${empty.serviceTenants} tenants: ${bulk(empty.bulkService)}`,
      `${fmt(scaled.serviceTenants)} tenants: ${bulk(scaled.bulkService)}`,
      'measured only',
    ],
  );
  return markdownTable(['measure', head(empty), head(scaled), 'target (scaled)'], rows);
}

if (import.meta.main) process.exitCode = await runScale(process.argv.slice(2));
