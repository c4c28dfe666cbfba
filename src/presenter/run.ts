// A run as monitoring shows it, and the notification of a terminal run. Both explain a
// reason through the same catalogue as the start answer, so one problem reads the same on
// every surface (FR-216-010): the notification is built from the presented run itself.
import type { OperationRun, Role, RunOutcome, RunStatus, SummaryCounts, Trigger } from '../db/schema.ts';
import { explain, type NextStep } from '../reasons/catalogue.ts';
import { isReasonCode } from '../reasons/codes.ts';
import { operationAction, runTitle } from './labels.ts';
import { runUrl } from './links.ts';
import { presentSteps, stepsAfterRun, type PresentedStep } from './next-steps.ts';
import type { PresentedReason } from './start.ts';

export interface RunView {
  id: string;
  type: string;
  /** "Inventory sync failed". */
  title: string;
  action: string;
  url: string;
  tenant: { id: string; slug: string; name: string };
  status: RunStatus;
  outcome: RunOutcome;
  trigger: Trigger;
  initiator: { id: string; email: string } | null;
  /** `deleted: true` once the connection is gone: the id and name are those it had. */
  providerConnection: { id: string; name: string; deleted?: true } | null;
  reason: PresentedReason | null;
  nextSteps: PresentedStep[];
  summaryCounts: SummaryCounts;
  /** What the run acts on beyond its connection (a restore run, an onboarding session). */
  target: { restoreRunId?: string; onboardingSessionId?: string };
  /** Repeated identical blocked clicks update one record instead of adding runs. */
  attemptCount: number;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  lastAttemptAt: string;
  /** Someone asked to cancel; a running run stops at its next checkpoint. */
  cancelRequestedAt: string | null;
}

export interface RunContext {
  tenant: { id: string; slug: string; name: string };
  initiator: { id: string; email: string } | null;
  /** The pinned connection's current name, when the row still exists. */
  connectionName: string | null;
  viewerRole: Role | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * A stored reason code the catalogue does not know (written by an older or newer version)
 * keeps its code but reads as the generic execution error, never as nothing.
 */
function explainStored(run: OperationRun, tenantSlug: string): { code: string; message: string; nextSteps: NextStep[] } | null {
  if (!run.reason_code) return null;
  const links = { tenantSlug, providerConnectionId: run.provider_connection_id };
  if (isReasonCode(run.reason_code)) return explain(run.reason_code, run.reason_params, links);
  return { ...explain('execution_error', {}, links), code: run.reason_code };
}

/**
 * Pinned at admission; the name from the row, else the one recorded at the click. A deleted
 * connection's id and name were stamped into the context by the delete (src/connections/delete.ts).
 */
function pinnedConnection(run: OperationRun, ctx: RunContext, context: Record<string, unknown>): RunView['providerConnection'] {
  if (run.provider_connection_id) {
    return { id: run.provider_connection_id, name: ctx.connectionName ?? str(context.providerConnectionName) ?? '' };
  }
  const deletedId = context.providerConnectionDeleted === true ? str(context.providerConnectionId) : undefined;
  return deletedId ? { id: deletedId, name: str(context.providerConnectionName) ?? '', deleted: true } : null;
}

export function presentRun(run: OperationRun, ctx: RunContext): RunView {
  const ex = explainStored(run, ctx.tenant.slug);
  const context = run.context as Record<string, unknown>;
  const target: RunView['target'] = {};
  const restoreRunId = str(context.restoreRunId);
  const onboardingSessionId = str(context.onboardingSessionId);
  if (restoreRunId) target.restoreRunId = restoreRunId;
  if (onboardingSessionId) target.onboardingSessionId = onboardingSessionId;
  return {
    id: run.id,
    type: run.type,
    title: runTitle(run.type, run.status, run.outcome),
    action: operationAction(run.type),
    url: runUrl(run.id),
    tenant: ctx.tenant,
    status: run.status,
    outcome: run.outcome,
    trigger: run.trigger,
    initiator: ctx.initiator,
    providerConnection: pinnedConnection(run, ctx, context),
    reason: ex ? { code: ex.code, message: ex.message } : null,
    nextSteps: ex ? presentSteps(stepsAfterRun(ex.nextSteps, run.type), ctx.viewerRole) : [],
    summaryCounts: run.summary_counts,
    target,
    attemptCount: run.attempt_count,
    createdAt: run.created_at.toISOString(),
    startedAt: iso(run.started_at),
    completedAt: iso(run.completed_at),
    lastAttemptAt: run.last_attempt_at.toISOString(),
    cancelRequestedAt: iso(run.cancel_requested_at),
  };
}

export interface NotificationView {
  id: string;
  runId: string;
  /** The run's title and its tenant: "Inventory sync failed: Northwind Traders". */
  title: string;
  /**
   * The connection the run used (FR-216-006), then what happened: for a failed or partial run
   * the catalogue's message and the first next step.
   */
  body: string;
  tenant: { id: string; slug: string; name: string };
  providerConnection: RunView['providerConnection'];
  url: string;
  reason: PresentedReason | null;
  nextSteps: PresentedStep[];
  createdAt: string;
  readAt: string | null;
}

/** Bodies of runs that carry no reason. */
const PLAIN_BODIES: Record<RunOutcome, string> = {
  pending: 'Not finished yet.',
  succeeded: 'Finished successfully.',
  partially_succeeded: 'Finished, but not everything succeeded.',
  failed: 'Failed.',
  blocked: 'Did not start.',
  cancelled: 'Cancelled before it finished.',
};

/** What happened, in the catalogue's words: the same sentence as the run detail. */
export function notificationOutcome(run: RunView): string {
  if (!run.reason) return PLAIN_BODIES[run.outcome];
  const first = run.nextSteps[0];
  return first ? `${run.reason.message} Next step: ${first.label}.` : run.reason.message;
}

export function notificationBody(run: RunView): string {
  const on = run.providerConnection ? `Ran on the connection “${run.providerConnection.name}”. ` : '';
  return on + notificationOutcome(run);
}

export function presentNotification(n: { id: string; created_at: Date; read_at: Date | null }, run: RunView): NotificationView {
  return {
    id: n.id,
    runId: run.id,
    title: `${run.title}: ${run.tenant.name}`,
    body: notificationBody(run),
    tenant: run.tenant,
    providerConnection: run.providerConnection,
    url: run.url,
    reason: run.reason,
    nextSteps: run.nextSteps,
    createdAt: n.created_at.toISOString(),
    readAt: iso(n.read_at),
  };
}
