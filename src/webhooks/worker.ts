// What a worker process runs for webhooks: the `webhook.deliver` task, and the outbox ticks
// (runs, attention, rescue of lost delivery jobs) beside the recovery sweep. Any number of
// workers may run these; the scans take turns (row lock, advisory lock) and a delivery is sent
// by whoever claims it.
import type { Task } from 'graphile-worker';
import type { Db } from '../db/connect.ts';
import { deliver, type DeliveryOptions } from './deliver.ts';
import { DELIVER_TASK } from './events.ts';
import { rescueStalled, scanAttention, scanRuns } from './outbox.ts';

export interface WebhookWorkerOptions extends DeliveryOptions {
  expiryWarningDays: number;
  /** How often the run outbox is read (default 2 s). */
  scanIntervalMs?: number;
  /** How often needs-attention is compared for attention.raised (default 60 s). */
  attentionIntervalMs?: number;
  linkBase?: string | null;
  log?: (line: string) => void;
}

export function webhookTasks(db: Db, opts: WebhookWorkerOptions): Record<string, Task> {
  return {
    [DELIVER_TASK]: async (payload) => {
      const id = (payload as { deliveryId?: unknown } | null)?.deliveryId;
      if (typeof id === 'string') await deliver(db, opts, id);
    },
  };
}

/** Starts the outbox ticks; the returned function stops them. */
export function startOutbox(db: Db, opts: WebhookWorkerOptions): () => void {
  const guarded = (name: string, fn: () => Promise<unknown>) => {
    let busy = false;
    return async () => {
      if (busy) return;
      busy = true;
      try {
        await fn();
      } catch (err) {
        // The database may be restarting; the next tick tries again.
        opts.log?.(`webhooks: ${name} scan failed: ${(err as Error).message}`);
      } finally {
        busy = false;
      }
    };
  };
  const runs = guarded('run', async () => {
    await scanRuns(db, { linkBase: opts.linkBase ?? null });
    await rescueStalled(db);
  });
  const attentionMs = opts.attentionIntervalMs ?? 60_000;
  const attention = guarded('attention', () =>
    scanAttention(db, { expiryWarningDays: opts.expiryWarningDays, linkBase: opts.linkBase ?? null, minGapMs: attentionMs / 2 }),
  );
  // guarded() catches and logs, so the ticks never reject.
  const timers = [setInterval(() => void runs(), opts.scanIntervalMs ?? 2000), setInterval(() => void attention(), attentionMs)];
  void runs();
  void attention();
  return () => timers.forEach(clearInterval);
}
