// Prometheus metrics (docs/API.md "Operating it"). Counters and histograms live in this
// process's registry and count what this process did; gauges about shared state (active runs,
// the queue) are read from the database at scrape time, so every process reports the same
// truth however many there are. Loading this module subscribes to the gate's answers.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { observeStarts } from '../gate/observers.ts';
import { OPERATION_TYPES } from '../operations/definition.ts';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const startsTotal = new Counter({
  name: 'opsgate_starts_total',
  help: 'Start attempts through the gate, by operation type, outcome and reason code ("none" when accepted or deduped).',
  labelNames: ['type', 'outcome', 'reason'] as const,
  registers: [registry],
});

export const runDuration = new Histogram({
  name: 'opsgate_run_duration_seconds',
  help: 'From a worker claiming a run to its completion, by operation type and outcome.',
  labelNames: ['type', 'outcome'] as const,
  buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
  registers: [registry],
});

export const providerRequests = new Counter({
  name: 'opsgate_provider_requests_total',
  help: 'HTTP requests to the identity platform and Graph, by response status (429 = throttled) or transport failure (timeout, connect, network).',
  labelNames: ['status'] as const,
  registers: [registry],
});

observeStarts((r) => {
  const reason = r.outcome === 'blocked' ? r.reason.code : r.outcome === 'scope_busy' ? 'scope_busy' : 'none';
  startsTotal.inc({ type: r.type, outcome: r.outcome, reason });
});

/** A database that hangs must not hang the scrape. */
const SCRAPE_DB_TIMEOUT_MS = 2000;

async function withTimeout<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), SCRAPE_DB_TIMEOUT_MS);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function databaseGauges(db: Db): Promise<Registry> {
  const scrape = new Registry();
  const up = new Gauge({ name: 'opsgate_database_up', help: '1 when the database answered this scrape.', registers: [scrape] });
  try {
    const [active, waiting] = await withTimeout(
      Promise.all([
        sql<{ type: string; n: number }>`select type, count(*)::int as n from operation_runs where status in ('queued', 'running') group by type`.execute(db),
        // Jobs ready to run that no worker holds: the backlog.
        sql<{ n: number }>`select count(*)::int as n from graphile_worker._private_jobs where is_available and run_at <= now()`.execute(db),
      ]),
    );
    const runs = new Gauge({
      name: 'opsgate_runs_active',
      help: 'Runs queued or running (holding their scope), by operation type.',
      labelNames: ['type'] as const,
      registers: [scrape],
    });
    // Every type reports, at 0 when idle, so a series never disappears.
    for (const type of OPERATION_TYPES) runs.set({ type }, 0);
    for (const r of active.rows) runs.set({ type: r.type }, r.n);
    const queue = new Gauge({ name: 'opsgate_queue_jobs_waiting', help: 'Jobs ready to run that no worker has taken yet.', registers: [scrape] });
    queue.set(waiting.rows[0]?.n ?? 0);
    up.set(1);
  } catch {
    up.set(0);
  }
  return scrape;
}

export const METRICS_CONTENT_TYPE = registry.contentType;

/** The whole exposition: this process's metrics, then the database's gauges. */
export async function renderMetrics(db: Db): Promise<string> {
  const [own, shared] = await Promise.all([registry.metrics(), databaseGauges(db).then((r) => r.metrics())]);
  return `${own}\n${shared}`;
}
