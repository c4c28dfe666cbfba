// THE start button: every provider-backed start in the console is one of these. It asks the
// preflight what a click would do right now (DB-only on the server, writes nothing) and
// shows it under the label, POSTs the one start contract, and hands the presenter's answer
// to StartFeedback.
//
// Decision: a start that would be blocked or hit a busy scope stays clickable. The hint
// already shows the reason and next step; the click records the canonical answer (a blocked
// run, visible in monitoring) and shows the full StartFeedback. Buttons are disabled only
// when the user lacks the capability (the API would answer 403 — never shown as blocked)
// or when the surface needs input first (the restore confirmation).
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError, qs, startRequest } from '../api.ts';
import { announceChange, useResource } from '../hooks.ts';
import { OPERATIONS } from '../operations.ts';
import type { OperationType, PreflightAnswer, StartAnswer } from '../types.ts';
import { NextStepItem } from './NextSteps.tsx';
import { OutcomeRegion, StartFeedback } from './StartFeedback.tsx';
import { Link } from 'react-router-dom';

interface Reporter {
  /** `focus`: the click came from the keyboard, so the answer takes the focus. */
  report(answer: StartAnswer | null, error?: ApiError | null, focus?: boolean): void;
}
const ActionsCtx = createContext<Reporter | null>(null);

export interface StartButtonProps {
  /** Tenant id or slug. */
  tenant: string;
  type: OperationType;
  providerConnectionId?: string | undefined;
  target?: { restoreRunId?: string; confirm?: string } | undefined;
  /** The user holds the operation's capability on this tenant. */
  allowed: boolean;
  /** Why the button cannot be used yet (shown under it), e.g. a missing confirmation. */
  disabledReason?: string | null;
  /** A convenience route answering the same start body (onboarding); default: the start contract. */
  endpoint?: string;
  body?: unknown;
  /** Ask the preflight before the click (default true). */
  preflight?: boolean;
  /** Override the label (never for the covered actions — their label is the registry's). */
  variant?: 'primary' | 'secondary' | 'danger';
  onAnswer?: (answer: StartAnswer) => void;
}

export function StartButton(props: StartButtonProps) {
  const { tenant, type, providerConnectionId, target, allowed, disabledReason, variant = 'secondary' } = props;
  const group = useContext(ActionsCtx);
  const [busy, setBusy] = useState(false);
  const [own, setOwn] = useState<{ answer: StartAnswer | null; error: ApiError | null; focus: boolean; key: number }>({
    answer: null,
    error: null,
    focus: false,
    key: 0,
  });
  const label = OPERATIONS[type].action;
  const wantPreflight = allowed && props.preflight !== false;
  const q = qs({ providerConnectionId, restoreRunId: target?.restoreRunId });
  const pre = useResource<PreflightAnswer>(
    wantPreflight ? `/api/tenants/${encodeURIComponent(tenant)}/operations/${encodeURIComponent(type)}/preflight${q}` : null,
    { poll: (p) => p.wouldBe === 'deduped' || p.wouldBe === 'scope_busy', intervalMs: 2000, idleIntervalMs: 15_000 },
  );

  async function click(byKeyboard: boolean) {
    if (busy) return;
    setBusy(true);
    const report = (answer: StartAnswer | null, error: ApiError | null) =>
      group ? group.report(answer, error, byKeyboard) : setOwn((o) => ({ answer, error, focus: byKeyboard, key: o.key + 1 }));
    try {
      const body = props.body ?? { type, ...(providerConnectionId ? { providerConnectionId } : {}), ...(target ? { target } : {}) };
      const answer = await startRequest(props.endpoint ?? `/api/tenants/${encodeURIComponent(tenant)}/operations`, body);
      report(answer, null);
      props.onAnswer?.(answer);
    } catch (err) {
      report(null, err instanceof ApiError ? err : new ApiError(0, 'client_error', String(err)));
    } finally {
      setBusy(false);
      announceChange();
    }
  }

  // Not disabled while the request is out: a focused button that turns disabled drops the
  // keyboard focus to the page; aria-disabled says it is busy and the click is ignored.
  const disabled = !allowed || !!disabledReason;
  const wouldBe = pre.data?.wouldBe;
  return (
    <div className="start-item" data-testid="start-item" data-action={label} data-would-be={wouldBe ?? ''}>
      <button
        type="button"
        className={`button button-${variant}${busy ? ' is-busy' : ''}`}
        disabled={disabled}
        aria-busy={busy || undefined}
        aria-disabled={busy || undefined}
        aria-describedby={`hint-${type}-${providerConnectionId ?? 'default'}`}
        title={!allowed ? 'Your role on this tenant cannot start this operation.' : undefined}
        // A click without a pointer (detail 0) is Enter or Space: its answer takes the focus.
        onClick={(e) => void click(e.detail === 0)}
      >
        {label}
      </button>
      <div className="start-hint" id={`hint-${type}-${providerConnectionId ?? 'default'}`}>
        {!allowed ? (
          <span className="muted">Your role cannot start this.</span>
        ) : disabledReason ? (
          <span className="muted">{disabledReason}</span>
        ) : pre.data ? (
          <PreflightHint pre={pre.data} />
        ) : pre.error ? (
          <span className="muted">Readiness unknown ({pre.error.message})</span>
        ) : wantPreflight ? (
          <span className="muted">Checking readiness…</span>
        ) : null}
      </div>
      {!group ? (
        <OutcomeRegion className="start-item-feedback" label={`${label}: outcome`}>
          <AnswerOrError
            key={own.key}
            answer={own.answer}
            error={own.error}
            focus={own.focus}
            onDismiss={() => setOwn((o) => ({ answer: null, error: null, focus: false, key: o.key + 1 }))}
          />
        </OutcomeRegion>
      ) : null}
    </div>
  );
}

