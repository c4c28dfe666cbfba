// The onboarding wizard's step 3: the last verification of the connection, and (while the
// session is a draft) the button that verifies it through the gate.
import { Link } from 'react-router-dom';
import type { OnboardingSession } from '../types.ts';
import { NextSteps } from './NextSteps.tsx';
import { RunBadge } from './RunsTable.tsx';
import { StartActions, StartButton } from './StartButton.tsx';

interface Props {
  s: OnboardingSession;
  /** The last verification succeeded (fully or partially). */
  verified: boolean;
  canManage: boolean;
  onAnswer: () => void;
}

export function OnboardingVerificationStep({ s, verified, canManage, onAnswer }: Props) {
  const v = s.verification;
  return (
    <li className={`wizard-step${verified ? ' done' : s.providerConnection ? ' current' : ''}`}>
      <h2 className="card-title">3 · Verification</h2>
      <p className="muted small">Gets a token for the tenant with the app registration and records its consent and permissions.</p>
      {v ? (
        <div className="step-status" data-testid="verification-status">
          <p>
            Last verification: <RunBadge run={v} /> <Link to={v.run.url}>View run</Link>
            {v.reason ? <span> — {v.reason.message}</span> : null}
          </p>
          <NextSteps steps={v.nextSteps} />
        </div>
      ) : null}
      {s.status === 'draft' ? (
        <StartActions title={null}>
          <StartButton
            tenant={s.tenant.slug}
            type="onboarding.verification"
            allowed={canManage}
            disabledReason={s.providerConnection ? null : 'Add the provider connection first.'}
            endpoint={`/api/onboarding/${encodeURIComponent(s.id)}/verification`}
            body={{}}
            preflight={false}
            variant="primary"
            onAnswer={onAnswer}
          />
        </StartActions>
      ) : null}
    </li>
  );
}
