// Short version of the reliability storm (the long one: test/reliability/storm.rel.ts, via
// `npm run test:reliability`): ~2 000 contended starts from 4 OS processes on 8 scopes, with
// scopes cycling as runs complete. No double admission, no run without its job, no job
// without its run, one audit row per start — first as shipped, then with the advisory locks
// taken out of the admission so that the partial unique indexes alone are under test.
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { seedDemoData, testBox } from '../helpers/seed.ts';
import { stormWorld } from '../reliability/lib/fixtures.ts';
import { installLocklessAdmission } from '../reliability/lib/invariants.ts';
import { runStorm, stormViolations } from '../reliability/lib/storm.ts';

const dbs: TestDatabase[] = [];
afterAll(async () => {
  for (const d of dbs) await d.close();
});

async function world(locks: boolean) {
  const tdb = await createTestDatabase({ max: 4 });
  dbs.push(tdb);
  await seedDemoData(tdb.db);
  if (!locks) await installLocklessAdmission(tdb.db);
  return { tdb, world: await stormWorld(tdb.db, testBox, 8) };
}

describe('contended starts across 4 processes (short)', () => {
  it('2 000 starts as shipped: zero double admissions, zero orphans', async () => {
    const { tdb, world: w } = await world(true);
    const r = await runStorm({ db: tdb.db, url: tdb.url, world: w, processes: 4, totalStarts: 2000, clientsPerProcess: 8 });
    expect(stormViolations(r, 2000)).toEqual([]);
    expect(r.outcomes.accepted).toBeGreaterThan(20);
    expect(r.outcomes.deduped + r.outcomes.scope_busy).toBeGreaterThan(100);
  });

  it('800 starts without the advisory locks: the unique indexes alone admit one at a time', async () => {
    const { tdb, world: w } = await world(false);
    const r = await runStorm({ db: tdb.db, url: tdb.url, world: w, processes: 4, totalStarts: 800, clientsPerProcess: 8 });
    expect(stormViolations(r, 800)).toEqual([]);
  });
});
