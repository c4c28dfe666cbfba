// "Cancel run" on a run's page: for its initiator, and for whoever may cancel any run on the
// tenant (run.cancel: owners, managers). A queued run ends at once; a running run is asked to
// stop and the page shows that until its job reaches its next checkpoint.
import { useState } from 'react';
import { api, ApiError } from '../api.ts';
import { useSession, useCan } from '../session.tsx';
import type { Run } from '../types.ts';

export function CancelRunButton({ run, onChanged }: { run: Run; onChanged: () => void }) {
  const { session } = useSession();
  const canCancelAny = useCan(run.tenant.slug, 'run.cancel');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const active = run.status === 'queued' || run.status === 'running';
  const mine = !!session && run.initiator?.id === session.user.id;
  if (!active || !(mine || canCancelAny)) return null;
  const requested = typeof run.cancelRequestedAt === 'string';

  async function click() {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/operations/${encodeURIComponent(run.id)}/cancel`, {});
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
      onChanged();
    }
  }

  return (
    <div className="cancel-run" aria-live="polite">
      {requested ? (
        <p className="muted small" data-testid="cancel-requested">
          Cancel requested: the run stops at its next checkpoint.
        </p>
      ) : (
        <button type="button" className="button button-danger" disabled={busy} onClick={() => void click()}>
          Cancel run
        </button>
      )}
      {error ? (
        <p className="callout callout-error small" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
