// The onboarding wizard's step 2: the connection stored for the tenant being onboarded, or, while
// the session is a draft, the form that adds it.
import { Link } from 'react-router-dom';
import type { DemoPreset, OnboardingSession } from '../types.ts';
import { ConnectionForm } from './OnboardingConnectionForm.tsx';
import { consentFact, expiryFact, Fact } from './Readiness.tsx';

interface Props {
  s: OnboardingSession;
  canManage: boolean;
  /** The demo's preset for this very tenant, if any. */
  preset: DemoPreset | undefined;
  onDone: () => void;
}

export function OnboardingConnectionStep({ s, canManage, preset, onDone }: Props) {
  const c = s.providerConnection;
  return (
    <li className={`wizard-step${c ? ' done' : ' current'}`}>
      <h2 className="card-title">2 · Provider connection</h2>
      {c ? (
        <div className="connection-summary">
          <p>
            <Link to={`/admin/provider-connections/${c.id}`}>
              <strong>{c.name}</strong>
            </Link>
            <span className="muted small"> · app {c.clientId}</span>
            <span className="muted small"> · {c.cloud} cloud</span>
            {c.appRegistration ? <span className="muted small"> · workspace app {c.appRegistration.name}</span> : null}
          </p>
          <p className="facts-inline">
            <Fact {...consentFact(c)} />
            <Fact {...expiryFact(c)} />
          </p>
        </div>
      ) : s.status === 'draft' ? (
        <ConnectionForm sessionId={s.id} disabled={!canManage} preset={preset} onDone={onDone} />
      ) : (
        <p className="muted">No connection was added.</p>
      )}
    </li>
  );
}
