// The webhook outbox is a read, not a write path: nothing on a start or a completion knows
// about webhooks. A periodic task in the workers reads what happened since the last scan and
// writes one delivery per subscribed webhook, then enqueues their jobs.
//
// Runs: completed_at is set to the completing transaction's start time, so a run can become
// visible after a later-stamped one; each scan therefore re-reads an overlap window behind the
// watermark, and the unique (webhook, event, subject) key keeps a run from being sent twice.
// Attention: the open items of a workspace are compared with the set stored at its last scan
// (attention_open); keys not in the set are raised.
import { sql } from 'kysely';
import { findAttention } from '../attention/index.ts';
import type { Db, DbOrTx } from '../db/connect.ts';
import type { OperationRun, Role } from '../db/schema.ts';
import { presentRun } from '../presenter/run.ts';
import { attentionPayload, runPayload } from './payloads.ts';
import { enqueueDeliveries } from './queue.ts';

export interface OutboxOptions {
  /** How far behind the watermark each scan looks again, for late commits (default 2 min). */
  overlapMs?: number;
  /** Runs read per scan at most; the next scan goes on (default 500). */
  batch?: number;
  linkBase?: string | null;
}

type RunRow = OperationRun & {
  tenant_slug: string;
  tenant_name: string;
  initiator_email: string | null;
  connection_name: string | null;
  webhook_ids: string[];
};

/** One scan of completed and blocked runs. Returns how many deliveries it wrote. */
export async function scanRuns(db: Db, opts: OutboxOptions = {}): Promise<number> {
  const overlapMs = opts.overlapMs ?? 120_000;
  const batch = opts.batch ?? 500;
  return db.transaction().execute(async (tx) => {
    // One scanner at a time across every process; the others skip this tick.
    const { rows: state } = await sql<{ watermark: Date }>`
      select watermark from webhook_outbox where name = 'runs' for update skip locked`.execute(tx);
    if (!state[0]) return 0;

    // Each run with the webhooks that want it and have not got it yet. A webhook only receives
    // what completed after it was created.
    const { rows } = await sql<RunRow>`
      select r.*, t.slug as tenant_slug, t.name as tenant_name, u.email as initiator_email, c.name as connection_name,
             array_agg(w.id order by w.id) as webhook_ids
        from operation_runs r
        join tenants t on t.id = r.tenant_id
        join webhooks w on w.workspace_id = t.workspace_id and w.created_at <= r.completed_at
         and (case when r.outcome = 'blocked' then 'run.blocked' else 'run.completed' end) = any(w.events)
        left join users u on u.id = r.initiator_user_id
        left join provider_connections c on c.id = r.provider_connection_id
       where r.completed_at > (select watermark from webhook_outbox where name = 'runs') - make_interval(secs => ${overlapMs / 1000})
         and r.completed_at <= now()
         and not exists (select 1 from webhook_deliveries d
                          where d.webhook_id = w.id and d.subject = r.id::text
                            and d.event = (case when r.outcome = 'blocked' then 'run.blocked' else 'run.completed' end))
       group by r.id, t.id, u.id, c.id
       order by r.completed_at, r.id
       limit ${batch}`.execute(tx);

    const values = rows.flatMap((row) => {
      const { tenant_slug, tenant_name, initiator_email, connection_name, webhook_ids, ...run } = row;
      const view = presentRun(run, {
        tenant: { id: run.tenant_id, slug: tenant_slug, name: tenant_name },
        initiator: run.initiator_user_id && initiator_email ? { id: run.initiator_user_id, email: initiator_email } : null,
        connectionName: connection_name,
        // A channel is the workspace, not one member: steps as links.
        viewerRole: 'owner' satisfies Role,
      });
      const payload = runPayload(view, opts.linkBase ?? null);
      const body = JSON.stringify(payload);
      return webhook_ids.map((webhookId) => ({ workspaceId: run.workspace_id, webhookId, event: String(payload.event), subject: run.id, body }));
    });
    const written = await writeDeliveries(tx, values);

    // Truncated: the watermark follows what was read; otherwise everything up to `now` was seen.
    const next = rows.length === batch ? sql`${rows[rows.length - 1]!.completed_at!}::timestamptz` : sql`now()`;
    await sql`update webhook_outbox set watermark = greatest(watermark, ${next}) where name = 'runs'`.execute(tx);
    return written;
  });
}

type AttentionScanOptions = OutboxOptions & {
  expiryWarningDays: number;
  /** A workspace scanned this recently (by any process) is skipped (default 0: never). */
  minGapMs?: number;
};

