// The only module that changes a run's state after admission. Every transition is a
// conditional update on the state it expects, so two actors (a worker and the recovery
// sweep, two workers after a lease expired) can never both move the same run.
//
//   queued --markRunning--> running --complete--> completed(succeeded|partially_succeeded|failed)
//   running --(lease expired) interruptExpired--> completed(failed, execution_interrupted)
//   queued  --(job lost)      interruptLost-----> completed(failed, execution_interrupted)
//   queued  --cancel--------> completed(cancelled, run_cancelled)          (at once)
//   running --cancel--------> running + cancel_requested_at
//           --(job checkpoint) complete--> completed(cancelled, run_cancelled)
import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/connect.ts';
import type { OperationRun, ReasonParams, SummaryCounts } from '../db/schema.ts';

export type TerminalOutcome = 'succeeded' | 'partially_succeeded' | 'failed' | 'cancelled';

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

export type Beat =
  | { kind: 'ours' }
  /** Someone asked to cancel: the job stops at this checkpoint. */
  | { kind: 'cancel_requested'; by: string | null }
  /** Recovered by the sweep, or completed: the run is no longer ours. */
  | { kind: 'lost' };

/** Extends the lease, and tells the job whether it should go on. */
export async function heartbeat(db: DbOrTx, runId: string, leaseOwner: string, leaseSeconds: number): Promise<Beat> {
  const r = await db
    .updateTable('operation_runs')
    .set({ heartbeat_at: sql<Date>`now()`, lease_expires_at: sql<Date>`now() + make_interval(secs => ${leaseSeconds})` })
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .where('lease_owner', '=', leaseOwner)
    .returning(['cancel_requested_at', 'cancel_requested_by'])
    .executeTakeFirst();
  if (!r) return { kind: 'lost' };
  return r.cancel_requested_at ? { kind: 'cancel_requested', by: r.cancel_requested_by } : { kind: 'ours' };
}

export type CancelResult =
  /** Was queued: ended cancelled in this statement; its scope is free. */
  | { kind: 'cancelled'; run: OperationRun }
  /** Is running: asked to stop; it ends cancelled at its job's next checkpoint. */
  | { kind: 'cancel_requested'; run: OperationRun }
  /** Already completed (or blocked): nothing to cancel. */
  | { kind: 'not_active' };

/**
 * One statement decides, under the row lock, between "queued -> cancelled now" and "running ->
 * asked to stop". The worker's claim (markRunning) is a conditional update on status = 'queued'
 * on the same row, so whichever commits first wins and the other sees its result: a run
 * reported cancelled can never be claimed afterwards, and a run claimed first is reported as
 * "cancel requested", never as cancelled while it still runs. Call it inside the caller's
 * transaction, so the request and its audit row commit together.
 */
export async function cancel(tx: DbOrTx, runId: string, byUserId: string, byEmail: string): Promise<CancelResult> {
  const { rows } = await sql<OperationRun>`
    update operation_runs set
      cancel_requested_at = coalesce(cancel_requested_at, now()),
      cancel_requested_by = coalesce(cancel_requested_by, ${byUserId}::uuid),
      status       = case when status = 'queued' then 'completed' else status end,
      outcome      = case when status = 'queued' then 'cancelled' else outcome end,
      completed_at = case when status = 'queued' then now() else completed_at end,
      reason_code  = case when status = 'queued' then 'run_cancelled' else reason_code end,
      reason_params = case when status = 'queued' then jsonb_build_object('by', ${byEmail}::text) else reason_params end
    where id = ${runId} and status in ('queued', 'running')
    returning *`.execute(tx);
  const row = rows[0];
  if (!row) return { kind: 'not_active' as const };
  if (row.status === 'completed') {
    // Its job would find the run no longer queued and do nothing; remove it all the same
    // (the queue's own function: deletes it, or stops a locked one from retrying).
    await sql`select graphile_worker.remove_job(${row.id})`.execute(tx);
    await notifyInitiator(tx, [row]);
    return { kind: 'cancelled' as const, run: row };
  }
  return { kind: 'cancel_requested' as const, run: row };
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
  const values = runs.filter((r) => r.trigger !== 'scheduled' && r.initiator_user_id).map((r) => ({ user_id: r.initiator_user_id!, run_id: r.id }));
  if (values.length) {
    await tx
      .insertInto('notifications')
      .values(values)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}
