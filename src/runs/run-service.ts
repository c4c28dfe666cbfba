// The only module that changes a run's state after admission. Every transition is a
// conditional update on the state it expects, so two actors (a worker and the recovery
// sweep, two workers after a lease expired) can never both move the same run.
//
//   queued --markRunning--> running --complete--> completed(succeeded|partially_succeeded|failed)
//   running --(lease expired) interruptExpired--> completed(failed, execution_interrupted)
//   queued  --(job lost)      interruptLost-----> completed(failed, execution_interrupted)
import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/connect.ts';
import type { OperationRun, ReasonParams, SummaryCounts } from '../db/schema.ts';

export type TerminalOutcome = 'succeeded' | 'partially_succeeded' | 'failed';

export interface Completion {
  outcome: TerminalOutcome;
  summaryCounts: SummaryCounts;
  reasonCode: string | null;
  reasonParams: ReasonParams;
}

export async function markRunning(db: DbOrTx, runId: string, leaseOwner: string, leaseSeconds: number): Promise<OperationRun | null> {
  const row = await db
    .updateTable('operation_runs')
    .set({
      status: 'running',
      started_at: sql<Date>`now()`,
      heartbeat_at: sql<Date>`now()`,
      lease_owner: leaseOwner,
      lease_expires_at: sql<Date>`now() + make_interval(secs => ${leaseSeconds})`,
    })
    .where('id', '=', runId)
    .where('status', '=', 'queued')
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}

/** Extends the lease; false when the run is no longer ours (recovered, or completed). */
export async function heartbeat(db: DbOrTx, runId: string, leaseOwner: string, leaseSeconds: number): Promise<boolean> {
  const r = await db
    .updateTable('operation_runs')
    .set({ heartbeat_at: sql<Date>`now()`, lease_expires_at: sql<Date>`now() + make_interval(secs => ${leaseSeconds})` })
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .where('lease_owner', '=', leaseOwner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Completes a running run and, for operator starts, notifies the initiator, in one transaction. */
export async function complete(db: Db, runId: string, leaseOwner: string, c: Completion): Promise<OperationRun | null> {
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable('operation_runs')
      .set({
        status: 'completed',
        outcome: c.outcome,
        summary_counts: JSON.stringify(c.summaryCounts),
        reason_code: c.reasonCode,
        reason_params: JSON.stringify(c.reasonParams),
        completed_at: sql<Date>`now()`,
        lease_expires_at: null,
      })
      .where('id', '=', runId)
      .where('status', '=', 'running')
      .where('lease_owner', '=', leaseOwner)
      .returningAll()
      .executeTakeFirst();
    if (row) await notifyInitiator(tx, [row]);
    return row ?? null;
  });
}

/**
 * Runs whose worker stopped heart-beating (killed, partitioned) end as failed with
 * execution_interrupted, which frees their scope. Queued runs whose job can no longer run
 * (the queue row is gone, has used its one attempt, or has been locked longer than a lease)
 * end the same way.
 */
export async function interruptAbandoned(db: Db, leaseSeconds: number): Promise<OperationRun[]> {
  return db.transaction().execute(async (tx) => {
    const rows = await tx
      .updateTable('operation_runs')
      .set({
        status: 'completed',
        outcome: 'failed',
        reason_code: 'execution_interrupted',
        completed_at: sql<Date>`now()`,
        lease_expires_at: null,
      })
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'running'), eb('lease_expires_at', '<', sql<Date>`now()`)]),
          eb.and([
            eb('status', '=', 'queued'),
            eb('created_at', '<', sql<Date>`now() - make_interval(secs => ${leaseSeconds})`),
            sql<boolean>`not exists (
              select 1 from graphile_worker.jobs j
               where j.key = operation_runs.id::text
                 and ((j.locked_at is null and j.attempts < j.max_attempts)
                      or j.locked_at > now() - make_interval(secs => ${leaseSeconds})))`,
          ]),
        ]),
      )
      .returningAll()
      .execute();
    await notifyInitiator(tx, rows);
    return rows;
  });
}

/**
 * One notification per terminal run, to its initiator: the person who clicked, or the person
 * a system start acts for (an onboarding bootstrap's follow-on steps act for whoever started
 * the chain). Scheduled runs and system runs without an initiator notify nobody.
 */
async function notifyInitiator(tx: DbOrTx, runs: OperationRun[]): Promise<void> {
  const values = runs
    .filter((r) => r.trigger !== 'scheduled' && r.initiator_user_id)
    .map((r) => ({ user_id: r.initiator_user_id!, run_id: r.id }));
  if (values.length) {
    await tx.insertInto('notifications').values(values).onConflict((oc) => oc.doNothing()).execute();
  }
}
