// The one catalogue: reason code -> message and next steps. The start answer, the run
// detail, the notification and every screen read it, so one problem reads the same
// everywhere. Next steps carry the capability they need, so a user who lacks it can be
// told who can act instead of being sent to a 403.
import type { Capability } from '../access/capabilities.ts';
import type { ReasonParams } from '../db/schema.ts';
import type { OperationType } from '../operations/definition.ts';
import type { ReasonCode } from './codes.ts';

export interface NextStep {
  label: string;
  url: string;
  /** The capability needed to act on this step; absent when anyone who sees it can. */
  capability?: Capability;
  /**
   * The step is starting this operation again (a re-check after the fix). A failed run of the
   * same kind does not offer it: its next step is the fix of its cause, never itself.
   */
  starts?: OperationType;
}

/** Where the links of a reason can point. */
export interface ReasonLinks {
  tenantSlug: string;
  providerConnectionId: string | null;
  /** For scope busy: the run holding the scope, when the user may see it. */
  holdingRunId?: string | null;
}

interface Entry {
  message: (p: ReasonParams) => string;
  nextSteps: (l: ReasonLinks, p: ReasonParams) => NextStep[];
}

const duration = (s: number) => (s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const connectionUrl = (l: ReasonLinks, anchor = '') =>
  l.providerConnectionId ? `/admin/provider-connections/${l.providerConnectionId}${anchor}` : connectionsUrl(l);
const connectionsUrl = (l: ReasonLinks) => `/admin/provider-connections?tenant=${encodeURIComponent(l.tenantSlug)}`;
const tenantUrl = (l: ReasonLinks) => `/admin/t/${encodeURIComponent(l.tenantSlug)}`;
const verify = (l: ReasonLinks): NextStep => ({ label: 'Verify tenant', url: tenantUrl(l), capability: 'tenant.verify', starts: 'tenant.verification' });
/**
 * Certificate connections read "certificate" where secrets read "client secret": readiness
 * marks them (`credential: 'certificate'`), and Microsoft's refusals of a client assertion are
 * AADSTS700027 / 700024.
 */
const isCertificate = (p: ReasonParams = {}) => p.credential === 'certificate' || ['AADSTS700027', 'AADSTS700024'].includes(String(p.aadsts ?? ''));
const credentialNoun = (p?: ReasonParams) => (isCertificate(p) ? 'certificate' : 'client secret');
const rotate = (l: ReasonLinks, p?: ReasonParams): NextStep => ({
  label: `Rotate the ${credentialNoun(p)}`,
  url: connectionUrl(l, '#credentials'),
  capability: 'provider_connection.manage',
});
const operationsUrl = (l: ReasonLinks) => `/admin/operations?tenant=${encodeURIComponent(l.tenantSlug)}`;

/** Needs attention names the credential by its kind (`credential: 'certificate'` from src/attention/items.ts). */
const attentionNoun = (p: ReasonParams) => (p.credential === 'certificate' ? 'certificate' : 'client secret');

export const CATALOGUE: Record<ReasonCode, Entry> = {
  tenant_not_operable: {
    message: (p) => `This tenant is ${String(p.status ?? 'not active')}, so no provider operation can start for it.`,
    nextSteps: (l) => [{ label: 'Change tenant status', url: `${tenantUrl(l)}#status`, capability: 'tenant.manage' }],
  },
  provider_connection_missing: {
    message: () => 'This tenant has no default provider connection, and none was chosen.',
    nextSteps: (l) => [{ label: 'Add or choose a default connection', url: connectionsUrl(l), capability: 'provider_connection.manage' }],
  },
  provider_connection_disabled: {
    message: () => 'The provider connection is disabled.',
    nextSteps: (l) => [{ label: 'Enable the connection', url: connectionUrl(l), capability: 'provider_connection.manage' }],
  },
  provider_credentials_missing: {
    message: () => 'The provider connection has no client secret or certificate.',
    nextSteps: (l) => [{ ...rotate(l), label: 'Add a client secret' }],
  },
  provider_credentials_expired: {
    message: (p) => (p.expiredAt ? `The ${credentialNoun(p)} expired on ${String(p.expiredAt).slice(0, 10)}.` : `The ${credentialNoun(p)} has expired.`),
    nextSteps: (l, p) => [rotate(l, p), verify(l)],
  },
  provider_connection_unusable: {
    message: (p) =>
      `The last verification could not use this app registration${p.aadsts ? ` (AADSTS${String(p.aadsts).replace(/^AADSTS/, '')})` : ''}: it was not found or has no service principal in the tenant.`,
    nextSteps: (l) => [
      { label: 'Review the app registration', url: connectionUrl(l), capability: 'provider_connection.manage' },
      { label: 'Check connection', url: connectionUrl(l), capability: 'provider_connection.run_checks', starts: 'provider_connection.check' },
    ],
  },
  provider_consent_missing: {
    message: () => 'Admin consent has not been granted for this connection.',
    nextSteps: (l) => [{ label: 'Grant admin consent', url: connectionUrl(l, '#consent'), capability: 'provider_connection.manage' }, verify(l)],
  },
  provider_permission_missing: {
    message: (p) => {
      const missing = list(p.missing);
      return missing.length
        ? `The connection lacks the Graph permission${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`
        : 'The connection lacks a Graph permission this operation needs.';
    },
    nextSteps: (l) => [{ label: 'Grant the missing permissions', url: connectionUrl(l, '#permissions'), capability: 'provider_connection.manage' }, verify(l)],
  },
  scope_busy: {
    message: (p) =>
      (p.holdingType
        ? `Another operation (${String(p.holdingType)}) is using this provider connection.`
        : 'Another operation is using this provider connection.') +
      (typeof p.expectedWaitSeconds === 'number' ? ` It should finish in about ${duration(p.expectedWaitSeconds)}.` : ''),
    nextSteps: (l) => [
      l.holdingRunId
        ? { label: 'View the running operation', url: `/admin/operations/${l.holdingRunId}` }
        : { label: 'View operations', url: operationsUrl(l) },
    ],
  },
  provider_credentials_invalid: {
    message: (p) =>
      isCertificate(p)
        ? 'Microsoft rejected the certificate: it is not uploaded to this app registration, or the assertion signed with it is not valid.'
        : 'Microsoft rejected the client secret: it is not valid for this app registration.',
    nextSteps: (l, p) => [rotate(l, p), verify(l)],
  },
  provider_tenant_not_found: {
    message: () => 'Microsoft does not know this tenant ID.',
    nextSteps: (l) => [{ label: 'Review tenant details', url: tenantUrl(l) }],
  },
  provider_throttled: {
    message: () => 'Microsoft Graph kept throttling requests, so the operation gave up.',
    nextSteps: (l) => [{ label: 'Try again in a few minutes', url: tenantUrl(l) }],
  },
  provider_unavailable: {
    message: () => 'Microsoft Graph was unavailable or did not answer in time.',
    nextSteps: (l) => [{ label: 'Try again in a few minutes', url: tenantUrl(l) }],
  },
  provider_request_rejected: {
    message: (p) => `Microsoft Graph refused a request${p.graphCode ? ` (${String(p.graphCode)})` : ''}; retrying will not help until its cause is fixed.`,
    nextSteps: (l) => [{ label: 'View recent operations', url: operationsUrl(l) }],
  },
  execution_interrupted: {
    message: () => 'The worker running this operation stopped before it finished.',
    nextSteps: (l) => [{ label: 'Start it again', url: tenantUrl(l) }],
  },
  run_cancelled: {
    message: (p) => (p.by ? `${String(p.by)} cancelled this run before it finished.` : 'This run was cancelled before it finished.'),
    nextSteps: (l) => [{ label: 'Start it again', url: tenantUrl(l) }],
  },
  execution_error: {
    message: () => 'The operation failed unexpectedly.',
    nextSteps: (l) => [{ label: 'View recent operations', url: operationsUrl(l) }],
  },
  // Needs attention only: not blocking yet, or a summary of a failure (src/attention/).
  provider_credentials_expiring: {
    message: (p) => {
      const days = typeof p.days === 'number' ? p.days : null;
      const on = p.expiresAt ? ` on ${String(p.expiresAt).slice(0, 10)}` : '';
      const when = days === null ? '' : days <= 0 ? ' today' : days === 1 ? ' in 1 day' : ` in ${days} days`;
      return `The ${attentionNoun(p)} expires${when}${on}; starts will be blocked from then on.`;
    },
    nextSteps: (l, p) => [{ ...rotate(l), label: `Rotate the ${attentionNoun(p)}` }],
  },
  provider_verification_failed: {
    message: () => 'The last verification of this connection failed.',
    nextSteps: (l) => [{ label: 'Check connection', url: connectionUrl(l), capability: 'provider_connection.run_checks', starts: 'provider_connection.check' }],
  },
  scheduled_run_failed: {
    message: (p) => `The last scheduled ${p.operation ? String(p.operation).toLowerCase() : 'run'} failed.`,
    nextSteps: (l, p) => [
      typeof p.runId === 'string' ? { label: 'View the run', url: `/admin/operations/${p.runId}` } : { label: 'View operations', url: operationsUrl(l) },
    ],
  },
};

export interface Explanation {
  code: ReasonCode;
  message: string;
  nextSteps: NextStep[];
}

export function explain(code: ReasonCode, params: ReasonParams, links: ReasonLinks): Explanation {
  const entry = CATALOGUE[code];
  return { code, message: entry.message(params), nextSteps: entry.nextSteps(links, params) };
}
