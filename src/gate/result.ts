// The gate's answer: facts only. Sentences are the presenter's job; HTTP codes the edge's.
import type { ReasonParams, Trigger } from '../db/schema.ts';
import type { OperationType } from '../operations/definition.ts';
import type { BlockedReason } from '../reasons/codes.ts';

export type Outcome = 'accepted' | 'deduped' | 'scope_busy' | 'blocked';
export const OUTCOMES: readonly Outcome[] = ['accepted', 'deduped', 'scope_busy', 'blocked'];

export interface StartInput {
  type: OperationType;
  tenantId: string;
  trigger: Trigger;
  /** The person who clicked; null for scheduled starts. System starts may act for someone. */
  initiatorUserId: string | null;
  providerConnectionId?: string | undefined;
  /**
   * `confirm`: a restore writes to the customer's tenant, so its start carries the restore
   * run's name typed by the operator (checked by `start`, not by `preflight`).
   */
  target?: { restoreRunId?: string | undefined; confirm?: string | undefined } | undefined;
  /** Set when the start comes from an onboarding session (lets an onboarding tenant operate). */
  onboardingSessionId?: string | undefined;
}

export interface RunRef {
  id: string;
  type: string;
  tenantId: string;
}

export interface ConnectionRef {
  id: string;
  name: string;
}

export interface BlockedFacts {
  code: BlockedReason;
  params: ReasonParams;
}

interface Common {
  type: OperationType;
  tenantId: string;
  /** The resolved connection (pinned, for accepted runs); null when none could be resolved. */
  providerConnection: ConnectionRef | null;
}

export type StartResult = Common &
  (
    | { outcome: 'accepted'; run: RunRef }
    | { outcome: 'deduped'; run: RunRef }
    | { outcome: 'scope_busy'; run: RunRef }
    | { outcome: 'blocked'; run: RunRef; reason: BlockedFacts; reusedRecord: boolean }
  );

/** What a start would do right now; computed without writing anything. */
export type PreflightResult = Common &
  (
    | { wouldBe: 'accepted'; run: null }
    | { wouldBe: 'deduped'; run: RunRef }
    | { wouldBe: 'scope_busy'; run: RunRef }
    | { wouldBe: 'blocked'; run: null; reason: BlockedFacts }
  );

/** The caller passed something the gate cannot act on (a programming or input error, not an outcome). */
export class GateInputError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
