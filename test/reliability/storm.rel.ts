// 100 000 contended starts from 4 OS processes (16 callers each) on 8 scopes, scopes cycling as
// runs complete: zero double admissions (independent trigger timeline + sampling), zero runs
// without a job, zero jobs without a run, one audit row per start. Then the same with the
// advisory locks taken out (the partial unique indexes alone arbitrate), and a negative
// control that proves the checks catch a gate with neither.
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { seedDemoData, testBox } from '../helpers/seed.ts';
import { stormWorld } from './lib/fixtures.ts';
import { dropAdmissionIndexes, installLocklessAdmission } from './lib/invariants.ts';
import { runStorm, stormViolations, type StormReport } from './lib/storm.ts';

const dbs: TestDatabase[] = [];
afterAll(async () => {
  for (const d of dbs) await d.close();
});

async function world(setup: (tdb: TestDatabase) => Promise<void> = async () => undefined) {
  const tdb = await createTestDatabase({ max: 4 });
  dbs.push(tdb);
  await seedDemoData(tdb.db);
  await setup(tdb);
  return { tdb, world: await stormWorld(tdb.db, testBox, 8) };
}

const summary = (name: string, r: StormReport) =>
  console.log(
    `[reliability] ${name}: ${JSON.stringify({
      starts: r.starts,
      outcomes: r.outcomes,
      errors: r.errors,
      startsPerSecond: r.startsPerSecond,
      seconds: r.elapsedMs / 1000,
      sampledMaxActivePerScope: r.sampledMaxActivePerScope,
      samples: r.samples,
      overlaps: r.overlaps,
      jobs: r.invariants.jobs,
      admitted: r.invariants.admitted,
      admittedWithoutJob: r.invariants.admittedWithoutJob,
      jobsWithoutRun: r.invariants.jobsWithoutRun,
      auditStarts: r.invariants.auditStarts,
    })}`,
  );

describe('contended starts across 4 OS processes', () => {
  it('100 000 starts as shipped: zero double admissions, zero orphans', async () => {
    const { tdb, world: w } = await world();
    const r = await runStorm({ db: tdb.db, url: tdb.url, world: w, processes: 4, totalStarts: 100_000, clientsPerProcess: 16, timeoutMs: 1_500_000 });
    summary('storm 100k as shipped', r);
    expect(stormViolations(r, 100_000)).toEqual([]);
  });

  it('20 000 starts without the advisory locks: the unique indexes alone never admit twice', async () => {
    const { tdb, world: w } = await world((t) => installLocklessAdmission(t.db));
    const r = await runStorm({ db: tdb.db, url: tdb.url, world: w, processes: 4, totalStarts: 20_000, clientsPerProcess: 16 });
    summary('storm 20k unique indexes only', r);
    expect(stormViolations(r, 20_000)).toEqual([]);
  });

  it('negative control: a gate without the locks and without the unique indexes is caught admitting twice', async () => {
    const { tdb, world: w } = await world(async (t) => {
      await dropAdmissionIndexes(t.db);
      await installLocklessAdmission(t.db);
    });
    const r = await runStorm({ db: tdb.db, url: tdb.url, world: w, processes: 4, totalStarts: 4_000, clientsPerProcess: 16 });
    summary('storm negative control', r);
    expect(r.overlaps.scopeOverlaps).toBeGreaterThan(0);
    expect(stormViolations(r, 4_000).some((v) => v.includes('double admissions'))).toBe(true);
  });
});
