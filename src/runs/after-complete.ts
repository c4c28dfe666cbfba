// What happens after a run completes, beyond the run row and the notification (which the
// run service writes in the completing transaction): the onboarding continuation admits the
// next pending bootstrap selection through the gate.
import type { Db } from '../db/connect.ts';
import type { OperationRun } from '../db/schema.ts';
import { continueAfterRun } from '../onboarding/bootstrap.ts';

export async function onRunCompleted(db: Db, run: OperationRun): Promise<void> {
  await continueAfterRun(db, run);
}
