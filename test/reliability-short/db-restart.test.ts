// Short version of the database-restart test (the long one: test/reliability/db-restart.rel.ts):
// 16 callers start operations while the embedded PostgreSQL (durable, its own data folder) is
// stopped and started again on the same port. Callers get errors or answers, never a
// half-admitted run; the same pool and worker recover by themselves; no "accepted" is lost.
import { describe, expect, it } from 'vitest';
import { restartViolations, runDbRestart } from '../reliability/lib/db-restart.ts';

describe('database restart during admissions (short)', () => {
  it('clean stop + start: errors or answers, nothing half-admitted, recovery without help', async () => {
    const r = await runDbRestart({ clients: 16, scopes: 8, outages: [{ mode: 'fast', downMs: 800 }], loadBetweenMs: 1500, leaseSeconds: 2 });
    expect(restartViolations(r, { strictWorker: true })).toEqual([]);
    expect(r.answers.accepted).toBeGreaterThan(0);
  }, 120_000);
});
