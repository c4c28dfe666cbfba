// Back on a connection's page from Microsoft's admin-consent page: what happened, and the
// verification the callback started, followed live until it completes.
import { useEffect } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { isActive } from '../format.ts';
import { announceChange, useResource } from '../hooks.ts';
import type { Run } from '../types.ts';
import { NextSteps } from './NextSteps.tsx';
import { RunBadge } from './RunsTable.tsx';

/** Back from the consent page (?consent=granted|denied|rejected[&run=]): what happened, live. */
export function ConsentResult({ connectionId, onSettled }: { connectionId: string; onSettled: () => void }) {
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
            {run.data.title} <RunBadge run={run.data} /> <Link to={`/admin/operations/${run.data.id}`}>View run</Link>
            {run.data.reason ? <span> — {run.data.reason.message}</span> : null}
          </p>
        ) : runId ? (
          <p>The connection is being verified to record the new consent and permissions.</p>
        ) : null}
        {run.data?.nextSteps.length ? <NextSteps steps={run.data.nextSteps} /> : null}
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
