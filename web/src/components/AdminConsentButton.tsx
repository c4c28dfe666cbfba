import { useState } from 'react';
import { api, ApiError } from '../api.ts';
import type { AdminConsent, ProviderConnection } from '../types.ts';

/**
 * The admin-consent remediation: the API answers Microsoft's consent URL for this connection
 * (state bound to this session); the browser goes there and comes back through
 * /admin/consent/callback, which verifies the connection through the gate.
 */
export function AdminConsentButton({ c, canManage, label }: { c: ProviderConnection; canManage: boolean; label: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!canManage) return <p className="muted small">Only an owner or manager of this tenant can request admin consent.</p>;
  async function go() {
    setBusy(true);
    setError(null);
    try {
      const { url } = await api.post<AdminConsent>(`/api/provider-connections/${c.id}/admin-consent`, {});
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
