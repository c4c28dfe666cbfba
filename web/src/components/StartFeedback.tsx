// THE start feedback: the one place that renders a start answer (the presenter's JSON).
// Every start surface — tenant, connection, restore, groups, onboarding — shows this, so
// the four outcomes read the same everywhere: queued, already running, scope busy, blocked.
// Nothing here invents outcome copy; the title, the outcome's word (`label`), the reason and
// the next steps come from the server.
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { useResource } from '../hooks.ts';
import { isActive, runState, runTone } from '../format.ts';
import type { Outcome, Run, StartAnswer } from '../types.ts';
import { NextSteps } from './NextSteps.tsx';

// Simple line icons (no emoji font needed): check, loop, hourglass-ish clock, stop.
const ICON: Record<Outcome, string> = {
  accepted: 'M5 12l4 4 10-10',
  deduped: 'M4 12a8 8 0 0 1 14-5.3M20 12a8 8 0 0 1-14 5.3M18 3v4h-4M6 21v-4h4',
  scope_busy: 'M12 7v5l3 3M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18',
  blocked: 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18M5.6 5.6l12.8 12.8',
};

/**
 * Where a start's answer appears. The region is on the page before any answer (a live region
 * inserted together with its text is not announced), so screen readers read the answer the
 * moment it arrives while the focus stays on the button that was pressed; the answer itself
 * (tabindex -1, named by its title) and its links are reachable by keyboard.
 */
export function OutcomeRegion({ className, children, label = 'Start outcome' }: { className?: string; children: ReactNode; label?: string }) {
  return (
    <div className={className} role="status" aria-live="polite" aria-label={label} data-testid="start-outcome">
      {children}
    </div>
  );
}

interface Props {
  answer: StartAnswer;
  onDismiss?: () => void;
  /** Take the focus when shown (the start was made with the keyboard). */
  focus?: boolean;
}

export function StartFeedback({ answer, onDismiss, focus = false }: Props) {
  const titleId = useId();
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus]);
  const wording = answer.label;
  const titleHasWording = answer.title.toLowerCase().includes(wording.toLowerCase());
  const runLink = answer.run?.url ?? null;
  // The presenter may list the run itself as a next step ("View run", or "View the running
  // operation" for scope busy): show each link once.
  const steps = answer.nextSteps.filter((s) => !(runLink && s.url === runLink && s.label === 'View run'));
  const viewRun = runLink && !steps.some((s) => s.url === runLink) ? runLink : null;
  // Accepted and deduped runs are live: follow them until they complete.
  const live = answer.outcome === 'accepted' || answer.outcome === 'deduped';
  return (
    <section
      className={`start-feedback outcome-${answer.outcome}`}
      aria-labelledby={titleId}
      tabIndex={-1}
      ref={ref}
      data-testid="start-feedback"
      data-outcome={answer.outcome}
    >
      <div className="start-feedback-head">
        <svg
          className="start-feedback-icon"
          viewBox="0 0 24 24"
          width="18"
          height="18"
          aria-hidden="true"
          fill="none"
          stroke="currentColor"
          strokeWidth="2.2"
          strokeLinecap="round"
          strokeLinejoin="round"
        >
          <path d={ICON[answer.outcome]} />
        </svg>
        <h3 className="start-feedback-title" id={titleId}>
          {answer.title}
          {titleHasWording ? null : <span className="outcome-word"> — {wording}</span>}
        </h3>
        {onDismiss ? (
          <button type="button" className="icon-button" onClick={onDismiss} aria-label="Dismiss">
            ×
          </button>
        ) : null}
      </div>
      {answer.reason ? <p className="start-feedback-reason">{answer.reason.message}</p> : null}
      <NextSteps steps={steps} />
      <div className="start-feedback-meta">
        {answer.providerConnection ? (
          <span>
            Connection: <Link to={`/admin/provider-connections/${answer.providerConnection.id}`}>{answer.providerConnection.name}</Link>
          </span>
        ) : null}
        {viewRun ? (
          <Link className="view-run" to={viewRun}>
            View run
          </Link>
        ) : null}
        {live && answer.run ? <LiveRunState runId={answer.run.id} /> : null}
      </div>
    </section>
  );
}

function LiveRunState({ runId }: { runId: string }) {
  const { data } = useResource<Run>(`/api/operations/${runId}`, { poll: isActive, intervalMs: 1000 });
  if (!data) return null;
  return (
    <span className="live-state">
      Run: <span className={`badge tone-${runTone(data)}`}>{runState(data)}</span>
    </span>
  );
}
