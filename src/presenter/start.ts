// The start answer: one shape for every start surface (FR-216-008). It keeps the action's
// verb and object while the outcome vocabulary and next-step structure stay the same for
// every operation (FR-216-009). Preflight answers in the same words.
import type { ReasonParams, Role } from '../db/schema.ts';
import { assertNever, type BlockedFacts, type ConnectionRef, type Outcome, type PreflightResult, type RunRef, type StartResult } from '../gate/result.ts';
import type { OperationType } from '../operations/definition.ts';
import { REGISTRY } from '../operations/registry.ts';
import { explain, type ReasonLinks } from '../reasons/catalogue.ts';
import { operationNoun, OUTCOME_LABELS, startTitle, type OutcomeLabel } from './labels.ts';
import { runUrl } from './links.ts';
import { presentSteps, stepsAfterRun, viewRunStep, type PresentedStep } from './next-steps.ts';

export interface PresentedReason {
  code: string;
  message: string;
}

export interface StartAnswer {
  outcome: Outcome;
  label: OutcomeLabel;
  operationType: OperationType;
  /** "Inventory sync blocked": the noun phrase plus the public wording. */
  title: string;
  /** The button that was pressed, verb + object: "Sync inventory". */
  action: string;
  run: { id: string; url: string } | null;
  providerConnection: ConnectionRef | null;
  reason: PresentedReason | null;
  nextSteps: PresentedStep[];
}

export interface PreflightAnswer extends Omit<StartAnswer, 'outcome'> {
  wouldBe: Outcome;
}

export interface StartContext {
  tenantSlug: string;
  /** The viewer's role on the tenant, for next steps they cannot take themselves. */
  viewerRole: Role | null;
  /**
   * Whether the viewer may see the run a deduped or scope-busy answer points to. When not,
   * that run is not named at all (FR-216-016).
   */
  runVisible: boolean;
  /** For scope busy: how long the holding run will probably still take, when known. */
  expectedWaitSeconds?: number | null;
}

type Facts = {
  type: OperationType;
  providerConnection: ConnectionRef | null;
  /** The run the answer points to, already filtered by visibility. */
  run: RunRef | null;
} & ({ outcome: Exclude<Outcome, 'blocked'> } | { outcome: 'blocked'; reason: BlockedFacts });

function answer(f: Facts, ctx: StartContext): StartAnswer {
  const def = REGISTRY[f.type];
  const links: ReasonLinks = {
    tenantSlug: ctx.tenantSlug,
    providerConnectionId: f.providerConnection?.id ?? null,
  };
  const runRef = f.run ? { id: f.run.id, url: runUrl(f.run.id) } : null;
  let reason: PresentedReason | null = null;
  let steps: PresentedStep[] = [];
  switch (f.outcome) {
    case 'accepted':
    case 'deduped':
      if (runRef) steps = [viewRunStep(runRef.url)];
      break;
    case 'scope_busy': {
      // The holding run's noun, not its stored type string, so the sentence reads naturally.
      const params: ReasonParams = f.run ? { holdingType: operationNoun(f.run.type) } : {};
      if (f.run && ctx.expectedWaitSeconds) params.expectedWaitSeconds = ctx.expectedWaitSeconds;
      const ex = explain('scope_busy', params, { ...links, holdingRunId: f.run?.id ?? null });
      reason = { code: ex.code, message: ex.message };
      steps = presentSteps(ex.nextSteps, ctx.viewerRole);
      break;
    }
    case 'blocked': {
      const ex = explain(f.reason.code, f.reason.params, links);
      reason = { code: ex.code, message: ex.message };
      steps = presentSteps(stepsAfterRun(ex.nextSteps, f.type), ctx.viewerRole);
      break;
    }
    default:
      assertNever(f);
  }
  return {
    outcome: f.outcome,
    label: OUTCOME_LABELS[f.outcome],
    operationType: def.type,
    title: startTitle(def.title, f.outcome),
    action: def.action,
    run: runRef,
    providerConnection: f.providerConnection,
    reason,
    nextSteps: steps,
  };
}

export function presentStart(result: StartResult, ctx: StartContext): StartAnswer {
  const common = { type: result.type, providerConnection: result.providerConnection };
  switch (result.outcome) {
    case 'accepted':
      return answer({ ...common, outcome: 'accepted', run: result.run }, ctx);
    case 'deduped':
    case 'scope_busy':
      return answer({ ...common, outcome: result.outcome, run: ctx.runVisible ? result.run : null }, ctx);
    case 'blocked':
      // The recorded blocked run is the viewer's own click: always shown.
      return answer({ ...common, outcome: 'blocked', run: result.run, reason: result.reason }, ctx);
    default:
      return assertNever(result);
  }
}

export function presentPreflight(result: PreflightResult, ctx: StartContext): PreflightAnswer {
  const common = { type: result.type, providerConnection: result.providerConnection };
  let a: StartAnswer;
  switch (result.wouldBe) {
    case 'accepted':
      // Nothing to point to yet: the start itself is the next step.
      a = answer({ ...common, outcome: 'accepted', run: null }, ctx);
      break;
    case 'deduped':
    case 'scope_busy':
      a = answer({ ...common, outcome: result.wouldBe, run: ctx.runVisible ? result.run : null }, ctx);
      break;
    case 'blocked':
      a = answer({ ...common, outcome: 'blocked', run: null, reason: result.reason }, ctx);
      break;
    default:
      return assertNever(result);
  }
  const { outcome, ...rest } = a;
  return { wouldBe: outcome, ...rest };
}
