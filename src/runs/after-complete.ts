// What happens after a run completes, beyond the run row and the notification (which the
// run service writes in the completing transaction). The onboarding continuation plugs in
// here: admit the next pending bootstrap selection through the gate.
import type { Db } from '../db/connect.ts';
import type { OperationRun } from '../db/schema.ts';

export async function onRunCompleted(_db: Db, _run: OperationRun): Promise<void> {
  // Onboarding continuation lands with the onboarding issue.
}
