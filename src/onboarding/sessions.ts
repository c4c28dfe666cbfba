// Onboarding sessions: a wizard draft that creates a tenant in `onboarding` state, stores
// its connection (secret sealed, never returned; or on a workspace app, which needs no secret at
// all, only the tenant admin's consent), starts verification through the gate,
// and finishes (tenant becomes active) or is cancelled (tenant archived).
import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { OnboardingSessionsTable } from '../db/schema.ts';
import { start } from '../gate/start.ts';
import type { StartResult } from '../gate/result.ts';
import { credentialAad, type SecretBox } from '../security/secret-box.ts';
import type { Selectable } from 'kysely';
import { findAppForConnection, NO_SUCH_APP } from '../connections/on-app.ts';

export type OnboardingSession = Selectable<OnboardingSessionsTable>;

/** A precondition of the wizard that the caller did not meet; the edge maps it to 4xx. */
export class OnboardingError extends Error {
  readonly code: 'conflict' | 'invalid';
  readonly field: string | null;
  constructor(code: 'conflict' | 'invalid', message: string, field: string | null = null) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

/** The one answer for a slug that is taken, wherever it is taken. */
export const SLUG_NOT_AVAILABLE = 'is not available';

export async function createSession(
  db: Db,
  input: { workspaceId: string; userId: string; name: string; slug: string; entraTenantId: string },
): Promise<OnboardingSession> {
  return db.transaction().execute(async (tx) => {
    // Slugs are unique across all workspaces. A taken one (here or in another workspace, or by a
    // racing onboarding) answers like any other invalid field, the same words either way: the
    // answer never tells that a slug exists in a workspace the caller cannot see.
    const tenant = await tx
      .insertInto('tenants')
      .values({ workspace_id: input.workspaceId, slug: input.slug, name: input.name, entra_tenant_id: input.entraTenantId.toLowerCase(), status: 'onboarding' })
      .onConflict((oc) => oc.column('slug').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!tenant) throw new OnboardingError('invalid', SLUG_NOT_AVAILABLE, 'slug');
    // Whoever onboards a tenant owns it; others are added by membership management later.
    await tx.insertInto('tenant_memberships').values({ tenant_id: tenant.id, user_id: input.userId, role: 'owner' }).execute();
    await tx
      .insertInto('audit_log')
      .values({
        workspace_id: input.workspaceId,
        tenant_id: tenant.id,
        actor_user_id: input.userId,
        action: 'onboarding.create',
        details: JSON.stringify({ slug: input.slug }),
      })
      .execute();
    return tx
      .insertInto('onboarding_sessions')
      .values({ workspace_id: input.workspaceId, tenant_id: tenant.id, created_by: input.userId })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

export type ConnectionInput =
  | { name: string; clientId: string; clientSecret: string; secretExpiresAt: Date; cloud: 'global' | 'sandbox' }
  /** On a workspace app of the session's workspace: no credential of its own. */
  | { name: string; appRegistrationId: string };

export async function setConnection(db: Db, box: SecretBox, session: OnboardingSession, actorId: string, input: ConnectionInput): Promise<void> {
  requireDraft(session);
  // The connection's id is known before its secret is sealed: the secret is bound to it.
  const connectionId = session.provider_connection_id ?? crypto.randomUUID();
  await db.transaction().execute(async (tx) => {
    let credential;
    if ('appRegistrationId' in input) {
      const app = await findAppForConnection(tx, session.workspace_id, input.appRegistrationId);
      if (!app) throw new OnboardingError('invalid', NO_SUCH_APP, 'appRegistrationId');
      credential = {
        cloud: app.cloud,
        client_id: app.client_id,
        app_registration_id: app.id,
        // The app's credential applies; a replaced own credential is forgotten.
        credential_kind: 'secret' as const,
        secret_ciphertext: null,
        certificate_thumbprint: null,
        certificate_pem: null,
        private_key_ciphertext: null,
        credential_expires_at: null,
      };
    } else {
      credential = {
        cloud: input.cloud,
        client_id: input.clientId.toLowerCase(),
        app_registration_id: null,
        secret_ciphertext: box.seal(input.clientSecret, credentialAad({ table: 'provider_connections', id: connectionId }, 'secret_ciphertext')),
        credential_expires_at: input.secretExpiresAt,
      };
    }
    const values = {
      name: input.name,
      ...credential,
      // New credentials: nothing is known about consent until verification says so.
      consent_status: 'unknown' as const,
      granted_permissions: [],
      verification_status: 'never' as const,
      verification_reason_code: null,
      last_verified_at: null,
      updated_at: sql<Date>`now()`,
    };
    if (session.provider_connection_id) {
      await tx.updateTable('provider_connections').set(values).where('id', '=', connectionId).execute();
    } else {
      await tx
        .insertInto('provider_connections')
        .values({ ...values, id: connectionId, tenant_id: session.tenant_id, is_default: true })
        .execute();
      await tx
        .updateTable('onboarding_sessions')
        .set({ provider_connection_id: connectionId, updated_at: sql<Date>`now()` })
        .where('id', '=', session.id)
        .execute();
    }
    await tx
      .insertInto('audit_log')
      .values({
        workspace_id: session.workspace_id,
        tenant_id: session.tenant_id,
        actor_user_id: actorId,
        action: 'provider_connection.credentials_set',
        details: JSON.stringify({
          providerConnectionId: connectionId,
          clientId: values.client_id,
          source: 'onboarding',
          ...(values.app_registration_id ? { appRegistrationId: values.app_registration_id } : {}),
        }),
      })
      .execute();
  });
}

/** Verification through the gate, like every other start. */
export async function startVerification(db: Db, session: OnboardingSession, actorId: string): Promise<StartResult> {
  requireDraft(session);
  const result = await start(db, {
    type: 'onboarding.verification',
    tenantId: session.tenant_id,
    trigger: 'operator',
    initiatorUserId: actorId,
    onboardingSessionId: session.id,
  });
  if (result.outcome !== 'scope_busy') {
    await db
      .updateTable('onboarding_sessions')
      .set({ verification_run_id: result.run.id, updated_at: sql<Date>`now()` })
      .where('id', '=', session.id)
      .execute();
  }
  return result;
}

export async function finishSession(db: Db, session: OnboardingSession, actorId: string): Promise<void> {
  requireDraft(session);
  await closeSession(db, session, actorId, 'completed');
}

export async function cancelSession(db: Db, session: OnboardingSession, actorId: string): Promise<void> {
  requireDraft(session);
  await closeSession(db, session, actorId, 'cancelled');
}

async function closeSession(db: Db, session: OnboardingSession, actorId: string, status: 'completed' | 'cancelled'): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('onboarding_sessions')
      .set({ status, updated_at: sql<Date>`now()` })
      .where('id', '=', session.id)
      .where('status', '=', 'draft')
      .execute();
    await tx
      .updateTable('tenants')
      .set({ status: status === 'completed' ? 'active' : 'archived', updated_at: sql<Date>`now()` })
      .where('id', '=', session.tenant_id)
      .where('status', '=', 'onboarding')
      .execute();
    await tx
      .updateTable('onboarding_selections')
      .set({ state: 'cancelled', updated_at: sql<Date>`now()` })
      .where('session_id', '=', session.id)
      .where('state', 'in', ['pending', 'blocked', 'scope_busy'])
      .execute();
    await tx
      .insertInto('audit_log')
      .values({ workspace_id: session.workspace_id, tenant_id: session.tenant_id, actor_user_id: actorId, action: `onboarding.${status}` })
      .execute();
  });
}

export function requireDraft(session: OnboardingSession): void {
  if (session.status !== 'draft') throw new OnboardingError('conflict', `the onboarding session is ${session.status}`);
}

export async function loadSession(db: Db, id: string): Promise<OnboardingSession | null> {
  return (await db.selectFrom('onboarding_sessions').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}
