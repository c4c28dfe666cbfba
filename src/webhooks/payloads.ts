// The JSON a webhook receives. `text` is the presenter's own sentence (the run's title and the
// notification's words, or the attention item's message and first next step), so a chat-style
// incoming webhook shows it as it is; the structured fields beside it are for scripts.
import type { AttentionItem } from '../attention/index.ts';
import { presentSteps } from '../presenter/next-steps.ts';
import { notificationBody, notificationOutcome, type RunView } from '../presenter/run.ts';
import { runEvent } from './events.ts';

/**
 * Links in a delivery are the console's paths (e.g. /admin/operations/{id}); `linkBase`, when
 * the process knows its public origin, makes them absolute for receivers outside the console.
 */
const link = (url: string | null, linkBase: string | null) => (url && linkBase && url.startsWith('/') ? `${linkBase}${url}` : url);

export function runPayload(run: RunView, linkBase: string | null = null): Record<string, unknown> {
  const event = runEvent(run.outcome);
  // A blocked run never ran: its sentence is what stopped it, not "ran on the connection …".
  const sentence = run.outcome === 'blocked' ? notificationOutcome(run) : notificationBody(run);
  return {
    event,
    text: `${run.title}: ${run.tenant.name}. ${sentence}`,
    occurredAt: run.completedAt,
    tenant: { slug: run.tenant.slug, name: run.tenant.name },
    run: {
      id: run.id,
      url: link(run.url, linkBase),
      type: run.type,
      title: run.title,
      status: run.status,
      outcome: run.outcome,
      trigger: run.trigger,
      createdAt: run.createdAt,
      completedAt: run.completedAt,
    },
    outcome: run.outcome,
    initiator: run.initiator ? { email: run.initiator.email } : null,
    providerConnection: run.providerConnection,
    reason: run.reason,
    nextSteps: run.nextSteps.map((s) => ({ ...s, url: link(s.url, linkBase) })),
  };
}

export function attentionPayload(item: AttentionItem, raisedAt: Date, linkBase: string | null = null): Record<string, unknown> {
  // Steps as the workspace sees them: a receiver is a channel, not one member with one role.
  const steps = presentSteps(item.nextSteps, 'owner');
  const first = steps[0];
  const on = item.providerConnection ? ` (connection “${item.providerConnection.name}”)` : '';
  // An item about a workspace app concerns every tenant on it: its message names the app.
  const about = item.tenant ? `${item.tenant.name}${on}` : `workspace app “${item.appRegistration?.name ?? ''}”`;
  return {
    event: 'attention.raised',
    text: `Needs attention: ${about}. ${item.message}${first ? ` Next step: ${first.label}.` : ''}`,
    occurredAt: raisedAt.toISOString(),
    tenant: item.tenant ? { slug: item.tenant.slug, name: item.tenant.name } : null,
    providerConnection: item.providerConnection,
    appRegistration: item.appRegistration,
    code: item.code,
    severity: item.severity,
    message: item.message,
    nextSteps: steps.map((s) => ({ ...s, url: link(s.url, linkBase) })),
    since: item.since.toISOString(),
  };
}
