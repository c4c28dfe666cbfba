// What needs attention, derived from stored facts (facts.ts) with the gate's own readiness
// check: a connection that would block a covered start is reported with the very reason the
// gate would answer, so the list and the start toast never disagree. Added on top are the
// facts that do not block yet (a credential about to expire, a failed verification, a failed
// scheduled run).
import type { ReasonParams } from '../db/schema.ts';
import { readiness, type GateTenant } from '../gate/readiness.ts';
import type { OperationDefinition } from '../operations/definition.ts';
import { DEFINITIONS, REGISTRY } from '../operations/registry.ts';
import { operationNoun } from '../presenter/labels.ts';
import { stepsAfterRun } from '../presenter/next-steps.ts';
import { explain, type NextStep, type ReasonLinks } from '../reasons/catalogue.ts';
import { isReasonCode, type ReasonCode } from '../reasons/codes.ts';
import { foldAppCredentialItems } from './app-items.ts';
import type { ConnectionFacts, TenantFacts } from './facts.ts';

export type Severity = 'critical' | 'warning';

export interface AttentionItem {
  /** Stable while the condition lasts: what attention.raised compares between scans. */
  key: string;
  /** null for an item about a workspace app, which concerns every tenant on it (app-items.ts). */
  tenant: { id: string; slug: string; name: string } | null;
  providerConnection: { id: string; name: string } | null;
  /** The workspace app an item is about, with the number of tenants on it the reader sees. */
  appRegistration: { id: string; name: string; tenantCount: number } | null;
  code: ReasonCode;
  severity: Severity;
  message: string;
  nextSteps: NextStep[];
  since: Date;
}

/**
 * Critical: every covered start on the tenant (or connection) is blocked now. Warning: some
 * are (a missing permission), or the problem is coming (expiry) or was seen in the past.
 * A suspended tenant is a warning: suspending is an owner's deliberate act.
 */
const SEVERITY: Partial<Record<ReasonCode, Severity>> = {
  provider_connection_missing: 'critical',
  provider_connection_disabled: 'critical',
  provider_credentials_missing: 'critical',
  provider_credentials_expired: 'critical',
  provider_connection_unusable: 'critical',
  provider_consent_missing: 'critical',
};
const severityOf = (code: ReasonCode): Severity => SEVERITY[code] ?? 'warning';

/**
 * "Every covered operation" as one definition for the gate's readiness: the union of what the
 * non-verification operations need, so a missing permission names all that are missing.
 */
export const COVERED_PERMISSIONS: readonly string[] = [
  ...new Set(DEFINITIONS.filter((d) => !d.refreshesReadiness).flatMap((d) => d.requiredPermissions)),
].sort();
const COVERED: OperationDefinition = {
  ...REGISTRY['inventory.sync'],
  requiredPermissions: COVERED_PERMISSIONS,
  refreshesReadiness: false,
  allowedDuringOnboarding: false,
};

const DAY_MS = 86_400_000;

export interface DeriveOptions {
  now: Date;
  expiryWarningDays: number;
}

export function attentionItems(tenants: readonly TenantFacts[], opts: DeriveOptions): AttentionItem[] {
  return foldAppCredentialItems(
    tenants.flatMap((t) => tenantItems(t, opts)),
    tenants,
    opts.now,
  );
}

