// One round of each measurement. run.ts calls these round after round and reports medians.
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Database } from '../src/db/connect.ts';
import { bulkStart } from '../src/bulk/bulk-start.ts';
import { startMany } from '../src/gate/start-many.ts';
import { preflight, start } from '../src/gate/start.ts';
import type { Outcome, StartInput } from '../src/gate/result.ts';
import type { OperationType } from '../src/operations/definition.ts';
import { ProviderError } from '../src/provider/types.ts';
import { startWorker, type WorkerHandle } from '../src/runs/worker.ts';
import { createSecretBox } from '../src/security/secret-box.ts';
import { closedLoop, EXHAUSTED, openLoop, type LoopResult } from './loops.ts';
import { graphileAddJob, type BossPeer } from './peers.ts';
import { freeAllScopes, type BulkWorkspace, type Fixture, type Scope } from './setup.ts';

export interface BenchContext {
  /** The pool of the 16-client measurements (ceiling, gate, peers). */
  db16: Database;
  /** The pool of the 64-client contended measurement. */
  db64: Database;
  fixture: Fixture;
  boss: BossPeer;
}

const input = (f: Fixture, scope: Scope, type: OperationType = 'inventory.sync'): StartInput => ({
  type,
  tenantId: scope.tenantId,
  trigger: 'operator',
  initiatorUserId: f.userId,
  providerConnectionId: scope.connectionId,
});

/** Hands out each fresh scope once; `reset` after freeAllScopes. */
class ScopeSupply {
  private next = 0;
  private readonly scopes: readonly Scope[];
  constructor(scopes: readonly Scope[]) {
    this.scopes = scopes;
  }
  take(): Scope | null {
    return this.next < this.scopes.length ? this.scopes[this.next++]! : null;
  }
  reset(): void {
    this.next = 0;
  }
}

/** `admission`: the admission statement alone, tenant and connection already known (a breakdown, not a peer). */
export const ACCEPTED_PATH_KINDS = ['ceiling', 'gate', 'graphile', 'pgboss', 'admission'] as const;
export type AcceptedPathKind = (typeof ACCEPTED_PATH_KINDS)[number];

export async function prepareThroughput(ctx: BenchContext): Promise<void> {
  await ctx.db16.pool.query('create table if not exists bench_ceiling (id uuid primary key default gen_random_uuid(), v int not null)');
  // Open all 16 connections before measuring anything.
  await Promise.all(Array.from({ length: 16 }, async () => (await ctx.db16.pool.connect()).release()));
  await Promise.all(Array.from({ length: 64 }, async () => (await ctx.db64.pool.connect()).release()));
}

/** Empties what the previous measurement wrote, so each one starts from the same state. Not timed. */
async function clean(ctx: BenchContext): Promise<void> {
  await freeAllScopes(ctx.db16.pool);
  await ctx.db16.pool.query('truncate bench_ceiling');
  await ctx.boss.clear();
}

export async function acceptedPath(
  ctx: BenchContext,
  kind: AcceptedPathKind,
  clients: number,
  durationMs: number,
): Promise<LoopResult & { notAccepted: number }> {
  await clean(ctx);
  const { pool, db } = ctx.db16;
  let notAccepted = 0;
  const supply = new ScopeSupply(ctx.fixture.fresh);
  const prefix = crypto.randomBytes(4).toString('hex');
  let seq = 0;
  const ops: Record<AcceptedPathKind, () => Promise<unknown>> = {
    ceiling: async () => {
      const c = await pool.connect();
      try {
        await c.query('begin');
        await c.query('insert into bench_ceiling (v) values ($1)', [seq++]);
        await c.query('commit');
      } finally {
        c.release();
      }
    },
    gate: async () => {
      const scope = supply.take();
      if (!scope) return EXHAUSTED;
      const r = await start(db, input(ctx.fixture, scope));
      if (r.outcome !== 'accepted') notAccepted++;
      return r;
    },
    graphile: () => graphileAddJob(pool, `${prefix}-${seq++}`),
    admission: async () => {
      const scope = supply.take();
      if (!scope) return EXHAUSTED;
      const { rows } = await pool.query<{ outcome: string }>({
        name: 'bench_admission',
        text: 'select * from opsgate_admit($1, $2, $3, $4, $5, $6, $7, $8)',
        values: [
          ctx.fixture.workspaceId,
          scope.tenantId,
          'inventory.sync',
          scope.connectionId,
          `inventory.sync|t:${scope.tenantId}`,
          ctx.fixture.userId,
          'operator',
          JSON.stringify({ providerConnectionName: 'bench' }),
        ],
      });
      if (rows[0]!.outcome !== 'accepted') notAccepted++;
    },
    pgboss: async () => {
      const id = await ctx.boss.send(`${prefix}-${seq++}`);
      if (!id) notAccepted++;
    },
  };
  const result = await closedLoop(clients, durationMs, ops[kind]);
  return { ...result, notAccepted };
}

