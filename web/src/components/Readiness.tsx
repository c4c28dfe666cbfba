// A provider connection's stored readiness facts, as the last verification left them:
// consent, permissions per feature, credential expiry, last verification. Display only —
// whether a start may proceed is the gate's decision (the preflight hint under each button).
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { daysUntil, formatDate, formatDateTime, humanizeKey, relativeTime } from '../format.ts';
import { FEATURES, grants } from '../operations.ts';
import type { ProviderConnection } from '../types.ts';

export const EXPIRY_WARNING_DAYS = 30;

type Tone = 'good' | 'warn' | 'bad' | 'muted';

/** `credentialKind` absent (an onboarding session's connection): the expiry reads as a secret's. */
export function expiryFact(
  c: Pick<ProviderConnection, 'credentialExpiresAt'> & Partial<Pick<ProviderConnection, 'credentialKind'>>,
  now = Date.now(),
): { tone: Tone; text: string } {
  const days = daysUntil(c.credentialExpiresAt, now);
  // A certificate's expiry is its notAfter; it reads as the certificate's, not a secret's.
  const noun = c.credentialKind === 'certificate' ? 'Certificate' : 'Secret';
  if (days === null) return { tone: 'bad', text: 'No credential expiry recorded' };
  if (days < 0) return { tone: 'bad', text: `${noun} expired on ${formatDate(c.credentialExpiresAt)}` };
  if (days <= EXPIRY_WARNING_DAYS)
    return { tone: 'warn', text: `${noun} expires in ${days} day${days === 1 ? '' : 's'} (${formatDate(c.credentialExpiresAt)})` };
  return { tone: 'good', text: `${noun} valid until ${formatDate(c.credentialExpiresAt)}` };
}

export function consentFact(c: Pick<ProviderConnection, 'consentStatus'>): { tone: Tone; text: string } {
  if (c.consentStatus === 'granted') return { tone: 'good', text: 'Admin consent granted' };
  if (c.consentStatus === 'missing') return { tone: 'bad', text: 'Admin consent missing' };
  return { tone: 'warn', text: 'Admin consent unknown (not verified yet)' };
}

export function verificationFact(c: Pick<ProviderConnection, 'verificationStatus' | 'lastVerifiedAt'>, now = Date.now()): { tone: Tone; text: string } {
  const when = c.lastVerifiedAt ? relativeTime(c.lastVerifiedAt, now) : null;
  switch (c.verificationStatus) {
    case 'succeeded':
      return { tone: 'good', text: `Verified ${when ?? ''}`.trim() };
    case 'failed':
      return { tone: 'bad', text: `Last verification failed${when ? ` ${when}` : ''}` };
    case 'unusable':
      return { tone: 'bad', text: `App registration unusable${when ? ` (checked ${when})` : ''}` };
    default:
      return { tone: 'muted', text: 'Never verified' };
  }
}

export function missingFor(c: Pick<ProviderConnection, 'grantedPermissions'>): string[] {
  const all = [...new Set(FEATURES.flatMap((f) => f.permissions))];
  return all.filter((p) => !grants(c.grantedPermissions, p));
}

/** The most important fact about a connection, for lists ("readiness at a glance"). */
export function headlineFact(c: ProviderConnection, now = Date.now()): { tone: Tone; text: string } {
  if (!c.enabled) return { tone: 'bad', text: 'Disabled' };
  const exp = expiryFact(c, now);
  if (exp.tone === 'bad') return exp;
  if (c.verificationStatus === 'unusable') return verificationFact(c, now);
  if (c.consentStatus !== 'granted') return consentFact(c);
  const missing = missingFor(c);
  if (missing.length) return { tone: 'warn', text: `Missing ${missing.length} permission${missing.length > 1 ? 's' : ''}` };
  if (exp.tone === 'warn') return exp;
  return { tone: 'good', text: 'Ready' };
}

export function Fact({ tone, text }: { tone: Tone; text: string }) {
  return (
    <span className={`fact tone-${tone}`}>
      <span className="dot" aria-hidden="true" />
      {text}
    </span>
  );
}

