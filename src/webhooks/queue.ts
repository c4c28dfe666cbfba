// Deliveries reach the job queue only here, and only as `webhook.deliver` jobs: this is not
// provider-backed work, so it does not go through the gate (test/guard.test.ts allows this
// file and checks it names no other task). One job per delivery at a time: the job key makes
// a retry or a rescue replace a waiting job instead of adding a second one; a job that is
// already running is harmless too, since sending starts with a conditional claim (deliver.ts).
// Each webhook has its own named queue, so its deliveries run one at a time: a slow or dead
// receiver holds at most one worker slot, and runs and other webhooks keep the rest.
import { sql } from 'kysely';
import type { DbOrTx } from '../db/connect.ts';
import { DELIVER_TASK } from './events.ts';

/** Enqueues a delivery job for each id, to run at the delivery's next_attempt_at. */
export async function enqueueDeliveries(db: DbOrTx, deliveryIds: readonly string[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  await sql`
    select graphile_worker.add_job(
      ${DELIVER_TASK},
      json_build_object('deliveryId', d.id),
      queue_name := 'opsgate_webhook:' || d.webhook_id::text,
      run_at := coalesce(d.next_attempt_at, now()),
      max_attempts := 1,
      job_key := 'webhook:' || d.id::text,
      job_key_mode := 'replace')
    from webhook_deliveries d
    where d.id = any(${deliveryIds}::uuid[]) and d.status = 'pending'`.execute(db);
}
