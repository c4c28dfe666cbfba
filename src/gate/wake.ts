// Wakes idle workers after admissions committed. The admission writes its job row without
// NOTIFY (migration 0004: a NOTIFY inside it would serialise admission commits); the wake-up is
// a transaction of its own, which writes no WAL and so waits for no flush. Nobody waits for it:
// the caller's answer does not depend on it, and a wake-up that is lost (database restarting,
// pool closing) costs at most the workers' poll interval. Under load, admissions that commit
// while a wake-up is in flight share the next one ("count" tells the queue how many jobs).
import type { Db } from '../db/connect.ts';
import { preparedStatement } from '../db/prepared.ts';

const NOTIFY = preparedStatement(`select pg_notify('jobs:insert', $1)`);

interface Pending {
  count: number;
  inFlight: boolean;
}
const pendingByDb = new WeakMap<Db, Pending>();

export function wakeWorkers(db: Db): void {
  let p = pendingByDb.get(db);
  if (!p) pendingByDb.set(db, (p = { count: 0, inFlight: false }));
  p.count++;
  if (!p.inFlight) send(db, p);
}

function send(db: Db, p: Pending): void {
  // graphile-worker listens on "jobs:insert" and nudges up to `count` idle workers.
  const payload = JSON.stringify({ count: p.count });
  p.count = 0;
  p.inFlight = true;
  NOTIFY(db, [payload])
    .catch(() => undefined)
    .finally(() => {
      p.inFlight = false;
      if (p.count > 0) send(db, p);
    });
}
