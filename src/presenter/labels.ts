// The one public vocabulary. Every surface (start answer, run detail, notification, web
// console) takes its words from here; the tables are Records so a new outcome or run state
// fails the typecheck until it has its wording.
import type { RunOutcome, RunStatus } from '../db/schema.ts';
import type { Outcome } from '../gate/result.ts';
import { isOperationType } from '../operations/definition.ts';
import { REGISTRY } from '../operations/registry.ts';

export type OutcomeLabel = 'queued' | 'already running' | 'scope busy' | 'blocked';

export const OUTCOME_LABELS: Record<Outcome, OutcomeLabel> = {
  accepted: 'queued',
  deduped: 'already running',
  scope_busy: 'scope busy',
  blocked: 'blocked',
};

/** Title of a start answer from the operation's noun phrase: "Inventory sync blocked". */
const START_TITLES: Record<Outcome, (noun: string) => string> = {
  accepted: (n) => `${n} queued`,
  deduped: (n) => `${n} already running`,
  // "Inventory sync scope busy" reads as a noun pile; the colon keeps the label intact.
  scope_busy: (n) => `${n}: scope busy`,
  blocked: (n) => `${n} blocked`,
};

export function startTitle(noun: string, outcome: Outcome): string {
  return START_TITLES[outcome](noun);
}

/** How a run's state reads after the noun: "Inventory sync failed". */
const RUN_OUTCOME_WORDS: Record<RunOutcome, string> = {
  pending: 'pending',
  succeeded: 'succeeded',
  partially_succeeded: 'partially succeeded',
  failed: 'failed',
  // The same word as the start answer: a blocked run is the record of a blocked start.
  blocked: OUTCOME_LABELS.blocked,
  cancelled: 'cancelled',
};

const RUN_STATUS_WORDS: Record<RunStatus, (outcome: RunOutcome) => string> = {
  queued: () => OUTCOME_LABELS.accepted,
  running: () => 'running',
  completed: (o) => RUN_OUTCOME_WORDS[o],
};

export function runTitle(type: string, status: RunStatus, outcome: RunOutcome): string {
  return `${operationNoun(type)} ${RUN_STATUS_WORDS[status](outcome)}`;
}

/** Noun phrase of a stored type; a type no longer in the registry reads as itself. */
export function operationNoun(type: string): string {
  return isOperationType(type) ? REGISTRY[type].title : type;
}

/** Verb + object of a stored type ("Sync inventory"). */
export function operationAction(type: string): string {
  return isOperationType(type) ? REGISTRY[type].action : type;
}
