// npm run bench [-- --quick] [-- --ephemeral] [-- --rounds N]
// npm run bench -- --scale [--quick]   the data-scale benchmark (bench/scale.ts)
// npm run bench -- --console [--quick] the console's long lists in Chromium (bench/console.ts)
//
// The start gate against the database's own ceiling and against its peers, on a fresh
// embedded PostgreSQL (durable: fsync on) or a throwaway database on DATABASE_URL's server.
// Every figure is a median over the rounds; ratios are per-round ratios against a baseline
// measured in the same round, then the median of those.
import os from 'node:os';
import { connectDatabase } from '../src/db/connect.ts';
import { createBulkWorkspaces, measureBulk } from './bulk.ts';
import { startBoss } from './peers.ts';
import {
  acceptedPath,
  acceptedToRunning,
  contended,
  openLoopCeiling,
  openLoopMixed,
  prepareThroughput,
  preflightOnly,
  startIdleWorker,
  ACCEPTED_PATH_KINDS,
  type AcceptedPathKind,
  type BenchContext,
  type ContendedResult,
  type OpenLoopRound,
} from './scenarios.ts';
import { createFixture, openBenchDatabase } from './setup.ts';
import { fmt, markdownTable, median, ms, percentile, spread } from './stats.ts';

const args = process.argv.slice(2);
if (args.includes('--console')) {
  // The console's first page of a long list, in Chromium: bench/console.ts.
  const { runConsole } = await import('./console.ts');
  process.exit(await runConsole(args));
}
if (args.includes('--scale')) {
  // The data-scale benchmark (10,000 tenants, 1,000,000 runs) is a run of its own: bench/scale.ts.
  const { runScale } = await import('./scale.ts');
  process.exit(await runScale(args));
}
const quick = args.includes('--quick');
const ephemeral = args.includes('--ephemeral');
const argValue = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : undefined;
};
const ROUNDS = argValue('--rounds') ?? (quick ? 3 : 5);
const THROUGHPUT_MS = argValue('--seconds') ? argValue('--seconds')! * 1000 : quick ? 1000 : 3000;
const CONTENDED_MS = quick ? 1000 : 3000;
const OPEN_LOOP_MS = quick ? 2500 : 10_000;
const PREFLIGHT_N = quick ? 300 : 2000;
const PICKUP_N = quick ? 15 : 50;
const FRESH_SCOPES = quick ? 8000 : 25_000;

const log = (line: string) => process.stderr.write(`${line}\n`);
const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const loadAtStart = loadavg();
const t0 = Date.now();

