// /setup?token=…: the first run. Creates the workspace and its owner with the token from the
// URL the server printed, then lands signed in on the (empty) tenants page.
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../api.ts';
import { AccountCard, TextField } from '../components/AccountCard.tsx';
import { Loading } from '../components/States.tsx';
import { useDocumentTitle } from '../hooks.ts';
import { useSession } from '../session.tsx';
import type { SetupStatus } from '../types.ts';

const MIN_PASSWORD = 12;

export function SetupPage() {
  useDocumentTitle('Set up opsgate');
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const navigate = useNavigate();
  const { refresh } = useSession();
  const [needed, setNeeded] = useState<boolean | null>(null);
  const [workspaceName, setWorkspaceName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.get<SetupStatus>('/api/setup').then(
      (r) => setNeeded(r.needed),
      () => setNeeded(true),
    );
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const missing = [!workspaceName.trim() && 'a workspace name', !displayName.trim() && 'your name', !email.trim() && 'your email'].filter(Boolean);
    if (missing.length) return setError(`Enter ${missing.join(', ')}.`);
    if (password.length < MIN_PASSWORD) return setError(`The password must be at least ${MIN_PASSWORD} characters.`);
    if (password !== confirm) return setError('The two passwords differ.');
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/setup', { token, workspaceName: workspaceName.trim(), displayName: displayName.trim(), email: email.trim(), password });
      await refresh();
      void navigate('/admin/tenants', { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'already_set_up') setNeeded(false);
      else if (err instanceof ApiError && err.status === 403)
        setError('This setup link is not valid. Open the link the server printed when it started (it ends in ?token=…).');
      else setError(err instanceof Error ? err.message : 'Setup failed.');
    } finally {
      setBusy(false);
    }
  }

  if (needed === null) return <Loading />;
  if (!needed) {
    return (
      <AccountCard title="Already set up" intro="This opsgate already has its workspace and owner.">
        <p>
          <Link to="/login" className="button button-primary">
            Sign in
          </Link>
        </p>
        <p className="muted small">New colleagues join through an invitation from a workspace owner.</p>
      </AccountCard>
    );
  }
  if (!token) {
    return (
      <AccountCard title="Set up opsgate">
        <div className="callout callout-warn" role="alert">
          Open the setup link the server printed when it started: <code>opsgate setup: …/setup?token=…</code>
        </div>
      </AccountCard>
    );
  }
  return (
    <AccountCard title="Set up opsgate" intro="Create your MSP's workspace and its first owner. You can invite colleagues next.">
      <form onSubmit={(e) => void submit(e)} noValidate>
        {error ? (
          <div className="callout callout-error" role="alert">
            {error}
          </div>
        ) : null}
        <TextField id="workspaceName" label="Workspace name" value={workspaceName} onChange={setWorkspaceName} hint="Usually your company's name." autoFocus />
        <TextField id="displayName" label="Your name" value={displayName} onChange={setDisplayName} autoComplete="name" />
        <TextField id="email" label="Email" type="email" value={email} onChange={setEmail} autoComplete="username" />
        <TextField
          id="password"
          label="Password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="new-password"
          hint={`At least ${MIN_PASSWORD} characters.`}
        />
        <TextField id="confirm" label="Confirm password" type="password" value={confirm} onChange={setConfirm} autoComplete="new-password" />
        <button type="submit" className="button button-primary button-block" disabled={busy}>
          Create workspace
        </button>
      </form>
    </AccountCard>
  );
}
