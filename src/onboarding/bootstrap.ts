// Sequential bootstrap: an onboarding session's selected operations are admitted through
// the gate ONE at a time. Submitting N selections admits the first and keeps the rest
// pending; when the admitted run completes, the next is admitted (system trigger, on behalf
// of the person who started or last resumed the chain, who is notified of every step's end). A blocked, failed or scope-busy answer stops the chain with
// its reason; "start next" (or a successful re-verification) resumes it.
//
// Each step of the chain runs under a per-session advisory lock, so concurrent submissions,
// a resume click and the worker's continuation never admit two selections at once.
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { OperationRun, SelectionState, Trigger } from '../db/schema.ts';
import { start } from '../gate/start.ts';
import type { StartResult } from '../gate/result.ts';
import { assertNever } from '../gate/result.ts';
import { isOperationType, type OperationType } from '../operations/definition.ts';
import { REGISTRY } from '../operations/registry.ts';
import { OnboardingError, requireDraft, type OnboardingSession } from './sessions.ts';

const SESSION_LOCK = 4242_0003;
/** States the chain may (re)admit: not started yet, or stopped by a reason the operator can fix. */
const ADMITTABLE: SelectionState[] = ['pending', 'blocked', 'scope_busy', 'failed'];

export const BOOTSTRAP_TYPES: OperationType[] = Object.values(REGISTRY)
  .filter((d) => d.bootstrap)
  .map((d) => d.type);

export type AdmitAnswer =
  /** The gate was asked for the next selection; its answer is here. */
  | { kind: 'started'; result: StartResult; type: OperationType }
  /** A selection is already queued or running: nothing new was admitted. */
  | { kind: 'busy'; runId: string; type: OperationType }
  /** Nothing left to admit. */
  | { kind: 'idle' };

export async function submitBootstrap(db: Db, session: OnboardingSession, actorId: string, operations: string[]): Promise<AdmitAnswer> {
  requireDraft(session);
  const types: OperationType[] = [];
  for (const [i, op] of operations.entries()) {
    if (!isOperationType(op) || !BOOTSTRAP_TYPES.includes(op)) {
      throw new OnboardingError('invalid', `"${op}" is not a bootstrap operation (one of ${BOOTSTRAP_TYPES.join(', ')})`, `operations.${i}`);
    }
    if (!types.includes(op)) types.push(op);
  }
  if (!types.length) throw new OnboardingError('invalid', 'choose at least one operation', 'operations');
  return withSessionLock(db, session.id, async () => {
    const existing = await db.selectFrom('onboarding_selections').select(['type', 'position']).where('session_id', '=', session.id).execute();
    let position = existing.reduce((m, s) => Math.max(m, s.position), -1);
    const known = new Set(existing.map((s) => s.type));
    const fresh = types.filter((t) => !known.has(t)).map((type) => ({ session_id: session.id, type, position: ++position }));
    if (fresh.length) await db.insertInto('onboarding_selections').values(fresh).execute();
    return admitLocked(db, session, { trigger: 'operator', initiatorUserId: actorId });
  });
}

/** "Start next": resume a chain stopped by a blocker the operator fixed. */
export async function resumeBootstrap(db: Db, session: OnboardingSession, actorId: string): Promise<AdmitAnswer> {
  requireDraft(session);
  return withSessionLock(db, session.id, () => admitLocked(db, session, { trigger: 'operator', initiatorUserId: actorId }));
}

/**
 * Worker hook after any run completes: record it on the selection that tracks it, and
 * continue every onboarding chain on that connection that may now move on.
 */
export async function continueAfterRun(db: Db, run: OperationRun): Promise<void> {
  await db
    .updateTable('onboarding_selections')
    .set({ state: terminalState(run), reason_code: run.reason_code, updated_at: sql<Date>`now()` })
    .where('run_id', '=', run.id)
    .execute();
  if (!run.provider_connection_id) return;
  const sessions = await db
    .selectFrom('onboarding_sessions')
    .selectAll()
    .where('provider_connection_id', '=', run.provider_connection_id)
    .where('status', '=', 'draft')
    .execute();
  const verified = (run.type === 'onboarding.verification' || run.type === 'tenant.verification') && run.outcome === 'succeeded';
  for (const session of sessions) {
    await withSessionLock(db, session.id, async () => {
      const next = await nextSelection(db, session.id);
      if (!next || next.active) return;
      const previous = await db
        .selectFrom('onboarding_selections')
        .select('state')
        .where('session_id', '=', session.id)
        .where('position', '<', next.position)
        .orderBy('position', 'desc')
        .executeTakeFirst();
      const chainMoves =
        // the step before finished well, or this step waited only for the connection to free up
        (next.state === 'pending' && (!previous || previous.state === 'succeeded' || previous.state === 'partially_succeeded')) ||
        next.state === 'scope_busy' ||
        // a fresh, successful verification is the fix for a blocked step
        (verified && next.state === 'blocked');
      if (chainMoves) await admitLocked(db, session, { trigger: 'system', initiatorUserId: await chainInitiator(db, session) });
    });
  }
}

