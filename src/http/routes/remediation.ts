// The fixes behind blocked answers' next steps that need more than a PATCH: adding a
// connection (provider_connection_missing) and asking a tenant admin for consent
// (provider_consent_missing / provider_permission_missing). Each fix is audited.
import { sql } from 'kysely';
import { z } from 'zod';
import { beginAdminConsent } from '../../remediation/admin-consent.ts';
import { SESSION_COOKIE } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { byConnection, byTenantRef } from '../locate.ts';
import { tenantRoute, type Route } from '../route.ts';
import { emptyBody, idParams, newConnectionFields, tenantParams } from '../schemas.ts';
import { connectionSchema, presentConnection } from './provider-connections.ts';

const addConnection = tenantRoute({
  method: 'POST',
  url: '/api/tenants/:tenant/provider-connections',
  summary: 'Add a provider connection (an app registration of the customer tenant). The secret is write-only; the first connection becomes the default.',
  tag: 'provider connections',
  params: tenantParams,
  body: z.strictObject({
    ...newConnectionFields,
    isDefault: z.boolean().optional(),
  }),
  locate: byTenantRef,
  capability: 'provider_connection.manage',
  responses: { 201: { description: 'The new connection', schema: connectionSchema }, 409: { description: 'A connection with this name exists' } },
  async handler({ deps, access, user, body }) {
    const tenant = access.tenant;
    const row = await deps.db.transaction().execute(async (tx) => {
      await sql`select id from tenants where id = ${tenant.id} for update`.execute(tx);
      const clash = await tx.selectFrom('provider_connections').select('id').where('tenant_id', '=', tenant.id).where('name', '=', body.name).executeTakeFirst();
      if (clash) throw new HttpError(409, 'conflict', `name: "${body.name}" is already a connection of this tenant`);
      const hasDefault = await tx.selectFrom('provider_connections').select('id').where('tenant_id', '=', tenant.id).where('is_default', '=', true).executeTakeFirst();
      const makeDefault = body.isDefault ?? !hasDefault;
      if (makeDefault && hasDefault) await tx.updateTable('provider_connections').set({ is_default: false }).where('id', '=', hasDefault.id).execute();
      const created = await tx
        .insertInto('provider_connections')
        .values({
          tenant_id: tenant.id,
          name: body.name,
          cloud: body.cloud ?? 'global',
          client_id: body.clientId.toLowerCase(),
          secret_ciphertext: deps.box.seal(body.clientSecret),
          credential_expires_at: new Date(body.secretExpiresAt),
          is_default: makeDefault,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await tx
        .insertInto('audit_log')
        .values({
          workspace_id: tenant.workspace_id, tenant_id: tenant.id, actor_user_id: user.id, action: 'provider_connection.created',
          details: JSON.stringify({ providerConnectionId: created.id, clientId: created.client_id, isDefault: makeDefault }),
        })
        .execute();
      return created;
    });
    return { status: 201, body: presentConnection(row, tenant.slug) };
  },
});

const adminConsent = tenantRoute({
  method: 'POST',
  url: '/api/provider-connections/:id/admin-consent',
  summary:
    "Begin admin consent: answers Microsoft's admin-consent URL for the connection's tenant and client id, with a single-use state bound to this session and connection. The callback (/admin/consent/callback) then starts a verification through the gate.",
  tag: 'provider connections',
  params: idParams,
  body: emptyBody,
  locate: byConnection,
  capability: 'provider_connection.manage',
  responses: { 200: { description: 'Where to send the browser', schema: z.strictObject({ url: z.string() }) }, 409: { description: "The connection's cloud is not reachable from this server" } },
  async handler({ deps, req, user, found }) {
    const authorityHost = deps.authorityFor(found.cloud);
    if (!authorityHost) throw new HttpError(409, 'conflict', `cloud: this server has no ${found.cloud} cloud configured`);
    const url = await beginAdminConsent(deps.db, {
      userId: user.id,
      httpSessionId: req.cookies[SESSION_COOKIE] ?? '',
      connectionId: found.id,
      authorityHost,
      redirectUri: `${req.protocol}://${req.host}/admin/consent/callback`,
    });
    return { status: 200, body: { url } };
  },
});

export const remediationRoutes: Route[] = [addConnection, adminConsent];