/** One scan of needs-attention for every workspace with an attention.raised webhook. */
export async function scanAttention(db: Db, opts: AttentionScanOptions): Promise<number> {
  const workspaces = await db
    .selectFrom('webhooks')
    .select('workspace_id')
    .distinct()
    .where(sql<boolean>`'attention.raised' = any(events)`)
    .execute();
  let written = 0;
  for (const { workspace_id } of workspaces) written += await scanWorkspaceAttention(db, workspace_id, opts);
  return written;
}

async function scanWorkspaceAttention(db: Db, workspaceId: string, opts: AttentionScanOptions): Promise<number> {
  return db.transaction().execute(async (tx) => {
    // One scanner per workspace at a time; another process scanning it now skips it.
    const { rows: lock } = await sql<{ ok: boolean }>`
      select pg_try_advisory_xact_lock(4242_0012, hashtext(${workspaceId})) as ok`.execute(tx);
    if (!lock[0]?.ok) return 0;
    // Every worker ticks; one scan per interval is enough, whichever process made it.
    if (opts.minGapMs) {
      const recent = await tx
        .selectFrom('attention_scans')
        .select('workspace_id')
        .where('workspace_id', '=', workspaceId)
        .where('scanned_at', '>', sql<Date>`now() - make_interval(secs => ${opts.minGapMs / 1000})`)
        .executeTakeFirst();
      if (recent) return 0;
    }

    const current = await findAttention(tx, { workspaceId, userId: null }, { expiryWarningDays: opts.expiryWarningDays });
    const open = new Set((await tx.selectFrom('attention_open').select('key').where('workspace_id', '=', workspaceId).execute()).map((r) => r.key));
    const first = !(await tx.selectFrom('attention_scans').select('workspace_id').where('workspace_id', '=', workspaceId).executeTakeFirst());
    const keys = new Set(current.map((c) => c.item.key));
    const raised = current.filter((c) => !open.has(c.item.key));

    const closed = [...open].filter((k) => !keys.has(k));
    if (closed.length) await tx.deleteFrom('attention_open').where('workspace_id', '=', workspaceId).where('key', 'in', closed).execute();
    const raisedAt = new Date();
    if (raised.length) {
      await tx
        .insertInto('attention_open')
        .values(raised.map((r) => ({ workspace_id: workspaceId, key: r.item.key, raised_at: raisedAt })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    await tx
      .insertInto('attention_scans')
      .values({ workspace_id: workspaceId, scanned_at: sql<Date>`now()` })
      .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ scanned_at: sql<Date>`now()` }))
      .execute();
    // The first scan records what is already open: a new webhook is not flooded with old news.
    if (first || raised.length === 0) return 0;

    const hooks = await tx
      .selectFrom('webhooks')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where(sql<boolean>`'attention.raised' = any(events)`)
      .execute();
    const values = raised.flatMap(({ item }) => {
      const body = JSON.stringify(attentionPayload(item, raisedAt, opts.linkBase ?? null));
      return hooks.map((h) => ({ workspaceId, webhookId: h.id, event: 'attention.raised', subject: `${item.key}@${raisedAt.toISOString()}`, body }));
    });
    return writeDeliveries(tx, values);
  });
}

/**
 * Pending deliveries whose job was lost (a worker died mid-attempt, the queue row is gone):
 * due for a while and still pending. Re-enqueued; the claim keeps a duplicate harmless.
 */
export async function rescueStalled(db: Db, graceMs = 60_000): Promise<number> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<', sql<Date>`now() - make_interval(secs => ${graceMs / 1000})`)
    .limit(500)
    .execute();
  await enqueueDeliveries(
    db,
    rows.map((r) => r.id),
  );
  return rows.length;
}

type NewDelivery = { workspaceId: string; webhookId: string; event: string; subject: string; body: string };

async function writeDeliveries(tx: DbOrTx, values: NewDelivery[]): Promise<number> {
  if (values.length === 0) return 0;
  const inserted = await tx
    .insertInto('webhook_deliveries')
    .values(
      values.map((v) => ({
        webhook_id: v.webhookId,
        workspace_id: v.workspaceId,
        event: v.event,
        subject: v.subject,
        body: v.body,
      })),
    )
    .onConflict((oc) => oc.columns(['webhook_id', 'event', 'subject']).doNothing())
    .returning('id')
    .execute();
  await enqueueDeliveries(
    tx,
    inserted.map((r) => r.id),
  );
  return inserted.length;
}
