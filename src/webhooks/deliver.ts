// Sends one delivery: claim it, POST the stored body signed with the webhook's secret, record
// the attempt. A failure schedules the next attempt with exponential backoff until the last
// one, after which the delivery is `failed`. Every attempt is recorded on the delivery row
// (attempts, last status or error, when).
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { credentialAad, type SecretBox } from '../security/secret-box.ts';
import { enqueueDeliveries } from './queue.ts';
import { SIGNATURE_HEADER, sign } from './signature.ts';

export interface DeliveryOptions {
  box: SecretBox;
  /** Attempts in all, the first included (default 8). */
  maxAttempts?: number;
  /** Wait before the 2nd attempt; doubled for each further one (default 5 s). */
  backoffBaseMs?: number;
  /** Longest wait between two attempts (default 1 h). */
  backoffMaxMs?: number;
  /** How long one attempt may take, connection to response (default 10 s). */
  timeoutMs?: number;
}

export const DELIVERY_DEFAULTS = { maxAttempts: 8, backoffBaseMs: 5_000, backoffMaxMs: 3_600_000, timeoutMs: 10_000 } as const;

export function backoffMs(attempt: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, attempt - 1));
}

type Claimed = { id: string; event: string; body: string; attempts: number; webhook_id: string; url: string; secret_ciphertext: string };

export async function deliver(db: Db, opts: DeliveryOptions, deliveryId: string): Promise<'delivered' | 'retry' | 'failed' | 'skipped'> {
  const o = { ...DELIVERY_DEFAULTS, ...definedOnly(opts) };
  // The claim is the attempt's lease: next_attempt_at moves past the attempt's deadline, so a
  // second job for the same delivery (a rescue, a duplicate) finds it not due and does nothing.
  const leaseMs = o.timeoutMs + 30_000;
  const { rows } = await sql<Claimed>`
    update webhook_deliveries d
       set attempts = d.attempts + 1, last_attempt_at = now(), next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000})
      from webhooks w
     where d.id = ${deliveryId} and w.id = d.webhook_id and d.status = 'pending' and d.next_attempt_at <= now()
    returning d.id, d.event, d.body, d.attempts, w.id as webhook_id, w.url, w.secret_ciphertext`.execute(db);
  const claimed = rows[0];
  if (!claimed) return 'skipped';

  const result = await post(claimed, opts.box, o.timeoutMs);
  if (result.ok) {
    await db
      .updateTable('webhook_deliveries')
      .set({ status: 'delivered', delivered_at: sql<Date>`now()`, next_attempt_at: null, last_status_code: result.status, last_error: null })
      .where('id', '=', claimed.id)
      .execute();
    return 'delivered';
  }
  const last = claimed.attempts >= o.maxAttempts;
  const waitMs = backoffMs(claimed.attempts, o.backoffBaseMs, o.backoffMaxMs);
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('webhook_deliveries')
      .set({
        status: last ? 'failed' : 'pending',
        next_attempt_at: last ? null : sql<Date>`now() + make_interval(secs => ${waitMs / 1000})`,
        last_status_code: result.status,
        last_error: result.error,
      })
      .where('id', '=', claimed.id)
      .execute();
    if (!last) await enqueueDeliveries(tx, [claimed.id]);
  });
  return last ? 'failed' : 'retry';
}

async function post(d: Claimed, box: SecretBox, timeoutMs: number): Promise<{ ok: boolean; status: number | null; error: string | null }> {
  let secret: string;
  try {
    secret = box.open(d.secret_ciphertext, credentialAad({ table: 'webhooks', id: d.webhook_id }, 'secret_ciphertext'));
  } catch {
    // Sealed with another key (the key changed): no attempt can succeed until it is re-created.
    return { ok: false, status: null, error: 'the webhook secret cannot be opened with this server key; create the webhook again' };
  }
  try {
    const res = await fetch(d.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'opsgate-webhooks',
        'x-opsgate-event': d.event,
        'x-opsgate-delivery': d.id,
        [SIGNATURE_HEADER]: sign(d.body, secret),
      },
      body: d.body,
      // A redirect is not followed: the body and its signature go only where the owner said.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Drain the answer (bounded by the same timeout) so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, error: null };
    return { ok: false, status: res.status, error: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}` };
  } catch (err) {
    return { ok: false, status: null, error: describe(err, timeoutMs) };
  }
}

/** A short cause for the log, never the URL (it may carry a credential of its own). */
function describe(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string } } | null | undefined;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  const code = e?.cause?.code;
  if (code) return `could not connect (${code})`;
  return 'could not connect';
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
