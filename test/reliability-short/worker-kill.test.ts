// Short version of the worker-kill test (the long one: test/reliability/worker-kill.rel.ts):
// two worker processes under a steady stream of starts; one is SIGKILLed while it holds a
// running run and a replacement starts. Every run ends terminal, the dead worker's runs end
// execution_interrupted within one lease (+ one sweep), their scopes are admitted again,
// nothing is lost. The lease is 5 s (the long test: 3 s) so that a live worker starved of CPU by
// the rest of the suite running beside it does not lose its own run (once seen, not reproduced).
import { describe, expect, it } from 'vitest';
import { killViolations, runWorkerKill, type KillOptions } from '../reliability/lib/worker-kill.ts';

describe('worker SIGKILL under load (short)', () => {
  it('one kill: every run terminal, scopes free within the lease, nothing lost', async () => {
    const o: KillOptions = { scopes: 6, workers: 2, concurrency: 3, leaseSeconds: 5, loadMs: 5000, killEveryMs: 2000, latencyMs: 120, startIntervalMs: 40 };
    const r = await runWorkerKill(o);
    expect(killViolations(r, o)).toEqual([]);
    expect(r.kills.length).toBeGreaterThanOrEqual(1);
    expect(r.runs.byOutcome.succeeded ?? 0, JSON.stringify({ runs: r.runs, kills: r.kills.length })).toBeGreaterThan(0);
  }, 120_000);
});
