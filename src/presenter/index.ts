// The one shared presenter (FR-216-008): the gate and the runs return facts; only this
// folder turns them into words, titles, links and next steps.
export { OUTCOME_LABELS, operationAction, operationNoun, runTitle, startTitle, type OutcomeLabel } from './labels.ts';
export { providerConnectionUrl, restoreRunUrl, runUrl, tenantUrl } from './links.ts';
export { capabilityHint, presentSteps, viewRunStep, type PresentedStep } from './next-steps.ts';
export { notificationBody, notificationOutcome, presentNotification, presentRun, type NotificationView, type RunContext, type RunView } from './run.ts';
export { presentPreflight, presentStart, type PreflightAnswer, type PresentedReason, type StartAnswer, type StartContext } from './start.ts';
