// The events a webhook can subscribe to, and the one rule that maps a run to its event.
import type { RunOutcome } from '../db/schema.ts';

export const WEBHOOK_EVENTS = ['run.completed', 'run.blocked', 'attention.raised'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * A blocked start is recorded as a completed run with outcome `blocked` (never enqueued); it is
 * its own event, so a channel can follow what was prevented without every finished run.
 */
export function runEvent(outcome: RunOutcome): WebhookEvent {
  return outcome === 'blocked' ? 'run.blocked' : 'run.completed';
}

/** The name of the job task that sends one delivery. */
export const DELIVER_TASK = 'webhook.deliver';
