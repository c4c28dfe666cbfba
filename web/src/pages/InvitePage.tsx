// /invite/{token}: accept an invitation. A new person creates their account (name and a
// password of at least 12 characters); an email that already has an account enters its
// password instead — signing in and accepting are one step. Then the console opens.
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, ApiError } from '../api.ts';
import { AccountCard, TextField } from '../components/AccountCard.tsx';
import { Loading } from '../components/States.tsx';
import { useDocumentTitle } from '../hooks.ts';
import { roleLabel, tenantsLabel } from '../members.ts';
import { useSession } from '../session.tsx';
import type { InvitationOffer as Offer } from '../types.ts';

const MIN_PASSWORD = 12;

function refusal(err: unknown): string {
  if (!(err instanceof ApiError)) return String(err);
  if (err.status === 404) return 'This invitation link is not valid. Check that you copied all of it.';
  return err.message;
}

export function InvitePage() {
  useDocumentTitle('Accept invitation');
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const { refresh } = useSession();
  const [offer, setOffer] = useState<Offer | null>(null);
  const [gone, setGone] = useState<string | null>(null);
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.post<Offer>('/api/invitations/lookup', { token }).then(setOffer, (err: unknown) => setGone(refusal(err)));
  }, [token]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!offer) return;
    if (!offer.accountExists) {
      if (!displayName.trim()) return setError('Enter your name.');
      if (password.length < MIN_PASSWORD) return setError(`The password must be at least ${MIN_PASSWORD} characters.`);
      if (password !== confirm) return setError('The two passwords differ.');
    } else if (!password) {
      return setError('Enter your password.');
    }
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/invitations/accept', offer.accountExists ? { token, password } : { token, displayName: displayName.trim(), password });
      await refresh();
      void navigate('/admin/tenants', { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError('That is not the password of this account.');
      else if (err instanceof ApiError && err.status === 410) setGone(err.message);
      else setError(refusal(err));
    } finally {
      setBusy(false);
    }
  }

  if (gone) {
    return (
      <AccountCard title="Invitation not available">
        <div className="callout callout-warn" role="alert">
          {gone}
        </div>
        <p>
          <Link to="/login">Sign in</Link>
        </p>
      </AccountCard>
    );
  }
  if (!offer) return <Loading />;
  return (
    <AccountCard
      title={`Join ${offer.workspace.name}`}
      intro={
        <>
          {offer.email} is invited as <strong>{roleLabel(offer.role)}</strong> on {tenantsLabel(offer.tenants).replace('All tenants', 'all tenants')}.
        </>
      }
    >
      <form onSubmit={(e) => void submit(e)} noValidate>
        {error ? (
          <div className="callout callout-error" role="alert">
            {error}
          </div>
        ) : null}
        {offer.accountExists ? (
          <>
            <p className="muted small">You already have an opsgate account for {offer.email}. Enter its password to accept.</p>
            <TextField id="password" label="Password" type="password" value={password} onChange={setPassword} autoComplete="current-password" autoFocus />
            <button type="submit" className="button button-primary button-block" disabled={busy}>
              Sign in and accept
            </button>
          </>
        ) : (
          <>
            <TextField id="displayName" label="Your name" value={displayName} onChange={setDisplayName} autoComplete="name" autoFocus />
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
              Create account and join
            </button>
          </>
        )}
      </form>
    </AccountCard>
  );
}
