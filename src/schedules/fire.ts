// Firing due schedules: called by every worker process on a short tick. Each due schedule is
// claimed by exactly one process (a conditional update under FOR UPDATE SKIP LOCKED, with the
// firing row inserted in the same transaction), then fired as a bulk start with trigger
// "scheduled" and no initiator: the same gate, no toast, no notification.
import { sql } from 'kysely';
import { bulkStart } from '../bulk/bulk-start.ts';
import type { Db } from '../db/connect.ts';
import { isOperationType } from '../operations/definition.ts';
import { nextFire } from './cron.ts';

/** A firing whose process died before its bulk start finished is taken over after this long. */
export const ORPHAN_AFTER_SECONDS = 120;

interface Claimed {
  firingId: string;
  scheduleId: string;
  workspaceId: string;
  type: string;
  selection: 'all' | string[];
}

/** Fires every schedule that is due now; returns the bulk operation ids started. */
export async function fireDueSchedules(db: Db, processId: string, now: Date = new Date()): Promise<string[]> {
  const claimed = [...(await claimDue(db, processId, now)), ...(await claimOrphans(db, processId))];
  const started: string[] = [];
  for (const c of claimed) {
    if (!isOperationType(c.type)) continue;
    const bulkId = await bulkStart(db, {
      workspaceId: c.workspaceId,
      type: c.type,
      selection: c.selection,
      trigger: 'scheduled',
      initiatorUserId: null,
      asUserId: null,
    });
    const bulk = await db.selectFrom('bulk_operations').select('counts').where('id', '=', bulkId).executeTakeFirstOrThrow();
    await db
      .updateTable('schedule_firings')
      .set({ bulk_operation_id: bulkId, counts: JSON.stringify(bulk.counts) })
      .where('id', '=', c.firingId)
      .execute();
    started.push(bulkId);
  }
  return started;
}

async function claimDue(db: Db, processId: string, now: Date): Promise<Claimed[]> {
  return db.transaction().execute(async (tx) => {
    const due = await tx.selectFrom('schedules').selectAll().where('enabled', '=', true).where('next_fire_at', '<=', now).forUpdate().skipLocked().execute();
    const out: Claimed[] = [];
    for (const s of due) {
      // Missed instants collapse into this one firing: the next is the first after now.
      const next = nextFire(s.cron, s.timezone, now);
      await tx.updateTable('schedules').set({ next_fire_at: next }).where('id', '=', s.id).execute();
      const firing = await tx
        .insertInto('schedule_firings')
        .values({ schedule_id: s.id, fired_at: s.next_fire_at!, claimed_by: processId })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (firing) out.push({ firingId: firing.id, scheduleId: s.id, workspaceId: s.workspace_id, type: s.type, selection: s.selection });
    }
    return out;
  });
}

/** Firings claimed by a process that died before its bulk start was recorded: taken over once. */
async function claimOrphans(db: Db, processId: string): Promise<Claimed[]> {
  const { rows } = await sql<{ id: string; schedule_id: string; workspace_id: string; type: string; selection: 'all' | string[] }>`
    update schedule_firings f set claimed_by = ${processId}, claimed_at = now()
      from schedules s
     where s.id = f.schedule_id and f.bulk_operation_id is null
       and f.claimed_at < now() - make_interval(secs => ${ORPHAN_AFTER_SECONDS})
       and f.id in (select id from schedule_firings where bulk_operation_id is null
                     and claimed_at < now() - make_interval(secs => ${ORPHAN_AFTER_SECONDS})
                     for update skip locked)
    returning f.id, f.schedule_id, s.workspace_id, s.type, s.selection`.execute(db);
  return rows.map((r) => ({ firingId: r.id, scheduleId: r.schedule_id, workspaceId: r.workspace_id, type: r.type, selection: r.selection }));
}

/** Starts the tick in a worker process; returns a stop function. */
export function startScheduleTicker(db: Db, processId: string, opts: { intervalMs?: number; onError?: (err: unknown) => void } = {}): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await fireDueSchedules(db, processId);
    } catch (err) {
      // The database may be restarting; the next tick tries again (nothing was half-claimed:
      // a claim is one transaction, and an unfinished firing is taken over later).
      opts.onError?.(err);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), opts.intervalMs ?? 10_000);
  void tick();
  return () => clearInterval(timer);
}