/** What a click would do right now, in the same vocabulary as the answer. */
function PreflightHint({ pre }: { pre: PreflightAnswer }) {
  if (pre.wouldBe === 'accepted') {
    return <span className="hint-ready">Ready{pre.providerConnection ? <span className="muted"> · uses {pre.providerConnection.name}</span> : null}</span>;
  }
  const wording = pre.label;
  const first = pre.nextSteps[0];
  const runLink = pre.run?.url ?? null;
  return (
    <span className={`hint hint-${pre.wouldBe}`} data-testid="preflight-hint">
      <span className={`badge outcome-badge-${pre.wouldBe}`}>{wording}</span> {pre.reason ? <span>{pre.reason.message}</span> : null}
      {pre.wouldBe === 'deduped' && runLink ? (
        <>
          {' '}
          <Link to={runLink}>View run</Link>
        </>
      ) : first ? (
        <>
          {' '}
          <NextStepItem step={first} />
        </>
      ) : null}
    </span>
  );
}

function AnswerOrError({
  answer,
  error,
  onDismiss,
  focus = false,
}: {
  answer: StartAnswer | null;
  error: ApiError | null;
  onDismiss: () => void;
  focus?: boolean;
}) {
  const errorRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focus && error) errorRef.current?.focus();
  }, [focus, error]);
  if (answer) return <StartFeedback answer={answer} onDismiss={onDismiss} focus={focus} />;
  if (error) {
    return (
      <div className="callout callout-error" tabIndex={-1} ref={errorRef}>
        <strong>{error.status === 403 ? 'Not allowed' : error.status === 404 ? 'Not found' : 'Could not start'}</strong>
        <p>{error.message}</p>
      </div>
    );
  }
  return null;
}

/**
 * A group of start buttons sharing one feedback area, placed right under the buttons so a
 * blocked answer's reason and next step are on screen where the click happened.
 */
export function StartActions({
  children,
  note,
  title = 'Start an operation',
  layout = 'list',
}: {
  children: ReactNode;
  note?: ReactNode;
  title?: string | null;
  /** `list`: the buttons one under another; `plain`: children as given (a table with buttons in rows). */
  layout?: 'list' | 'plain';
}) {
  const [state, setState] = useState<{ answer: StartAnswer | null; error: ApiError | null; key: number; focus: boolean }>({
    answer: null,
    error: null,
    key: 0,
    focus: false,
  });
  const reporter: Reporter = {
    report: (answer, error = null, focus = false) => setState((s) => ({ answer, error, key: s.key + 1, focus })),
  };
  // The answer appears above the buttons; when the click came from further down a long list,
  // bring it into view so the outcome is never off screen.
  const feedbackRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (state.key > 0) feedbackRef.current?.scrollIntoView({ block: 'nearest' });
  }, [state.key]);
  return (
    <ActionsCtx.Provider value={reporter}>
      <div className="start-actions" data-testid="start-actions">
        {title ? <h2 className="card-title">{title}</h2> : null}
        {note ? <p className="start-actions-note">{note}</p> : null}
        <OutcomeRegion className="start-actions-feedback">
          {state.answer || state.error ? (
            <div key={state.key} ref={feedbackRef}>
              <AnswerOrError
                answer={state.answer}
                error={state.error}
                focus={state.focus}
                onDismiss={() => setState((s) => ({ answer: null, error: null, key: s.key + 1, focus: false }))}
              />
            </div>
          ) : null}
        </OutcomeRegion>
        {layout === 'list' ? <div className="start-actions-list">{children}</div> : children}
      </div>
    </ActionsCtx.Provider>
  );
}
