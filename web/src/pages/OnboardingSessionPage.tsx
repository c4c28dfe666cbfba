// /admin/onboarding/{id}: the wizard. Its starts go through the one start contract (the
// onboarding routes answer the same start answer) and show the same StartFeedback.
// The steps are components of their own: the connection (OnboardingConnectionStep), its
// verification (OnboardingVerificationStep) and the first operations (OnboardingBootstrap).
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, ApiError } from '../api.ts';
import { OnboardingBootstrapStep } from '../components/OnboardingBootstrap.tsx';
import { OnboardingConnectionStep } from '../components/OnboardingConnectionStep.tsx';
import { OnboardingVerificationStep } from '../components/OnboardingVerificationStep.tsx';
import { Guard } from '../components/States.tsx';
import { useDemoPresets } from '../demo-presets.ts';
import { isActive } from '../format.ts';
import { useDocumentTitle, useResource } from '../hooks.ts';
import { membershipCan, useSession } from '../session.tsx';
import type { OnboardingSession } from '../types.ts';

/** Something is queued or running: the page follows it. */
function moving(s: OnboardingSession): boolean {
  return s.selections.some((x) => x.state === 'queued' || x.state === 'running') || (s.verification !== null && isActive(s.verification));
}

export function OnboardingSessionPage() {
  const { id = '' } = useParams();
  const r = useResource<OnboardingSession>(`/api/onboarding/${encodeURIComponent(id)}`, { poll: moving, intervalMs: 1500, idleIntervalMs: 10_000 });
  return <Guard r={r}>{(s) => <Wizard s={s} reload={r.reload} />}</Guard>;
}

function Wizard({ s, reload }: { s: OnboardingSession; reload: () => void }) {
  useDocumentTitle(`Onboarding · ${s.tenant.name}`);
  const { session, refresh } = useSession();
  const navigate = useNavigate();
  const m = session?.tenants.find((t) => t.id === s.tenant.id || t.slug === s.tenant.slug) ?? null;
  const canManage = m ? membershipCan(m, 'onboarding.manage') : (session?.tenants ?? []).some((t) => membershipCan(t, 'onboarding.manage'));
  const draft = s.status === 'draft';
  const v = s.verification;
  const verified = v?.status === 'completed' && (v.outcome === 'succeeded' || v.outcome === 'partially_succeeded');
  const [closing, setClosing] = useState<string | null>(null);
  // The demo's preset for this very tenant (matched by its Entra id, however it was entered).
  const entraId = s.tenant.entraTenantId.toLowerCase();
  const preset = useDemoPresets().find((p) => p.tenant.entraTenantId.toLowerCase() === entraId);

  async function close(what: 'finish' | 'cancel') {
    setClosing(null);
    try {
      await api.post(`/api/onboarding/${encodeURIComponent(s.id)}/${what}`, {});
      await refresh();
      reload();
      if (what === 'finish') void navigate(`/admin/t/${encodeURIComponent(s.tenant.slug)}`);
    } catch (err) {
      setClosing(err instanceof ApiError ? err.message : String(err));
    }
  }

  return (
    <div className="stack" data-testid="onboarding-wizard" data-status={s.status}>
      <div className="page-head">
        <div>
          <p className="eyebrow">
            <Link to="/admin/onboarding">Onboarding</Link>
          </p>
          <h1>
            {s.tenant.name} <span className={`badge tone-${draft ? 'info' : s.status === 'completed' ? 'good' : 'muted'}`}>{s.status}</span>
          </h1>
          <p className="muted small">
            {s.tenant.slug}
            <> · Entra tenant {s.tenant.entraTenantId}</>
            <> · tenant {s.tenant.status}</>
          </p>
        </div>
        {draft && canManage ? (
          <div className="head-actions">
            <button type="button" className="button button-secondary" onClick={() => void close('cancel')}>
              Cancel onboarding
            </button>
            <button
              type="button"
              className="button button-primary"
              disabled={!verified}
              title={verified ? undefined : 'Verify the connection first'}
              onClick={() => void close('finish')}
            >
              Finish onboarding
            </button>
          </div>
        ) : null}
      </div>
      {closing ? (
        <div className="callout callout-error" role="alert">
          {closing}
        </div>
      ) : null}
      {!draft ? (
        <div className="callout callout-good" role="status">
          This onboarding is {s.status}.{' '}
          {s.status === 'completed' ? <Link to={`/admin/t/${encodeURIComponent(s.tenant.slug)}`}>Open {s.tenant.name}</Link> : null}
        </div>
      ) : null}
      <ol className="wizard">
        <li className="wizard-step done">
          <h2 className="card-title">1 · Tenant</h2>
          <p>
            <strong>{s.tenant.name}</strong> ({s.tenant.slug}) is recorded in the <em>onboarding</em> state: only the wizard’s operations can run for it until
            onboarding is finished.
          </p>
        </li>
        <OnboardingConnectionStep s={s} canManage={canManage} preset={preset} onDone={reload} />
        <OnboardingVerificationStep s={s} verified={verified} canManage={canManage} onAnswer={reload} />
        <OnboardingBootstrapStep s={s} verified={verified} canManage={canManage} onDone={reload} />
      </ol>
    </div>
  );
}
