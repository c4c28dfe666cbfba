import { useEffect, useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, request } from '../api.ts';
import { useDocumentTitle } from '../hooks.ts';
import { useSession } from '../session.tsx';
import type { AuthProvider, ItemList } from '../types.ts';

/** Only same-app paths: never send a user to another origin after sign-in. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/admin/tenants';
}

export function LoginPage() {
  useDocumentTitle('Sign in');
  const { session, signIn } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));
  // "Sign in with Microsoft" and the like, where the server has them configured.
  const [providers, setProviders] = useState<AuthProvider[]>([]);
  useEffect(() => {
    const ac = new AbortController();
    request<ItemList<AuthProvider>>('GET', '/api/auth/providers', undefined, ac.signal)
      .then((r) => setProviders(r.items))
      .catch(() => undefined);
    return () => ac.abort();
  }, []);

  if (session) return <Navigate to={next} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
      void navigate(next, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError('Email or password is incorrect.');
      else if (err instanceof ApiError && err.status === 429) setError('Too many attempts. Wait a minute, then try again.');
      else setError(err instanceof Error ? err.message : 'Sign-in failed.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="login">
      <form className="login-card" onSubmit={(e) => void submit(e)} noValidate>
        <div className="brand brand-login">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          opsgate
        </div>
        <h1>Sign in</h1>
        <p className="muted">Operations console for your customers’ Microsoft 365 tenants.</p>
        {error ? (
          <div className="callout callout-error" role="alert">
            {error}
          </div>
        ) : null}
        <div className="field">
          <label htmlFor="email">Email</label>
          <input id="email" name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <button type="submit" className="button button-primary button-block" disabled={busy || !email || !password}>
          Sign in
        </button>
        {providers.length > 0 ? (
          <>
            <p className="login-or muted">or</p>
            {providers.map((p) => (
              // A navigation, not a fetch: the browser goes to the identity platform and back.
              <a key={p.id} className="button button-secondary button-block" href={`${p.url}?next=${encodeURIComponent(next)}`}>
                {p.label}
              </a>
            ))}
          </>
        ) : null}
      </form>
    </div>
  );
}