async function admitLocked(db: Db, session: OnboardingSession, who: { trigger: Trigger; initiatorUserId: string }): Promise<AdmitAnswer> {
  const next = await nextSelection(db, session.id);
  if (!next) return { kind: 'idle' };
  if (next.active) return { kind: 'busy', runId: next.run_id!, type: next.type as OperationType };
  const type = next.type as OperationType;
  const result = await start(db, {
    type,
    tenantId: session.tenant_id,
    trigger: who.trigger,
    initiatorUserId: who.initiatorUserId,
    providerConnectionId: session.provider_connection_id ?? undefined,
    onboardingSessionId: session.id,
  });
  let state: SelectionState;
  switch (result.outcome) {
    case 'accepted':
    case 'deduped':
      // Deduped: the same work is already running (started elsewhere); the step follows that run.
      state = 'queued';
      break;
    case 'scope_busy':
      state = 'scope_busy';
      break;
    case 'blocked':
      state = 'blocked';
      break;
    default:
      return assertNever(result);
  }
  await db
    .updateTable('onboarding_selections')
    .set({
      state,
      run_id: result.outcome === 'scope_busy' ? null : result.run.id,
      reason_code: result.outcome === 'blocked' ? result.reason.code : result.outcome === 'scope_busy' ? 'scope_busy' : null,
      updated_at: sql<Date>`now()`,
    })
    .where('session_id', '=', session.id)
    .where('position', '=', next.position)
    .execute();
  return { kind: 'started', result, type };
}

/**
 * Who a continuation acts for: the person who last started or resumed this chain (the
 * initiator of the latest selection run that has one), else whoever created the session.
 * They get each step's terminal notification, follow-on steps included.
 */
async function chainInitiator(db: Db, session: OnboardingSession): Promise<string> {
  const row = await db
    .selectFrom('onboarding_selections as s')
    .innerJoin('operation_runs as r', 'r.id', 's.run_id')
    .select('r.initiator_user_id')
    .where('s.session_id', '=', session.id)
    .where('r.initiator_user_id', 'is not', null)
    .orderBy('r.created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.initiator_user_id ?? session.created_by;
}

/** The first selection not done yet, and whether it is in flight. Called under the session lock. */
async function nextSelection(db: Db, sessionId: string) {
  // A step whose run ended before its admission wrote the run on it (the admission does so after
  // the gate's answer, under this lock) missed its ending in continueAfterRun: take it from the
  // run now, or the step would read as still queued, and the chain would stall or admit it twice.
  await sql`update onboarding_selections s
       set state = r.outcome, reason_code = r.reason_code, updated_at = now()
      from operation_runs r
     where r.id = s.run_id and s.session_id = ${sessionId} and s.state = 'queued' and r.status = 'completed'`.execute(db);
  const rows = await db
    .selectFrom('onboarding_selections as s')
    .leftJoin('operation_runs as r', 'r.id', 's.run_id')
    .select(['s.position', 's.type', 's.state', 's.run_id', 'r.status as run_status'])
    .where('s.session_id', '=', sessionId)
    .orderBy('s.position')
    .execute();
  const row = rows.find((s) => s.state === 'queued' || ADMITTABLE.includes(s.state));
  if (!row) return null;
  const active = row.state === 'queued' && (row.run_status === 'queued' || row.run_status === 'running');
  return { ...row, active };
}

function terminalState(run: OperationRun): SelectionState {
  switch (run.outcome) {
    case 'succeeded':
    case 'partially_succeeded':
    case 'failed':
    case 'cancelled':
    case 'blocked':
      return run.outcome;
    case 'pending':
      return 'queued';
    default:
      return assertNever(run.outcome);
  }
}

async function withSessionLock<T>(db: Db, sessionId: string, fn: () => Promise<T>): Promise<T> {
  // The lock lives on one pooled connection for the duration of a transaction; the work
  // itself (including the gate's own statements) runs on other connections.
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${SESSION_LOCK}, hashtext(${sessionId}))`.execute(tx);
    return fn();
  });
}
