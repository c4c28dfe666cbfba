// The database stopped and started again five times during admissions (clean stops and
// crashes, alternating; durable server, same data folder and port): errors or answers, never a
// half-admitted run; the API pool recovers by itself; no "accepted" answer is lost; every run
// ends terminal; the worker process survives every restart on its own (src/runs/connection-guard.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { restartViolations, runDbRestart, type RestartReport } from './lib/db-restart.ts';

let r: RestartReport;
beforeAll(async () => {
  r = await runDbRestart({
    clients: 16,
    scopes: 8,
    outages: [
      { mode: 'fast', downMs: 1000 },
      { mode: 'immediate', downMs: 1000 },
      { mode: 'fast', downMs: 2500 },
      { mode: 'immediate', downMs: 2500 },
      { mode: 'fast', downMs: 500 },
    ],
    loadBetweenMs: 3000,
    leaseSeconds: 2,
  });
  console.log(`[reliability] db restart: ${JSON.stringify(r)}`);
});

describe('database restarts during admissions', () => {
  it('errors or answers, never half-admitted; the pool recovers; nothing accepted is lost', () => {
    expect(restartViolations(r)).toEqual([]);
    expect(r.errors).toBeGreaterThan(0);
  });

  it('the worker process survives a database restart by itself (no supervisor needed)', () => {
    expect(restartViolations(r, { strictWorker: true })).toEqual([]);
  });
});
