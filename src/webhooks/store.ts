// A workspace's webhooks and their delivery log. The secret is sealed with the process's secret
// box before it is stored and is never read back by anything but the sender (deliver.ts): no
// view here has a field for it. Creating and deleting write their audit row in the same
// transaction.
import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { DeliveryStatus } from '../db/schema.ts';
import { credentialAad, type SecretBox } from '../security/secret-box.ts';
import type { WebhookEvent } from './events.ts';

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  createdAt: string;
  createdBy: { email: string } | null;
  deliveries: { pending: number; delivered: number; failed: number; lastAt: string | null };
}

export interface DeliveryView {
  id: string;
  event: string;
  /** The sentence the receiver got (the body's `text`). */
  text: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * How a webhook's URL appears in the audit log: its origin only. Chat-style incoming webhook
 * URLs carry their own credential in the path, and the audit log is read by more people
 * (audit.view) than may manage webhooks.
 */
export function auditUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname === '/' && !u.search ? u.origin : `${u.origin}/…`;
  } catch {
    return '…';
  }
}

export async function createWebhook(
  db: Db,
  box: SecretBox,
  input: { workspaceId: string; actorId: string; url: string; events: WebhookEvent[]; secret: string },
): Promise<WebhookView> {
  // The row's id is chosen first: the sealed secret is bound to it (credentialAad).
  const webhookId = crypto.randomUUID();
  const secretCiphertext = box.seal(input.secret, credentialAad({ table: 'webhooks', id: webhookId }, 'secret_ciphertext'));
  const id = await db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto('webhooks')
      .values({
        id: webhookId,
        workspace_id: input.workspaceId,
        url: input.url,
        events: input.events,
        secret_ciphertext: secretCiphertext,
        created_by: input.actorId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('audit_log')
      .values({
        workspace_id: input.workspaceId,
        actor_user_id: input.actorId,
        action: 'webhook.created',
        outcome: 'succeeded',
        details: JSON.stringify({ webhookId: row.id, url: auditUrl(input.url), events: input.events }),
      })
      .execute();
    return row.id;
  });
  const [view] = await listWebhooks(db, input.workspaceId, id);
  return view!;
}

export async function listWebhooks(db: Db, workspaceId: string, onlyId?: string): Promise<WebhookView[]> {
  let q = db
    .selectFrom('webhooks as w')
    .leftJoin('users as u', 'u.id', 'w.created_by')
    .select(['w.id', 'w.url', 'w.events', 'w.created_at', 'u.email'])
    // Counts per status from the delivery log (read through its index on webhook_id).
    .select([
      sql<number>`(select count(*)::int from webhook_deliveries d where d.webhook_id = w.id and d.status = 'pending')`.as('pending'),
      sql<number>`(select count(*)::int from webhook_deliveries d where d.webhook_id = w.id and d.status = 'delivered')`.as('delivered'),
      sql<number>`(select count(*)::int from webhook_deliveries d where d.webhook_id = w.id and d.status = 'failed')`.as('failed'),
      sql<Date | null>`(select max(d.created_at) from webhook_deliveries d where d.webhook_id = w.id)`.as('last_at'),
    ])
    .where('w.workspace_id', '=', workspaceId)
    .orderBy('w.created_at')
    .orderBy('w.id');
  if (onlyId) q = q.where('w.id', '=', onlyId);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    url: r.url,
    events: r.events,
    createdAt: r.created_at.toISOString(),
    createdBy: r.email ? { email: r.email } : null,
    deliveries: { pending: r.pending, delivered: r.delivered, failed: r.failed, lastAt: iso(r.last_at) },
  }));
}

/** The webhook's workspace, for authorization; null when there is no such webhook. */
export async function webhookWorkspace(db: Db, id: string): Promise<string | null> {
  const row = await db.selectFrom('webhooks').select('workspace_id').where('id', '=', id).executeTakeFirst();
  return row?.workspace_id ?? null;
}

/** Deletes the webhook and its delivery log; jobs still queued for it find nothing to send. */
export async function deleteWebhook(db: Db, input: { id: string; workspaceId: string; actorId: string }): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .deleteFrom('webhooks')
      .where('id', '=', input.id)
      .where('workspace_id', '=', input.workspaceId)
      .returning(['id', 'url', 'events'])
      .executeTakeFirst();
    if (!row) return false;
    await tx
      .insertInto('audit_log')
      .values({
        workspace_id: input.workspaceId,
        actor_user_id: input.actorId,
        action: 'webhook.deleted',
        outcome: 'succeeded',
        details: JSON.stringify({ webhookId: row.id, url: auditUrl(row.url), events: row.events }),
      })
      .execute();
    return true;
  });
}

export async function listDeliveries(db: Db, webhookId: string, limit: number): Promise<DeliveryView[]> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((d) => ({
    id: d.id,
    event: d.event,
    text: textOf(d.body),
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.last_status_code,
    lastError: d.last_error,
    createdAt: d.created_at.toISOString(),
    lastAttemptAt: iso(d.last_attempt_at),
    nextAttemptAt: d.status === 'pending' ? iso(d.next_attempt_at) : null,
    deliveredAt: iso(d.delivered_at),
  }));
}

function textOf(body: string): string {
  try {
    const t = (JSON.parse(body) as { text?: unknown }).text;
    return typeof t === 'string' ? t : '';
  } catch {
    return '';
  }
}
