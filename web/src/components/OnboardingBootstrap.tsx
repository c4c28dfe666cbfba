// The onboarding wizard's step 4: the first operations. Bootstrap admits one operation at a
// time; the others wait as "pending" and are admitted, through the gate, as each one completes —
// shown live in the steps table. Its starts answer the one start answer (StartFeedback).
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { ApiError, startRequest } from '../api.ts';
import { assertNever } from '../assert.ts';
import { humanizeKey } from '../format.ts';
import { announceChange } from '../hooks.ts';
import { BOOTSTRAP_TYPES, OPERATIONS, operationTitle } from '../operations.ts';
import type { OnboardingSelection, OnboardingSession, OperationType, StartAnswer } from '../types.ts';
import { NextSteps } from './NextSteps.tsx';
import { OutcomeRegion, StartFeedback } from './StartFeedback.tsx';

function selectionTone(state: OnboardingSelection['state']): string {
  switch (state) {
    case 'pending':
      return 'muted';
    case 'queued':
    case 'running':
      return 'active';
    case 'succeeded':
      return 'good';
    case 'blocked':
    case 'failed':
      return 'bad';
    case 'partially_succeeded':
    case 'deduped':
    case 'scope_busy':
    case 'cancelled':
      return 'warn';
    default:
      return assertNever(state);
  }
}

export function OnboardingBootstrapStep({
  s,
  verified,
  canManage,
  onDone,
}: {
  s: OnboardingSession;
  verified: boolean;
  canManage: boolean;
  onDone: () => void;
}) {
  return (
    <li className={`wizard-step${s.selections.length && !s.pending.length && !s.canStartNext ? ' done' : verified ? ' current' : ''}`}>
      <h2 className="card-title">4 · First operations</h2>
      <OnboardingBootstrap s={s} canManage={canManage && s.status === 'draft'} onDone={onDone} />
    </li>
  );
}

function OnboardingBootstrap({ s, canManage, onDone }: { s: OnboardingSession; canManage: boolean; onDone: () => void }) {
  const [chosen, setChosen] = useState<OperationType[]>(['inventory.sync', 'entra_group_sync']);
  const [answer, setAnswer] = useState<StartAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function post(path: string, body: unknown) {
    setBusy(true);
    setError(null);
    try {
      setAnswer(await startRequest(`/api/onboarding/${encodeURIComponent(s.id)}/${path}`, body));
      onDone();
    } catch (err) {
      setAnswer(null);
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
      announceChange();
    }
  }

  // The answer shows above the steps table; bring it into view where the click happened.
  const feedbackRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (answer) feedbackRef.current?.scrollIntoView({ block: 'nearest' });
  }, [answer]);
  const unselected = BOOTSTRAP_TYPES.filter((t) => !s.selections.some((x) => x.type === t));
  return (
    <div className="bootstrap">
      <p className="muted small">
        The chosen operations run one at a time, in order; each waits for the previous one, and every one passes the same start gate.
      </p>
      <OutcomeRegion>
        {answer ? (
          <div ref={feedbackRef}>
            <StartFeedback answer={answer} onDismiss={() => setAnswer(null)} />
          </div>
        ) : null}
      </OutcomeRegion>
      {error ? (
        <div className="callout callout-error" role="alert">
          {error}
        </div>
      ) : null}
      {s.selections.length ? <SelectionsTable selections={s.selections} /> : null}
      {canManage && s.canStartNext ? (
        <button type="button" className="button button-primary" disabled={busy} onClick={() => void post('bootstrap/next', {})}>
          Start next
        </button>
      ) : null}
      {canManage && unselected.length ? (
        <fieldset className="checks" disabled={!s.providerConnection || busy}>
          <legend>{s.selections.length ? 'Add operations' : 'Choose what to run once verified'}</legend>
          {unselected.map((t) => (
            <label key={t} className="check">
              <input
                type="checkbox"
                checked={chosen.includes(t)}
                onChange={(e) => setChosen((c) => (e.target.checked ? [...c, t] : c.filter((x) => x !== t)))}
              />
              {OPERATIONS[t].action}
            </label>
          ))}
          <button
            type="button"
            className="button button-primary"
            disabled={!chosen.some((t) => unselected.includes(t))}
            onClick={() => void post('bootstrap', { operations: chosen.filter((t) => unselected.includes(t)) })}
          >
            Start selected operations
          </button>
        </fieldset>
      ) : null}
    </div>
  );
}

/** Each chosen operation: its state (live), its reason and next steps, and its run. */
function SelectionsTable({ selections }: { selections: OnboardingSelection[] }) {
  return (
    <table className="table table-compact" data-testid="bootstrap-selections">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Operation</th>
          <th scope="col">State</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {selections.map((sel, i) => (
          <tr key={`${sel.type}-${i}`} data-type={sel.type} data-state={sel.state}>
            <td>{i + 1}</td>
            <td>{operationTitle(sel.type)}</td>
            <td>
              <span className={`badge tone-${selectionTone(sel.state)}`}>
                {sel.state === 'pending' ? 'waiting its turn' : humanizeKey(sel.state).toLowerCase()}
              </span>
            </td>
            <td>
              {sel.reason ? <div>{sel.reason.message}</div> : null}
              {sel.nextSteps.length ? <NextSteps steps={sel.nextSteps} /> : null}
              {sel.run ? <Link to={sel.run.url}>View run</Link> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
