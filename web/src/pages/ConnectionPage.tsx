// /admin/provider-connections/{id}: the connection's readiness (with #consent, #permissions
// and #credentials for next-step links), its starts ("Check connection", "Sync inventory",
// "Take compliance snapshot"), management (default, enabled, credential, delete) and its runs.
import { useEffect, useState } from 'react';
import { Link, useLocation, useParams, useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../api.ts';
import { ConnectionCredentials } from '../components/ConnectionCredentials.tsx';
import { DeleteConnection } from '../components/DeleteConnection.tsx';
import { VerificationReport } from '../components/Readiness.tsx';
import { NextSteps } from '../components/NextSteps.tsx';
import { RunBadge as RunBadgeInline, RunsTable } from '../components/RunsTable.tsx';
import { StartActions, StartButton } from '../components/StartButton.tsx';
import { Empty, Guard } from '../components/States.tsx';
import { isActive } from '../format.ts';
import { announceChange, useDocumentTitle, useNow, useResource } from '../hooks.ts';
import { membershipCan, useSession } from '../session.tsx';
import type { ProviderConnection, Run, SessionTenant } from '../types.ts';

function unwrap(raw: unknown): ProviderConnection {
  const r = raw as Record<string, unknown>;
  return (r.providerConnection ?? r.connection ?? r) as ProviderConnection;
}

export function ConnectionPage() {
  const { id = '' } = useParams();
  const r = useResource<unknown>(`/api/provider-connections/${encodeURIComponent(id)}`);
  return <Guard r={r}>{(raw) => <ConnectionView c={unwrap(raw)} reload={r.reload} />}</Guard>;
}

function ConnectionView({ c, reload }: { c: ProviderConnection; reload: () => void }) {
  useDocumentTitle(c.name);
  const { session } = useSession();
  const location = useLocation();
  const now = useNow(30_000);
  const tenantRef = c.tenant?.slug ?? c.tenant?.id ?? c.tenantId ?? '';
  const m: SessionTenant | null = session?.tenants.find((t) => t.slug === tenantRef || t.id === tenantRef || t.id === c.tenant?.id) ?? null;
  const slug = c.tenant?.slug ?? m?.slug ?? tenantRef;
  const tenantName = c.tenant?.name ?? m?.name ?? slug;
  const can = (cap: Parameters<typeof membershipCan>[1]) => membershipCan(m, cap);
  const runs = useResource<{ items: Run[] }>(slug ? `/api/operations?tenant=${encodeURIComponent(slug)}` : null, {
    poll: (d) => d.items.some((x) => x.providerConnection?.id === c.id && isActive(x)),
    idleIntervalMs: 10_000,
  });
  const mine = (runs.data?.items ?? []).filter((x) => x.providerConnection?.id === c.id);

  // Next steps link to #consent, #permissions, #credentials: bring that part into view.
  useEffect(() => {
    const hash = location.hash.slice(1);
    if (!hash) return;
    const el = document.getElementById(hash);
    if (!el) return;
    el.scrollIntoView({ block: 'start' });
    el.classList.add('highlight');
    const t = setTimeout(() => el.classList.remove('highlight'), 2500);
    return () => clearTimeout(t);
  }, [location.hash]);

  const anyStart = can('provider_connection.run_checks') || can('inventory.sync') || can('compliance.snapshot');
  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <p className="eyebrow">
            Provider connection · <Link to={`/admin/t/${encodeURIComponent(slug)}`}>{tenantName}</Link>
          </p>
          <h1>
            {c.name} {c.isDefault ? <span className="badge tone-info">default</span> : null}
            {!c.enabled ? <span className="badge tone-bad">disabled</span> : null}
          </h1>
          <p className="muted small">
            {c.clientId ? <>App (client) ID {c.clientId}</> : null}
            {c.cloud ? <> · cloud: {c.cloud}</> : null}
            {c.appRegistration ? <> · workspace app {c.appRegistration.name}</> : c.kind ? <> · own app registration</> : null}
          </p>
        </div>
      </div>
      <ConsentResult connectionId={c.id} onSettled={reload} />
      <div className="grid-2">
        <div className="col">
          <section className="card">
            <StartActions
              note={
                anyStart ? (
                  <>Starts here run on this connection, {c.name}, whether or not it is the default.</>
                ) : (
                  <>Your role{m ? ` (${m.role})` : ''} can view this connection but cannot start operations.</>
                )
              }
            >
              <StartButton
                tenant={slug}
                type="provider_connection.check"
                providerConnectionId={c.id}
                allowed={can('provider_connection.run_checks')}
                variant="primary"
              />
              <StartButton tenant={slug} type="inventory.sync" providerConnectionId={c.id} allowed={can('inventory.sync')} />
              <StartButton tenant={slug} type="compliance.snapshot" providerConnectionId={c.id} allowed={can('compliance.snapshot')} />
            </StartActions>
          </section>
          <section className="card" aria-labelledby="readiness-title">
            <h2 className="card-title" id="readiness-title">
              Readiness
            </h2>
            <VerificationReport
              connection={c}
              anchors
              now={now}
              consentAction={<AdminConsentButton c={c} canManage={can('provider_connection.manage')} label="Grant admin consent" />}
              permissionsAction={<AdminConsentButton c={c} canManage={can('provider_connection.manage')} label="Grant the missing permissions" />}
            />
          </section>
        </div>
        <div className="col">
          <ManageCard c={c} canManage={can('provider_connection.manage')} reload={reload} now={now} />
          <DeleteConnection c={c} tenantSlug={slug} canManage={can('provider_connection.manage')} />
          <section className="card" aria-labelledby="conn-runs-title">
            <div className="card-head">
              <h2 className="card-title" id="conn-runs-title">
                Runs on this connection
              </h2>
              <Link className="small" to={`/admin/operations?tenant=${encodeURIComponent(slug)}`}>
                All runs of {tenantName} →
              </Link>
            </div>
            {runs.data && mine.length === 0 ? <Empty title="No runs on this connection yet" /> : null}
            {mine.length ? <RunsTable runs={mine.slice(0, 8)} showTenant={false} compact /> : null}
          </section>
        </div>
      </div>
    </div>
  );
}