function tenantItems(t: TenantFacts, opts: DeriveOptions): AttentionItem[] {
  const tenant = { id: t.id, slug: t.slug, name: t.name };
  const gateTenant: GateTenant = { id: t.id, workspace_id: t.workspace_id, status: t.status };
  const item = (code: ReasonCode, params: ReasonParams, conn: ConnectionFacts | null, since: Date, extra: Partial<AttentionItem> = {}): AttentionItem => {
    const ex = explain(code, params, links(t, conn));
    return {
      key: `${t.id}:${conn?.id ?? '-'}:${code}`,
      tenant,
      providerConnection: conn ? { id: conn.id, name: conn.name } : null,
      appRegistration: null,
      code,
      severity: severityOf(code),
      message: ex.message,
      nextSteps: ex.nextSteps,
      since,
      ...extra,
    };
  };

  // One dominant item for a tenant nothing can start on (the gate checks the tenant first too).
  const tenantCheck = readiness(COVERED, gateTenant, null, { fromOnboarding: false, now: opts.now });
  if (!tenantCheck.ready && tenantCheck.reason.code === 'tenant_not_operable') {
    return [item('tenant_not_operable', tenantCheck.reason.params, null, t.updated_at)];
  }

  const out: AttentionItem[] = [];
  if (!t.connections.some((c) => c.is_default)) out.push(item('provider_connection_missing', {}, null, t.created_at));
  for (const c of t.connections) {
    // A disabled connection that is not the default is parked on purpose: starts never use it.
    if (!c.enabled && !c.is_default) continue;
    const check = readiness(COVERED, gateTenant, c, { fromOnboarding: false, now: opts.now });
    if (!check.ready) out.push(item(check.reason.code, check.reason.params, c, sinceOf(check.reason.code, c)));
    const blockedCode = check.ready ? null : check.reason.code;

    const expires = c.credential_expires_at;
    const left = expires ? expires.getTime() - opts.now.getTime() : null;
    if (expires && left !== null && left > 0 && left <= opts.expiryWarningDays * DAY_MS && blockedCode !== 'provider_credentials_missing') {
      const entered = new Date(expires.getTime() - opts.expiryWarningDays * DAY_MS);
      const params = {
        expiresAt: expires.toISOString(),
        days: Math.floor(left / DAY_MS),
        ...(c.credential_kind === 'certificate' ? { credential: 'certificate' } : {}),
      };
      out.push(item('provider_credentials_expiring', params, c, maxDate(entered, c.created_at)));
    }

    // A failed verification is news only when its cause is not already the item above.
    const cause = c.verification_reason_code;
    if (c.verification_status === 'failed' && cause !== blockedCode) out.push(verificationFailed(t, c, cause, item));
  }
  for (const run of t.failedScheduledRuns) out.push(scheduledRunFailed(t, run, item));
  return out;
}

type ItemFn = (code: ReasonCode, params: ReasonParams, conn: ConnectionFacts | null, since: Date, extra?: Partial<AttentionItem>) => AttentionItem;

/** The verification's own cause explains it; its fix comes first, then the re-check. */
function verificationFailed(t: TenantFacts, c: ConnectionFacts, cause: string | null, item: ItemFn): AttentionItem {
  const base = item('provider_verification_failed', cause ? { lastReason: cause } : {}, c, c.last_verified_at ?? c.updated_at);
  if (!cause || !isReasonCode(cause)) return base;
  const why = explain(cause, {}, links(t, c));
  return {
    ...base,
    message: `${base.message} ${why.message}`,
    nextSteps: [...why.nextSteps.filter((s) => !s.starts), ...base.nextSteps],
  };
}

function scheduledRunFailed(t: TenantFacts, run: TenantFacts['failedScheduledRuns'][number], item: ItemFn): AttentionItem {
  const conn = run.provider_connection_id ? (t.connections.find((c) => c.id === run.provider_connection_id) ?? null) : null;
  const params = { operation: operationNoun(run.type), runId: run.id, ...(run.reason_code ? { lastReason: run.reason_code } : {}) };
  const base = item('scheduled_run_failed', params, conn, run.completed_at, {
    key: `${t.id}:-:scheduled_run_failed:${run.type}`,
    // The run's own connection, also when that row is gone (the name recorded on the run).
    providerConnection: run.provider_connection_id ? { id: run.provider_connection_id, name: conn?.name ?? run.connection_name ?? '' } : null,
  });
  if (!run.reason_code || !isReasonCode(run.reason_code)) return base;
  const why = explain(run.reason_code, run.reason_params, { tenantSlug: t.slug, providerConnectionId: run.provider_connection_id });
  // The same steps the run's own page shows (no re-run of a failed check), then the run.
  return { ...base, message: `${base.message} ${why.message}`, nextSteps: [...stepsAfterRun(why.nextSteps, run.type), ...base.nextSteps] };
}

function links(t: TenantFacts, c: ConnectionFacts | null): ReasonLinks {
  return { tenantSlug: t.slug, providerConnectionId: c?.id ?? null };
}

/** When the condition began, as far as the stored facts tell. */
function sinceOf(code: ReasonCode, c: ConnectionFacts): Date {
  switch (code) {
    case 'provider_credentials_expired':
      return c.credential_expires_at ?? c.updated_at;
    case 'provider_connection_disabled':
    case 'provider_credentials_missing':
      return c.updated_at;
    default:
      return c.last_verified_at ?? c.created_at;
  }
}

const maxDate = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);
