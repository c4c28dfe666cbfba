// One round of each measurement. run.ts calls these round after round and reports medians.
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Database } from '../src/db/connect.ts';
import { preflight, start } from '../src/gate/start.ts';
import type { Outcome, StartInput } from '../src/gate/result.ts';
import type { OperationType } from '../src/operations/definition.ts';
import { ProviderError } from '../src/provider/types.ts';
import { startWorker, type WorkerHandle } from '../src/runs/worker.ts';
import { createSecretBox } from '../src/security/secret-box.ts';
import { closedLoop, EXHAUSTED, openLoop, type LoopResult } from './loops.ts';
import { graphileAddJob, type BossPeer } from './peers.ts';
import { freeAllScopes, type Fixture, type Scope } from './setup.ts';

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

export async function acceptedPath(ctx: BenchContext, kind: AcceptedPathKind, clients: number, durationMs: number): Promise<LoopResult & { notAccepted: number }> {
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
        values: [ctx.fixture.workspaceId, scope.tenantId, 'inventory.sync', scope.connectionId, `inventory.sync|t:${scope.tenantId}`,
          ctx.fixture.userId, 'operator', JSON.stringify({ providerConnectionName: 'bench' })],
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
  let sampling = true;
  const ids = scopes.map((s) => s.connectionId);
  const sampling$ = (async () => {
    while (sampling) {
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
  sampling = false;
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