type ContendedStart = (db: Database['db'], input: StartInput) => Promise<{ outcome: Outcome; run: { id: string } }>;

export interface ContendedResult extends LoopResult {
  outcomes: Record<Outcome, number>;
  acceptedPerScope: number[];
  runsPerScope: number[];
  maxActiveSampled: number;
  samples: number;
}

/** 64 clients on 8 scopes, two operation types: one accepted per scope, the rest deduped / scope busy. */
export async function contended(ctx: BenchContext, durationMs: number, startFn: ContendedStart = start): Promise<ContendedResult> {
  await clean(ctx);
  const { fixture } = ctx;
  const scopes = fixture.contended;
  const since = (await ctx.db16.pool.query<{ t: Date }>('select clock_timestamp() as t')).rows[0]!.t;
  const outcomes: Record<Outcome, number> = { accepted: 0, deduped: 0, scope_busy: 0, blocked: 0 };
  const acceptedPerScope = scopes.map(() => 0);
  const types: OperationType[] = ['inventory.sync', 'compliance.snapshot'];

  // An independent observer: the number of active runs per scope, sampled throughout.
  const sampler = new pg.Client(ctx.db16.url);
  await sampler.connect();
  let maxActiveSampled = 0;
  let samples = 0;
  const stopSampling = new AbortController();
  const ids = scopes.map((s) => s.connectionId);
  const sampling$ = (async () => {
    while (!stopSampling.signal.aborted) {
      const { rows } = await sampler.query<{ n: number }>(
        `select coalesce(max(n), 0)::int as n from (select count(*) as n from operation_runs
          where status in ('queued', 'running') and provider_connection_id = any($1::uuid[]) group by provider_connection_id) s`,
        [ids],
      );
      maxActiveSampled = Math.max(maxActiveSampled, rows[0]!.n);
      samples++;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();

  const result = await closedLoop(64, durationMs, async (client, i) => {
    const s = client % scopes.length;
    const r = await startFn(ctx.db64.db, input(fixture, scopes[s]!, types[(client + i) % 2]!));
    outcomes[r.outcome]++;
    if (r.outcome === 'accepted') acceptedPerScope[s]!++;
  });
  stopSampling.abort();
  await sampling$;
  await sampler.end();
  const { rows } = await ctx.db16.pool.query<{ id: string; n: number }>(
    `select provider_connection_id as id, count(*)::int as n from operation_runs
      where created_at >= $1 and outcome <> 'blocked' and provider_connection_id = any($2::uuid[]) group by 1`,
    [since, ids],
  );
  const runsPerScope = ids.map((id) => rows.find((r) => r.id === id)?.n ?? 0);
  return { ...result, outcomes, acceptedPerScope, runsPerScope, maxActiveSampled, samples };
}

export interface OpenLoopRound {
  latencies: number[];
  byOutcome: Record<Outcome, number[]>;
  lateness: number[];
  errors: number;
  outcomes: Record<Outcome, number>;
  unexpected: number;
}

/** Fixed arrivals at `rate`/s: a quarter each accepted, deduped, scope busy, blocked. */
export async function openLoopMixed(ctx: BenchContext, rate: number, durationMs: number): Promise<OpenLoopRound> {
  await clean(ctx);
  const { fixture } = ctx;
  const { db } = ctx.db16;
  for (const scope of fixture.busy) {
    const r = await start(db, input(fixture, scope));
    if (r.outcome !== 'accepted') throw new Error(`busy scope setup: ${r.outcome}`);
  }
  const supply = new ScopeSupply(fixture.fresh);
  const outcomes: Record<Outcome, number> = { accepted: 0, deduped: 0, scope_busy: 0, blocked: 0 };
  let unexpected = 0;
  const byOutcome: Record<Outcome, number[]> = { accepted: [], deduped: [], scope_busy: [], blocked: [] };
  const plan: { expect: Outcome; input: () => StartInput }[] = [
    { expect: 'accepted', input: () => input(fixture, supply.take()!) },
    { expect: 'deduped', input: () => input(fixture, fixture.busy[Math.floor(Math.random() * fixture.busy.length)]!) },
    { expect: 'scope_busy', input: () => input(fixture, fixture.busy[Math.floor(Math.random() * fixture.busy.length)]!, 'compliance.snapshot') },
    { expect: 'blocked', input: () => input(fixture, fixture.blocked[Math.floor(Math.random() * fixture.blocked.length)]!) },
  ];
  const r = await openLoop(rate, durationMs, async (i) => {
    const step = plan[i % plan.length]!;
    const s = performance.now();
    const res = await start(db, step.input());
    byOutcome[res.outcome].push(performance.now() - s);
    outcomes[res.outcome]++;
    if (res.outcome !== step.expect) unexpected++;
  });
  return { ...r, byOutcome, outcomes, unexpected };
}

/** The floor for the open-loop latencies: a bare durable INSERT transaction at the same arrival rate. */
export async function openLoopCeiling(ctx: BenchContext, rate: number, durationMs: number): Promise<number[]> {
  await clean(ctx);
  const { pool } = ctx.db16;
  const r = await openLoop(rate, durationMs, async (i) => {
    const c = await pool.connect();
    try {
      await c.query('begin');
      await c.query('insert into bench_ceiling (v) values ($1)', [i]);
      await c.query('commit');
    } finally {
      c.release();
    }
  });
  return r.latencies;
}

/** preflight() alone, one caller at a time, on an idle system. */
export async function preflightOnly(ctx: BenchContext, iterations: number): Promise<number[]> {
  await clean(ctx);
  const inp = input(ctx.fixture, ctx.fixture.contended[0]!);
  const latencies: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const s = performance.now();
    const r = await preflight(ctx.db16.db, inp);
    latencies.push(performance.now() - s);
    if (r.wouldBe !== 'accepted') throw new Error(`preflight: ${r.wouldBe}`);
  }
  return latencies;
}

export interface PickupBench {
  worker: WorkerHandle;
  stop(): Promise<void>;
}

/**
 * An idle worker (graphile-worker, LISTEN/NOTIFY wake-up) whose provider is never reached: the
 * run fails fast with provider_unavailable right after it is marked running. The measurement
 * ends at started_at.
 */
export async function startIdleWorker(workerDb: Database): Promise<WorkerHandle> {
  return startWorker({
    database: workerDb,
    box: createSecretBox(crypto.randomBytes(32)),
    providerFor: () => {
      throw new ProviderError({ code: 'provider_unavailable', params: { cloud: 'bench' } });
    },
    concurrency: 4,
    leaseSeconds: 30,
  });
}

type StartFn = (db: Database['db'], input: StartInput) => Promise<{ outcome: string; run: { id: string } }>;

/** Accepted → running, per sample: started_at − created_at, both stamped by the server. */
export async function acceptedToRunning(ctx: BenchContext, samples: number, startFn: StartFn = start): Promise<number[]> {
  await clean(ctx);
  const supply = new ScopeSupply(ctx.fixture.fresh);
  const { db, pool } = ctx.db16;
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    // Let the worker go back to waiting for a notification: it is idle when the start lands.
    await new Promise((r) => setTimeout(r, 30 + Math.random() * 30));
    const r = await startFn(db, input(ctx.fixture, supply.take()!));
    if (r.outcome !== 'accepted') throw new Error(`pickup: ${r.outcome}`);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { rows } = await pool.query<{ status: string; ms: number | null }>(
        `select status, extract(epoch from started_at - created_at)::float8 * 1000 as ms from operation_runs where id = $1`,
        [r.run.id],
      );
      const row = rows[0]!;
      if (row.ms !== null) {
        out.push(row.ms);
        break;
      }
      if (Date.now() > deadline) throw new Error(`run ${r.run.id} not picked up within 10 s (${row.status})`);
      await new Promise((res) => setTimeout(res, 2));
    }
  }
  return out;
}

