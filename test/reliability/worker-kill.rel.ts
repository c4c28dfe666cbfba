// Worker processes SIGKILLed again and again under a steady stream of starts (3 workers, a
// kill every ~6 s for a minute, each followed by a replacement): every run ends terminal, each
// killed run ends execution_interrupted within one lease (+ one sweep), its scope is admitted
// again, nothing is lost.
import { describe, expect, it } from 'vitest';
import { killViolations, runWorkerKill, type KillOptions } from './lib/worker-kill.ts';

describe('worker SIGKILL under load', () => {
  it('repeated kills for a minute: every run terminal, scopes free within the lease, nothing lost', async () => {
    const o: KillOptions = { scopes: 12, workers: 3, concurrency: 4, leaseSeconds: 3, loadMs: 60_000, killEveryMs: 6000, latencyMs: 150, startIntervalMs: 25 };
    const r = await runWorkerKill(o);
    console.log(
      `[reliability] worker kill: ${JSON.stringify({
        starts: r.starts,
        outcomes: r.outcomes,
        errors: r.errors,
        kills: r.kills.length,
        killedRuns: r.recoverySeconds.length,
        recoverySecondsMax: Math.max(...r.recoverySeconds),
        recoverySecondsMin: Math.min(...r.recoverySeconds),
        runs: r.runs,
        scopesReadmitted: `${r.scopesReadmitted}/${r.scopesOfKilledRuns}`,
        activeAfterDrain: r.activeAfterDrain,
        drainSeconds: r.drainSeconds,
        jobsLeftLockedByDeadWorkers: r.jobsLeft,
        jobsOfUnfinishedRuns: r.jobsOfUnfinishedRuns,
      })}`,
    );
    expect(killViolations(r, o)).toEqual([]);
    expect(r.kills.length).toBeGreaterThanOrEqual(5);
  });
});
