// Next steps as the presenter gives them: a link when the user can act, otherwise the
// hint text (who can). Used by the start answer, the preflight hint and the run detail.
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { NextStep } from '../types.ts';

export function NextStepItem({ step }: { step: NextStep }) {
  if (step.url !== null) {
    return (
      <NextLink url={step.url} className="next-step-link">
        {step.label}
      </NextLink>
    );
  }
  return (
    <span className="next-step-nolink">
      <strong>{step.label}</strong>
      <span className="next-step-hint"> — {step.hint}</span>
    </span>
  );
}

export function NextSteps({ steps, heading = 'Next step' }: { steps: NextStep[]; heading?: string | null }) {
  if (!steps.length) return null;
  return (
    <div className="next-steps">
      {heading ? <span className="next-steps-heading">{steps.length > 1 ? `${heading}s` : heading}:</span> : null}
      <ul>
        {steps.map((s, i) => (
          <li key={`${s.label}-${i}`}>
            <NextStepItem step={s} />
          </li>
        ))}
      </ul>
    </div>
  );
}

/** In-app links through the router; anything else (absolute URLs) as a plain link. */
export function NextLink({ url, className, children }: { url: string; className?: string; children: ReactNode }) {
  if (url.startsWith('/')) {
    return (
      <Link to={url} className={className}>
        {children}
      </Link>
    );
  }
  return (
    <a href={url} className={className} target="_blank" rel="noreferrer">
      {children}
    </a>
  );
}