function ManageCard({ c, canManage, reload, now }: { c: ProviderConnection; canManage: boolean; reload: () => void; now: number }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ tone: 'good' | 'bad'; text: string } | null>(null);

  async function patch(body: Record<string, unknown>, done: string) {
    setBusy(true);
    setMessage(null);
    try {
      await api.patch(`/api/provider-connections/${c.id}`, body);
      setMessage({ tone: 'good', text: done });
      reload();
      // Readiness changed: every preflight hint on screen asks again.
      announceChange();
      return true;
    } catch (err) {
      setMessage({ tone: 'bad', text: err instanceof ApiError ? err.message : String(err) });
      return false;
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <section className="card" aria-labelledby="manage-title">
        <h2 className="card-title" id="manage-title">
          Settings
        </h2>
        {message ? (
          <div className={`callout ${message.tone === 'good' ? 'callout-good' : 'callout-error'}`} role={message.tone === 'bad' ? 'alert' : 'status'}>
            {message.text}
          </div>
        ) : null}
        {!canManage ? <p className="muted small">Only owners and managers can change this connection.</p> : null}
        <div className="settings-row">
          <div>
            <strong>Default connection</strong>
            <p className="muted small">Starts on the tenant page use the default connection. Runs already accepted keep the connection they were pinned to.</p>
          </div>
          {c.isDefault ? (
            <span className="badge tone-info">This is the default</span>
          ) : (
            <button
              type="button"
              className="button button-secondary"
              disabled={!canManage || busy}
              onClick={() => void patch({ isDefault: true }, `${c.name} is now the default connection.`)}
            >
              Make default
            </button>
          )}
        </div>
        <div className="settings-row">
          <div>
            <strong>{c.enabled ? 'Enabled' : 'Disabled'}</strong>
            <p className="muted small">A disabled connection blocks every start that would use it.</p>
          </div>
          <button
            type="button"
            className={`button ${c.enabled ? 'button-secondary' : 'button-primary'}`}
            disabled={!canManage || busy}
            onClick={() => void patch({ enabled: !c.enabled }, c.enabled ? `${c.name} is disabled.` : `${c.name} is enabled.`)}
          >
            {c.enabled ? 'Disable connection' : 'Enable connection'}
          </button>
        </div>
      </section>
      <ConnectionCredentials c={c} canManage={canManage} busy={busy} patch={patch} now={now} />
    </>
  );
}