/**
 * One operation on every tenant of a bulk workspace (setup.ts createBulkWorkspace: 1 in 10
 * without consent), four ways:
 * - `startMany`: the gate's set-based start (src/gate/start-many.ts), one call;
 * - `service`:   the bulk service (src/bulk/bulk-start.ts): tenant selection ("all", as the
 *                user), startMany, and the bulk operation's record (bulk_operations + items);
 * - `single`:    the same tenants as `start()` calls in a loop, one after the other (one client);
 * - `single16`:  the same, 16 clients pulling from the same list.
 */
export const BULK_KINDS = ['startMany', 'service', 'single', 'single16'] as const;
export type BulkKind = (typeof BULK_KINDS)[number];

export interface BulkRound {
  /** Wall time of the whole bulk, from the call to the last answer. */
  ms: number;
  /** This Node process's CPU time during it. */
  cpuMs: number;
  outcomes: Record<Outcome, number>;
  /** What did not match the fixture (answers, runs, jobs, records); null when everything did. */
  mismatch: string | null;
}

export async function bulkRound(ctx: BenchContext, ws: BulkWorkspace, kind: BulkKind): Promise<BulkRound> {
  const { pool, db } = ctx.db16;
  // A blocked start reuses the record of an identical one within BLOCKED_REUSE_SECONDS (the
  // same click again). Every repetition here is a first click: older records are moved out of
  // that window, then every scope is freed as before each measurement. Not timed.
  await pool.query(
    `update operation_runs set last_attempt_at = last_attempt_at - interval '1 day'
      where outcome = 'blocked' and last_attempt_at > now() - interval '1 day'`,
  );
  await clean(ctx);
  const since = (await pool.query<{ t: Date }>('select clock_timestamp() as t')).rows[0]!.t;
  const userId = ctx.fixture.userId;
  const outcomes: Record<Outcome, number> = { accepted: 0, deduped: 0, scope_busy: 0, blocked: 0 };
  const single = (tenantId: string) => start(db, { type: 'inventory.sync', tenantId, trigger: 'operator', initiatorUserId: userId });
  let bulkId: string | null = null;

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (kind === 'startMany') {
    const rs = await startMany(db, { type: 'inventory.sync', tenantIds: ws.tenantIds, trigger: 'operator', initiatorUserId: userId });
    for (const r of rs) outcomes[r.outcome]++;
  } else if (kind === 'service') {
    bulkId = await bulkStart(db, {
      workspaceId: ws.workspaceId,
      type: 'inventory.sync',
      selection: 'all',
      trigger: 'operator',
      initiatorUserId: userId,
      asUserId: userId,
    });
  } else if (kind === 'single') {
    for (const id of ws.tenantIds) outcomes[(await single(id)).outcome]++;
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < ws.tenantIds.length) outcomes[(await single(ws.tenantIds[next++]!)).outcome]++;
      }),
    );
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);

  // Checks, not timed: every tenant answered as the fixture says, and the database holds
  // exactly one queued run and one job per healthy tenant and one new blocked record per
  // tenant without consent.
  if (bulkId) {
    const { rows } = await pool.query<{ counts: Record<string, number> }>('select counts from bulk_operations where id = $1', [bulkId]);
    for (const o of Object.keys(outcomes) as Outcome[]) outcomes[o] = rows[0]?.counts[o] ?? 0;
  }
  const healthy = ws.tenantIds.length - ws.blocked;
  const {
    rows: [db0],
  } = await pool.query<{ queued: number; blocked: number; scopes: number; jobs: number; audit: number; items: number }>(
    `select (select count(*)::int from operation_runs r join tenants t on t.id = r.tenant_id
              where t.workspace_id = $1 and r.status = 'queued') as queued,
            (select count(distinct r.provider_connection_id)::int from operation_runs r join tenants t on t.id = r.tenant_id
              where t.workspace_id = $1 and r.status = 'queued') as scopes,
            (select count(*)::int from operation_runs r join tenants t on t.id = r.tenant_id
              where t.workspace_id = $1 and r.outcome = 'blocked' and r.created_at >= $2) as blocked,
            (select count(*)::int from graphile_worker._private_jobs) as jobs,
            (select count(*)::int from audit_log where workspace_id = $1 and created_at >= $2) as audit,
            (select count(*)::int from bulk_operation_items where bulk_operation_id = $3) as items`,
    [ws.workspaceId, since, bulkId],
  );
  const expected = { accepted: healthy, blocked: ws.blocked, queued: healthy, scopes: healthy, jobs: healthy, audit: ws.tenantIds.length };
  const got = { accepted: outcomes.accepted, blocked: outcomes.blocked, queued: db0!.queued, scopes: db0!.scopes, jobs: db0!.jobs, audit: db0!.audit };
  const wrong = (Object.keys(expected) as (keyof typeof expected)[])
    .filter((k) => expected[k] !== got[k])
    .map((k) => `${k} ${got[k]} (expected ${expected[k]})`);
  if (db0!.blocked !== ws.blocked) wrong.push(`new blocked records ${db0!.blocked} (expected ${ws.blocked})`);
  if (bulkId && db0!.items !== ws.tenantIds.length) wrong.push(`bulk items ${db0!.items} (expected ${ws.tenantIds.length})`);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, outcomes, mismatch: wrong.length ? wrong.join(', ') : null };
}
