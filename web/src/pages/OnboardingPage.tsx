// /admin/onboarding: start onboarding a new customer tenant, and the sessions in progress.
// Built against the onboarding routes (docs/API.md); when this server does not offer the onboarding API
// yet (404), the page says so instead of failing.
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api, ApiError } from '../api.ts';
import { DemoPresetOffer } from '../components/DemoPresetOffer.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { useDemoPresets } from '../demo-presets.ts';
import type { DemoPreset, ItemList } from '../types.ts';
import { formatDateTime } from '../format.ts';
import { useDocumentTitle, useResource } from '../hooks.ts';
import { membershipCan, useSession, useWorkspaceWith } from '../session.tsx';
import type { OnboardingSession } from '../types.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function OnboardingPage() {
  useDocumentTitle('Onboarding');
  const { session, refresh } = useSession();
  const navigate = useNavigate();
  const list = useResource<ItemList<OnboardingSession>>('/api/onboarding');
  // The server decides by the workspace role; a new owner has no tenant yet.
  const canManage = !!useWorkspaceWith('onboarding.manage') || (session?.tenants ?? []).some((t) => membershipCan(t, 'onboarding.manage'));
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugTouched, setSlugTouched] = useState(false);
  const [entraTenantId, setEntraTenantId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [busy, setBusy] = useState(false);
  const presets = useDemoPresets();

  function applyPreset(p: DemoPreset) {
    setName(p.tenant.name);
    setSlugTouched(true);
    setSlug(p.tenant.slug);
    setEntraTenantId(p.tenant.entraTenantId);
    setError(null);
  }

  const derivedSlug = slugTouched
    ? slug
    : name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 63);
  const problems = [
    !name.trim() ? 'a name' : null,
    !SLUG.test(derivedSlug) ? 'a slug of lowercase letters, digits and dashes' : null,
    !GUID.test(entraTenantId.trim()) ? 'the Entra tenant ID (a GUID)' : null,
  ].filter(Boolean);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (problems.length) {
      setError(`Enter ${problems.join(', ')}.`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const s = await api.post<OnboardingSession>('/api/onboarding', {
        name: name.trim(),
        slug: derivedSlug,
        entraTenantId: entraTenantId.trim(),
      });
      await refresh();
      void navigate(`/admin/onboarding/${s.id}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) setUnavailable(true);
      else setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  const listUnavailable = list.error?.status === 404;
  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>Onboarding</h1>
          <p className="muted">Add a customer tenant: its identity, an app registration, a verification, then the first syncs.</p>
        </div>
      </div>
      {unavailable ? (
        <div className="callout callout-warn" role="status" data-testid="onboarding-unavailable">
          <strong>Onboarding is not available on this server.</strong> The onboarding API did not answer (404). Existing tenants are unaffected; ask your
          administrator to update opsgate.
        </div>
      ) : null}
      <div className="grid-2">
        <section className="card" aria-labelledby="new-title">
          <h2 className="card-title" id="new-title">
            1 · New tenant
          </h2>
          {!canManage ? <p className="muted">Only owners and managers can onboard tenants.</p> : null}
          {canManage && !unavailable
            ? presets.map((p) => <DemoPresetOffer key={p.key} preset={p} detail={p.description} disabled={busy} onUse={() => applyPreset(p)} />)
            : null}
          <form onSubmit={(e) => void submit(e)} noValidate>
            <fieldset disabled={!canManage || busy || unavailable}>
              <div className="field">
                <label htmlFor="ob-name">Display name</label>
                <input id="ob-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="Northwind Traders" />
              </div>
              <div className="field">
                <label htmlFor="ob-slug">Slug</label>
                <input
                  id="ob-slug"
                  value={derivedSlug}
                  onChange={(e) => {
                    setSlugTouched(true);
                    setSlug(e.target.value);
                  }}
                  aria-describedby="ob-slug-help"
                />
                <p className="help" id="ob-slug-help">
                  Used in URLs: /admin/t/{derivedSlug || 'slug'}
                </p>
              </div>
              <div className="field">
                <label htmlFor="ob-entra">Entra tenant ID</label>
                <input
                  id="ob-entra"
                  value={entraTenantId}
                  onChange={(e) => setEntraTenantId(e.target.value)}
                  placeholder="00000000-0000-0000-0000-000000000000"
                  spellCheck={false}
                />
              </div>
              {error ? (
                <div className="callout callout-error" role="alert">
                  {error}
                </div>
              ) : null}
              <button type="submit" className="button button-primary">
                Start onboarding
              </button>
            </fieldset>
          </form>
        </section>
        <section className="card" aria-labelledby="sessions-title">
          <h2 className="card-title" id="sessions-title">
            Onboarding sessions
          </h2>
          {list.loading ? (
            <Loading />
          ) : listUnavailable || list.error ? (
            <OnboardingTenantsFallback />
          ) : (list.data?.items ?? []).length === 0 ? (
            <Empty title="No onboarding in progress" />
          ) : (
            <ul className="link-list">
              {(list.data?.items ?? []).map((s) => (
                <li key={s.id}>
                  <Link to={`/admin/onboarding/${s.id}`}>{s.tenant.name}</Link>
                  <span className="muted small">
                    <span className={`badge tone-${s.status === 'draft' ? 'info' : s.status === 'completed' ? 'good' : 'muted'}`}>{s.status}</span>{' '}
                    {s.createdAt ? `started ${formatDateTime(s.createdAt)}` : ''}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </div>
  );
}

/** Without a sessions list from the server: the tenants that are still onboarding. */
function OnboardingTenantsFallback() {
  const { session } = useSession();
  const onboarding = (session?.tenants ?? []).filter((t) => t.status === 'onboarding');
  if (!onboarding.length) return <Empty title="No onboarding in progress" />;
  return (
    <ul className="link-list">
      {onboarding.map((t) => (
        <li key={t.id}>
          <Link to={`/admin/t/${encodeURIComponent(t.slug)}`}>{t.name}</Link> <span className="badge tone-info">onboarding</span>
        </li>
      ))}
    </ul>
  );
}