interface ReportProps {
  connection: ProviderConnection;
  /** Offered beside missing consent / missing permissions (the admin-consent remediation). */
  consentAction?: ReactNode;
  permissionsAction?: ReactNode;
  /** Section ids for deep links from next steps (#consent, #permissions, #credentials). */
  anchors?: boolean;
  /** The time facts are judged at (useNow). */
  now: number;
}

export function VerificationReport({ connection: c, anchors = false, now, consentAction, permissionsAction }: ReportProps) {
  const id = (s: string) => (anchors ? s : undefined);
  const exp = expiryFact(c, now);
  const consent = consentFact(c);
  const verification = verificationFact(c, now);
  return (
    <div className="report" data-testid="verification-report">
      <dl className="facts">
        <div className="facts-row" id={id('consent')}>
          <dt>Consent</dt>
          <dd>
            <Fact {...consent} />
            {c.consentStatus !== 'granted' && anchors ? (
              <div className="remediation">
                <p className="muted small">
                  A Global Administrator of the customer tenant grants admin consent to this app registration. opsgate sends you to Microsoft’s consent page and
                  verifies the connection when you come back.
                </p>
                {consentAction}
              </div>
            ) : null}
          </dd>
        </div>
        <div className="facts-row">
          <dt>Last verification</dt>
          <dd>
            <span title={c.lastVerifiedAt ? formatDateTime(c.lastVerifiedAt) : undefined}>
              <Fact {...verification} />
            </span>
            {c.verificationReason ? (
              <div className="muted small">{c.verificationReason.message}</div>
            ) : c.verificationReasonCode ? (
              <div className="muted small">{humanizeKey(c.verificationReasonCode)}</div>
            ) : null}
          </dd>
        </div>
        <div className="facts-row" id={id('credentials-expiry')}>
          <dt>Credential</dt>
          <dd>
            <Fact {...exp} />
            {exp.tone === 'warn' ? (
              <div className="expiry-warning" role="note">
                Rotate the client secret before it expires, or starts will be blocked.
              </div>
            ) : null}
          </dd>
        </div>
        <div className="facts-row">
          <dt>Connection</dt>
          <dd>
            <Fact tone={c.enabled ? 'good' : 'bad'} text={c.enabled ? 'Enabled' : 'Disabled'} />
            {c.isDefault ? <span className="badge tone-info">default</span> : null}
          </dd>
        </div>
      </dl>
      <h3 className="section-title" id={id('permissions')}>
        Permissions by feature
      </h3>
      {anchors && c.consentStatus === 'granted' && missingFor(c).length && permissionsAction ? <div className="remediation">{permissionsAction}</div> : null}
      <table className="table table-compact permissions-table">
        <thead>
          <tr>
            <th scope="col">Feature</th>
            <th scope="col">Graph application permissions</th>
          </tr>
        </thead>
        <tbody>
          {FEATURES.map((f) => {
            const missing = f.permissions.filter((p) => !grants(c.grantedPermissions, p));
            return (
              <tr key={f.key}>
                <th scope="row">
                  {f.label}
                  <div className="small">
                    {missing.length ? <Fact tone="bad" text={`${missing.length} missing`} /> : <Fact tone="good" text="All present" />}
                  </div>
                </th>
                <td>
                  <ul className="perm-list">
                    {f.permissions.map((p) => {
                      const ok = grants(c.grantedPermissions, p);
                      return (
                        <li key={p} className={ok ? 'perm-ok' : 'perm-missing'}>
                          <span aria-hidden="true">{ok ? '✓' : '✗'}</span> {p}
                          <span className="visually-hidden">{ok ? ' (present)' : ' (missing)'}</span>
                        </li>
                      );
                    })}
                  </ul>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {c.consentStatus !== 'granted' ? (
        <p className="muted small">Permissions are recorded by a successful verification after admin consent is granted.</p>
      ) : null}
    </div>
  );
}

export function ConnectionLink({ c }: { c: { id: string; name: string } }) {
  return <Link to={`/admin/provider-connections/${c.id}`}>{c.name}</Link>;
}
