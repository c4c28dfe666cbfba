// The bulk-start rows of `npm run bench`: one operation on 100 / 1,000 / 5,000 tenants through
// the gate's set-based start (startMany) and through the bulk service (bulkStart), against the
// same 1,000 tenants started one by one with start(). Each tenant workspace has 1 in 10 tenants
// without consent, so both set-based statements (blocked records, admissions) run every time.
// Kinds are interleaved within each round (order rotated per round); every ratio is taken
// within a round and the median of the per-round ratios is reported.
//
// Alone, on the same fresh-database set-up as run.ts:  node bench/bulk.ts [--quick] [--ephemeral] [--rounds N]
import os from 'node:os';
import { connectDatabase } from '../src/db/connect.ts';
import { startBoss } from './peers.ts';
import { bulkRound, prepareThroughput, BULK_KINDS, type BenchContext, type BulkKind, type BulkRound } from './scenarios.ts';
import { createBulkWorkspace, createFixture, openBenchDatabase, BULK_BLOCKED_EVERY, type BulkWorkspace } from './setup.ts';
import { fmt, markdownTable, median, ms, spread } from './stats.ts';

export const BULK_SIZES = [100, 1000, 5000] as const;
/** The size the single-start loops are compared at (the target's). */
const COMPARED = 1000;

export type BulkWorkspaces = Map<number, BulkWorkspace>;

export async function createBulkWorkspaces(url: string, userId: string): Promise<BulkWorkspaces> {
  const out: BulkWorkspaces = new Map();
  for (const n of BULK_SIZES) out.set(n, await createBulkWorkspace(url, userId, n));
  const c = connectDatabase(url, { max: 1 });
  try {
    await c.pool.query('analyze tenants, tenant_memberships, provider_connections, workspace_members');
  } finally {
    await c.close();
  }
  return out;
}

interface Measurement {
  kind: BulkKind;
  size: number;
}

const label = (m: Measurement) => `${m.kind}@${m.size}`;

export interface BulkSection {
  table: string;
  notes: string[];
  /** Every round's checks held. */
  ok: boolean;
}

