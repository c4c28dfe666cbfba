// The "Grant admin consent" next step, end to end: build Microsoft's admin-consent URL for
// the connection's tenant and client id, with a `state` bound to the signed-in session and
// the connection; then judge the callback Microsoft sends back. Facts only: the HTTP edge
// decides where to send the browser and starts the verification through the gate.
//
// Microsoft's documented shape (identity platform, "admin consent" endpoint):
//   GET https://login.microsoftonline.com/{tenant}/adminconsent?client_id=…&redirect_uri=…&state=…
//   success:  {redirect_uri}?admin_consent=True&tenant={tenant-id}&state=…
//   failure:  {redirect_uri}?error=access_denied&error_description=…&state=…
// A connection on a workspace app (one multi-tenant app registered in the MSP's tenant) uses the
// v2.0 endpoint for the customer tenant, which consents to every application permission the
// app's registration requests (`scope=https://graph.microsoft.com/.default`):
//   GET https://login.microsoftonline.com/{customer tenant}/v2.0/adminconsent?client_id=…&scope=…&redirect_uri=…&state=…
// Its answer has the same shape; consenting creates the app's service principal in that tenant.
import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';

export const CONSENT_STATE_TTL_SECONDS = 15 * 60;
const hash = (s: string) => crypto.createHash('sha256').update(s).digest('base64url');

/** The application permissions a multi-tenant app's registration requests, all at once. */
export const WORKSPACE_APP_CONSENT_SCOPE = 'https://graph.microsoft.com/.default';

export function adminConsentUrl(p: {
  authorityHost: string;
  entraTenantId: string;
  clientId: string;
  redirectUri: string;
  state: string;
  multiTenant?: boolean;
}): string {
  const path = p.multiTenant ? 'v2.0/adminconsent' : 'adminconsent';
  const u = new URL(`${p.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(p.entraTenantId)}/${path}`);
  u.searchParams.set('client_id', p.clientId);
  if (p.multiTenant) u.searchParams.set('scope', WORKSPACE_APP_CONSENT_SCOPE);
  u.searchParams.set('redirect_uri', p.redirectUri);
  u.searchParams.set('state', p.state);
  return u.toString();
}

/** Records a single-use state for this session and connection and returns the consent URL. */
export async function beginAdminConsent(
  db: Db,
  p: { userId: string; httpSessionId: string; connectionId: string; authorityHost: string; redirectUri: string },
): Promise<string> {
  const conn = await db
    .selectFrom('provider_connections as c')
    .innerJoin('tenants as t', 't.id', 'c.tenant_id')
    .select(['c.client_id', 'c.app_registration_id', 't.entra_tenant_id', 't.workspace_id', 't.id as tenant_id'])
    .where('c.id', '=', p.connectionId)
    .executeTakeFirstOrThrow();
  const state = crypto.randomBytes(24).toString('base64url');
  await db
    .insertInto('consent_requests')
    .values({
      state_hash: hash(state),
      user_id: p.userId,
      http_session_id: hash(p.httpSessionId),
      provider_connection_id: p.connectionId,
      expires_at: sql<Date>`now() + make_interval(secs => ${CONSENT_STATE_TTL_SECONDS})`,
    })
    .execute();
  await db
    .insertInto('audit_log')
    .values({
      workspace_id: conn.workspace_id,
      tenant_id: conn.tenant_id,
      actor_user_id: p.userId,
      action: 'provider_connection.consent_requested',
      details: JSON.stringify({ providerConnectionId: p.connectionId }),
    })
    .execute();
  // The customer tenant's consent to the app: the connection's client id is its app's.
  return adminConsentUrl({
    authorityHost: p.authorityHost,
    entraTenantId: conn.entra_tenant_id,
    clientId: conn.client_id,
    redirectUri: p.redirectUri,
    state,
    multiTenant: conn.app_registration_id !== null,
  });
}

export type ConsentCallback =
  | { kind: 'granted'; connectionId: string; tenantId: string }
  | { kind: 'denied'; connectionId: string; tenantId: string; error: string; description: string }
  | {
      kind: 'rejected';
      why: 'missing_state' | 'unknown_state' | 'expired_state' | 'used_state' | 'other_session' | 'wrong_tenant' | 'malformed';
      connectionId: string | null;
    };

/**
 * Judges a callback. The state must exist, be unexpired and unused, and belong to this
 * browser session; a success must name the connection's own tenant. A state is consumed by
 * any judged callback, so a replay is rejected.
 */
export async function completeAdminConsent(db: Db, query: Record<string, unknown>, who: { userId: string; httpSessionId: string }): Promise<ConsentCallback> {
  const str = (k: string) => (typeof query[k] === 'string' ? (query[k] as string) : undefined);
  const state = str('state');
  if (!state) return { kind: 'rejected', why: 'missing_state', connectionId: null };
  return db.transaction().execute(async (tx) => {
    const req = await tx.selectFrom('consent_requests').selectAll().where('state_hash', '=', hash(state)).forUpdate().executeTakeFirst();
    if (!req) return { kind: 'rejected', why: 'unknown_state', connectionId: null } as const;
    const connectionId = req.provider_connection_id;
    if (req.user_id !== who.userId || req.http_session_id !== hash(who.httpSessionId)) {
      // Someone else's state (a link planted in another browser): refuse and leave it unused.
      return { kind: 'rejected', why: 'other_session', connectionId: null } as const;
    }
    if (req.used_at) return { kind: 'rejected', why: 'used_state', connectionId } as const;
    await tx
      .updateTable('consent_requests')
      .set({ used_at: sql<Date>`now()` })
      .where('state_hash', '=', req.state_hash)
      .execute();
    if (req.expires_at.getTime() < Date.now()) return { kind: 'rejected', why: 'expired_state', connectionId } as const;
    const conn = await tx
      .selectFrom('provider_connections as c')
      .innerJoin('tenants as t', 't.id', 'c.tenant_id')
      .select(['t.id as tenant_id', 't.workspace_id', 't.entra_tenant_id'])
      .where('c.id', '=', connectionId)
      .executeTakeFirstOrThrow();
    const audit = (action: string, details: Record<string, unknown>) =>
      tx
        .insertInto('audit_log')
        .values({
          workspace_id: conn.workspace_id,
          tenant_id: conn.tenant_id,
          actor_user_id: who.userId,
          action,
          details: JSON.stringify({ providerConnectionId: connectionId, ...details }),
        })
        .execute();

    const error = str('error');
    if (error) {
      const description = (str('error_description') ?? '').slice(0, 500);
      await audit('provider_connection.consent_denied', { error });
      return { kind: 'denied', connectionId, tenantId: conn.tenant_id, error, description } as const;
    }
    if (str('admin_consent')?.toLowerCase() !== 'true') return { kind: 'rejected', why: 'malformed', connectionId } as const;
    if ((str('tenant') ?? '').toLowerCase() !== conn.entra_tenant_id.toLowerCase()) {
      // Consent was given in another directory than the connection's: it grants nothing here.
      await audit('provider_connection.consent_wrong_tenant', { tenant: str('tenant') ?? null });
      return { kind: 'rejected', why: 'wrong_tenant', connectionId } as const;
    }
    await audit('provider_connection.consent_granted', {});
    return { kind: 'granted', connectionId, tenantId: conn.tenant_id } as const;
  });
}