const bench = await openBenchDatabase({ ephemeral });
const db16 = connectDatabase(bench.url, { max: 16, applicationName: 'bench16' });
const db64 = connectDatabase(bench.url, { max: 64, applicationName: 'bench64' });
const workerDb = connectDatabase(bench.url, { max: 6, applicationName: 'bench-worker' });
try {
  log(`database: ${bench.kind}`);
  const fixture = await createFixture(bench.url, FRESH_SCOPES);
  const bulkWorkspaces = await createBulkWorkspaces(bench.url, fixture.userId);
  const boss = await startBoss(db16.pool);
  const ctx: BenchContext = { db16, db64, fixture, boss };
  await prepareThroughput(ctx);

  const {
    rows: [server],
  } = await db16.pool.query<{ version: string; fsync: string; sc: string }>(
    `select current_setting('server_version') as version, current_setting('fsync') as fsync, current_setting('synchronous_commit') as sc`,
  );
  const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  const machine = [
    `machine: ${os.cpus().length} cores (nproc ${os.availableParallelism()}), ${cpuModel}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, ${os.type()} ${os.release()}`,
    `node ${process.version}; PostgreSQL ${server!.version} (fsync=${server!.fsync}, synchronous_commit=${server!.sc})`,
    `database: ${bench.kind}`,
    `mode: ${quick ? 'quick' : 'full'}; ${ROUNDS} rounds; throughput windows ${THROUGHPUT_MS} ms, contended ${CONTENDED_MS} ms, open loop ${OPEN_LOOP_MS} ms`,
  ];
  const machineEnd = () =>
    `load average (1/5/15 min) at start ${loadAtStart}, at end ${loadavg()} — on ${os.availableParallelism()} cores; anything above ~1 is someone else's work`;

  // Warm-up: plans, JIT, connections. Discarded.
  log('warm-up…');
  for (const k of ACCEPTED_PATH_KINDS) await acceptedPath(ctx, k, 16, 400);

  // --- accepted path vs ceiling and peers, interleaved round by round -----------------------
  const kinds: readonly AcceptedPathKind[] = ACCEPTED_PATH_KINDS;
  const rates = new Map<string, number[]>(kinds.map((k) => [k, []]));
  const lat = new Map<string, number[][]>(kinds.map((k) => [k, []]));
  // This Node process's CPU time per operation (the client side; it shares the cores with PostgreSQL).
  const cpu = new Map<string, number[]>(kinds.map((k) => [k, []]));
  const notes: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so no kind always runs first (or right after a vacuum).
    const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]!);
    for (const k of order) {
      const r = await acceptedPath(ctx, k, 16, THROUGHPUT_MS);
      cpu.get(k)!.push(r.cpuMicros / Math.max(1, r.ops));
      if (r.errors) notes.push(`${k} round ${round + 1}: ${r.errors} errors (${String(r.firstError)})`);
      if (r.notAccepted) notes.push(`${k} round ${round + 1}: ${r.notAccepted} answers were not "accepted"`);
      if (r.exhausted) notes.push(`${k} round ${round + 1}: ran out of fresh scopes (raise FRESH_SCOPES)`);
      rates.get(k)!.push(r.rate);
      lat.get(k)!.push(r.latencies);
    }
    log(`round ${round + 1}/${ROUNDS}: ${kinds.map((k) => `${k} ${fmt(rates.get(k)!.at(-1)!)}/s`).join(', ')}`);
  }
  const ratio = (a: string, b: string) => rates.get(a)!.map((x, i) => x / rates.get(b)![i]!);
  const p = (k: string, q: number) => median(lat.get(k)!.map((l) => percentile(l, q)));
  const latCell = (k: string) => `p50 ${ms(p(k, 50))}, p99 ${ms(p(k, 99))}; client CPU ${fmt(median(cpu.get(k)!))} µs/op`;

  // --- contended -----------------------------------------------------------------------------
  const cont: ContendedResult[] = [];
  for (let round = 0; round < ROUNDS; round++) cont.push(await contended(ctx, CONTENDED_MS));
  const held = (rs: ContendedResult[]) =>
    rs.every((c) => c.maxActiveSampled <= 1 && c.acceptedPerScope.every((n) => n === 1) && c.runsPerScope.every((n) => n === 1));
  const contOk = held(cont);
  log(`contended: ${cont.map((c) => `${fmt(c.rate)}/s`).join(', ')}`);

  // --- open loop -------------------------------------------------------------------------------
  const open: OpenLoopRound[] = [];
  const openFloor: number[][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    open.push(await openLoopMixed(ctx, 100, OPEN_LOOP_MS));
    openFloor.push(await openLoopCeiling(ctx, 100, OPEN_LOOP_MS));
  }
  log(`open loop p99: ${open.map((o) => ms(percentile(o.latencies, 99))).join(', ')}`);

  // --- preflight -------------------------------------------------------------------------------
  const pre: number[][] = [];
  for (let round = 0; round < ROUNDS; round++) pre.push(await preflightOnly(ctx, PREFLIGHT_N));

  // --- bulk start: one operation on 100 / 1,000 / 5,000 tenants ------------------------------
  const bulk = await measureBulk(ctx, bulkWorkspaces, ROUNDS, log);

  // --- accepted -> running -----------------------------------------------------------------------
  const worker = await startIdleWorker(workerDb);
  const pick: number[][] = [];
  try {
    await acceptedToRunning(ctx, 3); // the worker's first job pays for its own warm-up
    for (let round = 0; round < ROUNDS; round++) pick.push(await acceptedToRunning(ctx, PICKUP_N));
  } finally {
    await worker.stop();
  }

  // --- report ----------------------------------------------------------------------------------
  const r0 = (xs: number[]) => spread(xs, (n) => `${fmt(n)}/s`);
  const x2 = (xs: number[]) => spread(xs, (n) => `${fmt(n, 2)}×`);
  const msSpread = (xs: number[]) => spread(xs, ms);
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  const gateVsCeiling = median(ratio('gate', 'ceiling'));
  const gateVsGraphile = median(ratio('gate', 'graphile'));
  const openP99 = open.map((o) => percentile(o.latencies, 99));
  const preMed = pre.map((l) => median(l));
  const pickMed = pick.map((l) => median(l));
  const rows: string[][] = [
    ['ceiling: BEGIN; INSERT; COMMIT, 16 clients', r0(rates.get('ceiling')!), latCell('ceiling'), '1.00× (baseline)', ''],
    [
      'gate accepted path, 16 clients, distinct scopes',
      r0(rates.get('gate')!),
      latCell('gate'),
      `${x2(ratio('gate', 'ceiling'))} of ceiling`,
      `≥ 0.35× ceiling: ${verdict(gateVsCeiling >= 0.35)}`,
    ],
    ['graphile-worker add_job(job_key), 16 clients', r0(rates.get('graphile')!), latCell('graphile'), `${x2(ratio('graphile', 'ceiling'))} of ceiling`, ''],
    [
      'pg-boss send(singletonKey), exclusive queue, 16 clients',
      r0(rates.get('pgboss')!),
      latCell('pgboss'),
      `${x2(ratio('pgboss', 'ceiling'))} of ceiling`,
      '',
    ],
    ['gate ÷ graphile add_job (same rounds)', '', '', x2(ratio('gate', 'graphile')), `≥ 0.8×: ${verdict(gateVsGraphile >= 0.8)}`],
    ['gate ÷ pg-boss send (same rounds)', '', '', x2(ratio('gate', 'pgboss')), ''],
    [
      'for reference: the admission statement alone (opsgate_admit, tenant and connection already read)',
      r0(rates.get('admission')!),
      latCell('admission'),
      `${x2(ratio('admission', 'ceiling'))} of ceiling; the gate is ${x2(ratio('gate', 'admission'))} of it`,
      '',
    ],
  ];
  rows.push(
    [
      'contended: 64 clients on 8 scopes',
      spread(
        cont.map((c) => c.rate),
        (n) => `${fmt(n)} decisions/s`,
      ),
      `p50 ${msSpread(cont.map((c) => percentile(c.latencies, 50)))}, p99 ${msSpread(cont.map((c) => percentile(c.latencies, 99)))}`,
      `max active/scope sampled ${Math.max(...cont.map((c) => c.maxActiveSampled))} (${fmt(median(cont.map((c) => c.samples)))} samples/round); accepted/scope ${[...new Set(cont.flatMap((c) => c.acceptedPerScope))].join(',')}`,
      `≤ 1 active, exactly 1 accepted per scope: ${contOk ? 'held' : '**VIOLATED**'}`,
    ],
    [
      'open loop: 100 starts/s, ¼ each outcome',
      `${fmt(median(open.map((o) => o.latencies.length)))} starts/round`,
      `p50 ${msSpread(open.map((o) => percentile(o.latencies, 50)))}, p99 ${msSpread(openP99)}`,
      `floor (bare INSERT tx, same rate, same rounds): p50 ${ms(median(openFloor.map((l) => percentile(l, 50))))}, p99 ${msSpread(openFloor.map((l) => percentile(l, 99)))}; unexpected outcomes ${open.reduce((a, o) => a + o.unexpected, 0)}, errors ${open.reduce((a, o) => a + o.errors, 0)}; timer lateness p99 ${ms(median(open.map((o) => percentile(o.lateness, 99))))}`,
      `p99 < 10 ms: ${verdict(median(openP99) < 10)}`,
    ],
    [
      'preflight() only, 1 caller',
      `${fmt(PREFLIGHT_N)} calls/round`,
      `median ${msSpread(preMed)}, p99 ${msSpread(pre.map((l) => percentile(l, 99)))}`,
      '',
      `median ≤ 2 ms: ${verdict(median(preMed) <= 2)}`,
    ],
    [
      'accepted → running, idle worker',
      `${PICKUP_N} runs/round`,
      `median ${msSpread(pickMed)}, p99 ${msSpread(pick.map((l) => percentile(l, 99)))}`,
      'started_at − created_at (server clock)',
      `median < 100 ms: ${verdict(median(pickMed) < 100)}`,
    ],
  );
  const byOutcome = (['accepted', 'deduped', 'scope_busy', 'blocked'] as const)
    .map((o) => `${o} p50 ${ms(median(open.map((r) => percentile(r.byOutcome[o], 50))))} / p99 ${ms(median(open.map((r) => percentile(r.byOutcome[o], 99))))}`)
    .join('; ');
  const out = [
    ...machine,
    machineEnd(),
    `command: npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
    '',
    markdownTable(['measure', `throughput (median of ${ROUNDS}, min–max)`, 'latency', 'ratio / checks', 'target'], rows),
    '',
    `open loop by outcome (service time, from the call): ${byOutcome}`,
    '',
    bulk.table,
    '',
    ...bulk.notes,
    ...(notes.length ? ['notes:', ...notes.map((n) => `- ${n}`)] : ['notes: none (no errors; every gate answer on the accepted path was "accepted")']),
    `total time ${fmt((Date.now() - t0) / 1000, 1)} s`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  if (!contOk || !bulk.ok) process.exitCode = 1;
  await boss.stop();
} finally {
  await db16.close();
  await db64.close();
  await workerDb.close();
  await bench.close();
}