export async function measureBulk(ctx: BenchContext, workspaces: BulkWorkspaces, rounds: number, log: (line: string) => void): Promise<BulkSection> {
  // The three measurements the 1,000-tenant ratios compare stay next to each other in every
  // round (the rotation keeps neighbours together), so a burst of someone else's load lands
  // on both sides of a ratio as far as possible.
  const plan: Measurement[] = [
    { kind: 'startMany', size: COMPARED },
    { kind: 'single', size: COMPARED },
    { kind: 'service', size: COMPARED },
    { kind: 'single16', size: COMPARED },
    ...BULK_SIZES.filter((s) => s !== COMPARED).flatMap((size) => [
      { kind: 'startMany' as const, size },
      { kind: 'service' as const, size },
    ]),
  ];
  const ws = (size: number) => workspaces.get(size)!;

  // Warm-up: plans, prepared statements, the pool's connections. Discarded.
  for (const kind of BULK_KINDS) await bulkRound(ctx, ws(BULK_SIZES[0]), kind);

  const results = new Map<string, BulkRound[]>(plan.map((m) => [label(m), []]));
  const notes: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = plan.map((_, i) => plan[(i + round) % plan.length]!);
    for (const m of order) {
      const r = await bulkRound(ctx, ws(m.size), m.kind);
      if (r.mismatch) notes.push(`bulk ${label(m)} round ${round + 1}: ${r.mismatch}`);
      results.get(label(m))!.push(r);
    }
    log(`bulk round ${round + 1}/${rounds}: ${plan.map((m) => `${label(m)} ${ms(results.get(label(m))!.at(-1)!.ms)}`).join(', ')}`);
  }

  const get = (kind: BulkKind, size: number) => results.get(label({ kind, size }))!;
  const wall = (kind: BulkKind, size: number) => get(kind, size).map((r) => r.ms);
  /** Per round: how many times faster `kind` answered the same tenants than `than`. */
  const faster = (kind: BulkKind, than: BulkKind, size = COMPARED) => wall(than, size).map((t, i) => t / wall(kind, size)[i]!);
  const x = (xs: number[], digits = 1) => spread(xs, (n) => `${fmt(n, digits)}×`);
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  const perTenant = (kind: BulkKind, size: number) => `${fmt(median(wall(kind, size).map((t) => (t * 1000) / size)))} µs/tenant`;
  const cpu = (kind: BulkKind, size: number) => `client CPU ${ms(median(get(kind, size).map((r) => r.cpuMs)))}`;
  const rate = (kind: BulkKind, size: number) =>
    spread(
      wall(kind, size).map((t) => (size / t) * 1000),
      (n) => `${fmt(n)} tenants/s`,
    );
  const growth = (kind: BulkKind, size: number) =>
    size === BULK_SIZES[0]
      ? 'the growth baseline'
      : `${x(wall(kind, size).map((t, i) => t / wall(kind, BULK_SIZES[0])[i]!))} the time of ${BULK_SIZES[0]} tenants, for ${fmt(size / BULK_SIZES[0])}× the tenants`;

  const rows: string[][] = [];
  for (const kind of ['startMany', 'service'] as const) {
    for (const size of BULK_SIZES) {
      const name =
        kind === 'startMany' ? `bulk, gate only: startMany(), ${fmt(size)} tenants` : `bulk, service: bulkStart() ("all", recorded), ${fmt(size)} tenants`;
      const compared = size === COMPARED;
      const vsSingle = median(compared ? faster(kind, 'single') : []);
      const answer = median(wall(kind, size));
      rows.push([
        name,
        `median ${ms(answer)} (${ms(Math.min(...wall(kind, size)))}–${ms(Math.max(...wall(kind, size)))})`,
        `${rate(kind, size)}; ${perTenant(kind, size)}; ${cpu(kind, size)}`,
        compared
          ? `${x(faster(kind, 'single'))} faster than the single loop, ${x(faster(kind, 'single16'))} than 16 clients; ${growth(kind, size)}`
          : growth(kind, size),
        compared ? `≥ 10× single loop: ${verdict(vsSingle >= 10)}; median < 1 s: ${verdict(answer < 1000)}` : '',
      ]);
    }
  }
  rows.push(
    [
      `the same ${fmt(COMPARED)} tenants, start() one after the other, 1 client`,
      `median ${ms(median(wall('single', COMPARED)))} (${ms(Math.min(...wall('single', COMPARED)))}–${ms(Math.max(...wall('single', COMPARED)))})`,
      `${rate('single', COMPARED)}; ${perTenant('single', COMPARED)}; ${cpu('single', COMPARED)}`,
      '1.0× (baseline)',
      '',
    ],
    [
      `the same ${fmt(COMPARED)} tenants, start(), 16 clients`,
      `median ${ms(median(wall('single16', COMPARED)))} (${ms(Math.min(...wall('single16', COMPARED)))}–${ms(Math.max(...wall('single16', COMPARED)))})`,
      `${rate('single16', COMPARED)}; ${perTenant('single16', COMPARED)}; ${cpu('single16', COMPARED)}`,
      `${x(faster('single16', 'single'))} faster than the single loop`,
      '',
    ],
  );
  const ok = !notes.length;
  const table = markdownTable(
    [
      `bulk start (1 in ${BULK_BLOCKED_EVERY} tenants blocked: no consent)`,
      `answered in (median of ${rounds}, min–max)`,
      'tenants/s; per tenant; client CPU',
      'ratio (same rounds)',
      'target',
    ],
    rows,
  );
  return {
    table,
    ok,
    notes: ok
      ? [
          'bulk checks: every round, every tenant answered as the fixture says (accepted / blocked), one queued run, one job and one audit row per healthy tenant, one new blocked record per tenant without consent; the service recorded one item per tenant',
        ]
      : notes,
  };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const ephemeral = args.includes('--ephemeral');
  const i = args.indexOf('--rounds');
  const rounds = i >= 0 ? Number(args[i + 1]) : quick ? 3 : 5;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const t0 = Date.now();
  const loadAtStart = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const bench = await openBenchDatabase({ ephemeral });
  const db16 = connectDatabase(bench.url, { max: 16, applicationName: 'bench16' });
  const db64 = connectDatabase(bench.url, { max: 1, applicationName: 'bench64' });
  try {
    log(`database: ${bench.kind}`);
    const fixture = await createFixture(bench.url, 0);
    const workspaces = await createBulkWorkspaces(bench.url, fixture.userId);
    log(`fixture: ${((Date.now() - t0) / 1000).toFixed(1)} s since start`);
    const boss = await startBoss(db16.pool);
    const ctx: BenchContext = { db16, db64, fixture, boss };
    await prepareThroughput(ctx);
    const section = await measureBulk(ctx, workspaces, rounds, log);
    const out = [
      `machine: ${os.availableParallelism()} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}; node ${process.version}`,
      `database: ${bench.kind}`,
      `load average (1/5/15 min) at start ${loadAtStart}, at end ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
      `command: node bench/bulk.ts${args.length ? ` ${args.join(' ')}` : ''}`,
      '',
      section.table,
      '',
      ...section.notes,
      `total time ${fmt((Date.now() - t0) / 1000, 1)} s`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    if (!section.ok) process.exitCode = 1;
    await boss.stop();
  } finally {
    await db16.close();
    await db64.close();
    await bench.close();
  }
}