/**
 * The admin-consent remediation: the API answers Microsoft's consent URL for this connection
 * (state bound to this session); the browser goes there and comes back through
 * /admin/consent/callback, which verifies the connection through the gate.
 */
function AdminConsentButton({ c, canManage, label }: { c: ProviderConnection; canManage: boolean; label: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!canManage) return <p className="muted small">Only an owner or manager of this tenant can request admin consent.</p>;
  async function go() {
    setBusy(true);
    setError(null);
    try {
      const { url } = await api.post<{ url: string }>(`/api/provider-connections/${c.id}/admin-consent`, {});
      window.location.assign(url);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setBusy(false);
    }
  }
  return (
    <div className="consent-action">
      <button type="button" className="button button-primary" disabled={busy} onClick={() => void go()}>
        {label}
      </button>
      {error ? (
        <span className="callout-inline" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

/** Back from the consent page (?consent=granted|denied|rejected[&run=]): what happened, live. */
function ConsentResult({ connectionId, onSettled }: { connectionId: string; onSettled: () => void }) {
  const [params, setParams] = useSearchParams();
  const consent = params.get('consent');
  const runId = params.get('run');
  const run = useResource<Run>(consent === 'granted' && runId ? `/api/operations/${encodeURIComponent(runId)}` : null, { poll: isActive, intervalMs: 1000 });
  const settled = run.data ? !isActive(run.data) : false;
  useEffect(() => {
    if (settled) {
      onSettled();
      announceChange();
    }
  }, [settled, onSettled]);
  if (!consent) return null;
  const dismiss = () => setParams({}, { replace: true });
  if (consent === 'granted') {
    return (
      <div className="callout callout-good consent-result" role="status" data-testid="consent-result" data-connection={connectionId}>
        <div className="consent-result-head">
          <strong>Admin consent granted.</strong>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={dismiss}>
            ×
          </button>
        </div>
        {run.data ? (
          <p>
            {run.data.title ?? 'Verification'} <RunBadgeInline run={run.data} /> <Link to={`/admin/operations/${run.data.id}`}>View run</Link>
            {run.data.reason ? <span> — {run.data.reason.message}</span> : null}
          </p>
        ) : runId ? (
          <p>The connection is being verified to record the new consent and permissions.</p>
        ) : null}
        {run.data?.nextSteps?.length ? <NextSteps steps={run.data.nextSteps} /> : null}
      </div>
    );
  }
  const detail =
    consent === 'denied'
      ? `Microsoft answered “${params.get('error') ?? 'access_denied'}”.`
      : `The answer from the consent page could not be accepted (${params.get('why') ?? 'unknown'}).`;
  return (
    <div className="callout callout-error consent-result" role="alert" data-testid="consent-result">
      <div className="consent-result-head">
        <strong>Admin consent was not granted.</strong>
        <button type="button" className="icon-button" aria-label="Dismiss" onClick={dismiss}>
          ×
        </button>
      </div>
      <p>{detail} Nothing changed; start again with “Grant admin consent”.</p>
    </div>
  );
}
