// /admin/onboarding/{id}: the wizard. Its starts go through the one start contract (the
// onboarding routes answer the same start answer) and show the same StartFeedback.
// Bootstrap admits one operation at a time; the others wait as "pending" and are admitted,
// through the gate, as each one completes — shown live in the steps table.
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, ApiError, startRequest } from '../api.ts';
import { consentFact, expiryFact, Fact } from '../components/Readiness.tsx';
import { ConnectionForm } from '../components/OnboardingConnectionForm.tsx';
import { NextSteps } from '../components/NextSteps.tsx';
import { RunBadge } from '../components/RunsTable.tsx';
import { StartActions, StartButton } from '../components/StartButton.tsx';
import { OutcomeRegion, runUrl, StartFeedback } from '../components/StartFeedback.tsx';
import { Guard } from '../components/States.tsx';
import { useDemoPresets } from '../demo-presets.ts';
import { humanizeKey } from '../format.ts';
import { announceChange, useDocumentTitle, useResource } from '../hooks.ts';
import { BOOTSTRAP_TYPES, OPERATIONS, operationTitle } from '../operations.ts';
import { membershipCan, useSession } from '../session.tsx';
import type { OnboardingSession, OperationType, StartAnswer } from '../types.ts';

const ACTIVE = new Set(['queued', 'running']);

function unwrap(raw: unknown): OnboardingSession {
  const r = raw as Record<string, unknown>;
  const s = (r.session ?? r) as OnboardingSession;
  return { ...s, selections: s.selections ?? [], pending: s.pending ?? [] };
}

function moving(s: OnboardingSession): boolean {
  return s.selections.some((x) => ACTIVE.has(x.state)) || ACTIVE.has(s.verification?.status ?? '');
}

export function OnboardingSessionPage() {
  const { id = '' } = useParams();
  const r = useResource<unknown>(`/api/onboarding/${encodeURIComponent(id)}`, { poll: (raw) => moving(unwrap(raw)), intervalMs: 1500, idleIntervalMs: 10_000 });
  return <Guard r={r}>{(raw) => <Wizard s={unwrap(raw)} reload={r.reload} />}</Guard>;
}

function selectionTone(state: string): string {
  if (state === 'pending') return 'muted';
  if (ACTIVE.has(state)) return 'active';
  if (state === 'succeeded') return 'good';
  if (state === 'blocked' || state === 'failed') return 'bad';
  return 'warn';
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
  const entraId = s.tenant.entraTenantId?.toLowerCase();
  const preset = useDemoPresets().find((p) => p.tenant.entraTenantId.toLowerCase() === entraId);

  async function close(what: 'finish' | 'cancel') {
    setClosing(null);
    try {
      await api.post(`/api/onboarding/${encodeURIComponent(s.id)}/${what}`, {});
      await refresh();
      reload();
      if (what === 'finish') navigate(`/admin/t/${encodeURIComponent(s.tenant.slug)}`);
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
            {s.tenant.entraTenantId ? <> · Entra tenant {s.tenant.entraTenantId}</> : null}
            {s.tenant.status ? <> · tenant {s.tenant.status}</> : null}
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
        <li className={`wizard-step${s.providerConnection ? ' done' : ' current'}`}>
          <h2 className="card-title">2 · Provider connection</h2>
          {s.providerConnection ? (
            <div className="connection-summary">
              <p>
                <Link to={`/admin/provider-connections/${s.providerConnection.id}`}>
                  <strong>{s.providerConnection.name}</strong>
                </Link>
                {s.providerConnection.clientId ? <span className="muted small"> · app {s.providerConnection.clientId}</span> : null}
                {s.providerConnection.cloud ? <span className="muted small"> · {s.providerConnection.cloud} cloud</span> : null}
                {s.providerConnection.appRegistration ? (
                  <span className="muted small"> · workspace app {s.providerConnection.appRegistration.name}</span>
                ) : null}
              </p>
              <p className="facts-inline">
                {s.providerConnection.consentStatus ? <Fact {...consentFact({ consentStatus: s.providerConnection.consentStatus })} /> : null}
                {s.providerConnection.credentialExpiresAt !== undefined ? (
                  <Fact {...expiryFact({ credentialExpiresAt: s.providerConnection.credentialExpiresAt ?? null })} />
                ) : null}
              </p>
            </div>
          ) : draft ? (
            <ConnectionForm sessionId={s.id} disabled={!canManage} preset={preset} onDone={reload} />
          ) : (
            <p className="muted">No connection was added.</p>
          )}
        </li>
        <li className={`wizard-step${verified ? ' done' : s.providerConnection ? ' current' : ''}`}>
          <h2 className="card-title">3 · Verification</h2>
          <p className="muted small">Gets a token for the tenant with the app registration and records its consent and permissions.</p>
          {v ? (
            <div className="step-status" data-testid="verification-status">
              <p>
                Last verification: <RunBadge run={v} /> <Link to={runUrl(v.run) ?? '#'}>View run</Link>
                {v.reason ? <span> — {v.reason.message}</span> : null}
              </p>
              <NextSteps steps={v.nextSteps ?? []} />
            </div>
          ) : null}
          {draft ? (
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
                onAnswer={reload}
              />
            </StartActions>
          ) : null}
        </li>
        <li className={`wizard-step${s.selections.length && !s.pending.length && !s.canStartNext ? ' done' : verified ? ' current' : ''}`}>
          <h2 className="card-title">4 · First operations</h2>
          <Bootstrap s={s} canManage={canManage && draft} onDone={reload} />
        </li>
      </ol>
    </div>
  );
}

function Bootstrap({ s, canManage, onDone }: { s: OnboardingSession; canManage: boolean; onDone: () => void }) {
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
      {s.selections.length ? (
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
            {s.selections.map((sel, i) => {
              const link = runUrl(sel.run);
              return (
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
                    {sel.nextSteps?.length ? <NextSteps steps={sel.nextSteps} /> : null}
                    {link ? <Link to={link}>View run</Link> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
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
