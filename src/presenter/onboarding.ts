// An onboarding session as the wizard shows it: each bootstrap selection's state (with
// running derived from its run), its run link and its reason in the catalogue's words.
import { appOf } from '../apps/connection-facts.ts';
import type { Db } from '../db/connect.ts';
import type { Cloud, ConsentStatus, OnboardingStatus, Role, RunOutcome, RunStatus, SelectionState, TenantStatus, VerificationStatus } from '../db/schema.ts';
import type { OnboardingSession } from '../onboarding/sessions.ts';
import { isOperationType } from '../operations/definition.ts';
import { REGISTRY } from '../operations/registry.ts';
import { explain } from '../reasons/catalogue.ts';
import { isReasonCode } from '../reasons/codes.ts';
import { runUrl } from './links.ts';
import { presentSteps, type PresentedStep } from './next-steps.ts';
import type { PresentedReason } from './start.ts';
import type { ConnectionKind } from './connection.ts';

export interface SelectionView {
  type: string;
  action: string;
  /** `queued` is shown as `running` once its run has started. */
  state: SelectionState;
  run: { id: string; url: string } | null;
  reason: PresentedReason | null;
  nextSteps: PresentedStep[];
}

export interface OnboardingView {
  id: string;
  status: OnboardingStatus;
  tenant: { id: string; slug: string; name: string; status: TenantStatus; entraTenantId: string };
  providerConnection: {
    id: string;
    name: string;
    clientId: string;
    cloud: Cloud;
    credentialExpiresAt: string | null;
    consentStatus: ConsentStatus;
    grantedPermissions: string[];
    verificationStatus: VerificationStatus;
    /** On a workspace app (its credential, no secret of its own) or on the tenant's own app. */
    kind: ConnectionKind;
    appRegistration: { id: string; name: string } | null;
  } | null;
  verification: { run: { id: string; url: string }; status: RunStatus; outcome: RunOutcome; reason: PresentedReason | null; nextSteps: PresentedStep[] } | null;
  selections: SelectionView[];
  /** Types still waiting their turn. */
  pending: string[];
  /** The chain stopped at a step the operator can restart ("Start next"). */
  canStartNext: boolean;
  createdAt: string;
}

export async function presentOnboarding(db: Db, s: OnboardingSession, viewerRole: Role | null): Promise<OnboardingView> {
  const tenant = await db.selectFrom('tenants').selectAll().where('id', '=', s.tenant_id).executeTakeFirstOrThrow();
  const conn = s.provider_connection_id
    ? await db.selectFrom('provider_connections').selectAll().where('id', '=', s.provider_connection_id).executeTakeFirst()
    : undefined;
  // A connection on a workspace app shows the app's credential expiry.
  const app = conn ? await appOf(db, conn.app_registration_id) : null;
  const rows = await db
    .selectFrom('onboarding_selections as sel')
    .leftJoin('operation_runs as r', 'r.id', 'sel.run_id')
    .select(['sel.type', 'sel.state', 'sel.reason_code', 'sel.run_id', 'r.status as run_status', 'r.reason_params'])
    .where('sel.session_id', '=', s.id)
    .orderBy('sel.position')
    .execute();
  const links = { tenantSlug: tenant.slug, providerConnectionId: s.provider_connection_id };
  const reasonOf = (code: string | null, params: unknown) => {
    if (!code) return { reason: null, nextSteps: [] as PresentedStep[] };
    const ex = explain(isReasonCode(code) ? code : 'execution_error', (params ?? {}) as Record<string, string>, links);
    return { reason: { code, message: ex.message }, nextSteps: presentSteps(ex.nextSteps, viewerRole) };
  };

  const selections: SelectionView[] = rows.map((r) => ({
    type: r.type,
    action: isOperationType(r.type) ? REGISTRY[r.type].action : r.type,
    state: r.state === 'queued' && r.run_status === 'running' ? 'running' : r.state,
    run: r.run_id ? { id: r.run_id, url: runUrl(r.run_id) } : null,
    ...reasonOf(r.reason_code, r.reason_params),
  }));

  let verification: OnboardingView['verification'] = null;
  if (s.verification_run_id) {
    const v = await db.selectFrom('operation_runs').selectAll().where('id', '=', s.verification_run_id).executeTakeFirst();
    if (v) verification = { run: { id: v.id, url: runUrl(v.id) }, status: v.status, outcome: v.outcome, ...reasonOf(v.reason_code, v.reason_params) };
  }
  const active = selections.some((x) => x.state === 'queued' || x.state === 'running');
  const stopped = selections.find((x) => x.state === 'blocked' || x.state === 'failed' || x.state === 'scope_busy');
  return {
    id: s.id,
    status: s.status,
    tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name, status: tenant.status, entraTenantId: tenant.entra_tenant_id },
    providerConnection: conn
      ? {
          id: conn.id,
          name: conn.name,
          clientId: conn.client_id,
          cloud: conn.cloud,
          credentialExpiresAt: ((conn.app_registration_id ? app?.credential_expires_at : conn.credential_expires_at) ?? null)?.toISOString() ?? null,
          consentStatus: conn.consent_status,
          grantedPermissions: [...conn.granted_permissions],
          verificationStatus: conn.verification_status,
          kind: conn.app_registration_id ? 'workspace_app' : 'own_app',
          appRegistration: conn.app_registration_id ? { id: conn.app_registration_id, name: app?.name ?? '' } : null,
        }
      : null,
    verification,
    selections,
    pending: selections.filter((x) => x.state === 'pending').map((x) => x.type),
    canStartNext: s.status === 'draft' && !active && (!!stopped || (selections.length > 0 && selections.some((x) => x.state === 'pending'))),
    createdAt: s.created_at.toISOString(),
  };
}
