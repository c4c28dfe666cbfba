// The fixes behind blocked answers' next steps that need more than a PATCH: adding a
// connection (provider_connection_missing) and asking a tenant admin for consent
// (provider_consent_missing / provider_permission_missing). Each fix is audited.
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import { beginAdminConsent } from '../../remediation/admin-consent.ts';
import { SESSION_COOKIE } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { publicOrigin } from '../public-origin.ts';
import { byConnection, byTenantRef } from '../locate.ts';
import { tenantRoute, type Route } from '../route.ts';
import { newCertificateColumns, secretColumns } from '../../connections/credentials.ts';
import { emptyBody, idParams, newConnectionFields, tenantParams, uuid } from '../schemas.ts';
import { presentOne } from '../../presenter/connection.ts';
import { connectionSchema } from './provider-connections.ts';
import { findAppForConnection, NO_SUCH_APP } from '../../connections/on-app.ts';

const { clientSecret, secretExpiresAt, ...identityFields } = newConnectionFields;

/**
 * Today's secret body, or `"credential": {"type": "certificate"}`: opsgate then generates the key
 * pair and answers the public certificate in `certificate` for the operator to upload. Or
 * `"appRegistrationId"`: a connection on a workspace app, with no credential of its own.
 */
const addConnectionBody = z
  .strictObject({
    ...identityFields,
    clientId: identityFields.clientId.optional(),
    clientSecret: clientSecret.optional(),
    secretExpiresAt: secretExpiresAt.optional(),
    credential: z.strictObject({ type: z.literal('certificate') }).optional(),
    appRegistrationId: uuid().optional(),
    isDefault: z.boolean().optional(),
  })
  .superRefine((b, ctx) => {
    if (b.appRegistrationId !== undefined) {
      // The app brings the client id, the cloud and the credential.
      for (const field of ['clientId', 'clientSecret', 'secretExpiresAt', 'credential', 'cloud'] as const) {
        if (b[field] !== undefined)
          ctx.addIssue({ code: 'custom', path: [field], message: 'cannot be given with appRegistrationId (the workspace app brings it)' });
      }
      return;
    }
    if (b.clientId === undefined)
      ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'is required (or give "appRegistrationId" to use a workspace app)' });
    if (b.credential) {
      for (const field of ['clientSecret', 'secretExpiresAt'] as const) {
        if (b[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'cannot be given with a certificate credential' });
      }
      return;
    }
    for (const field of ['clientSecret', 'secretExpiresAt'] as const) {
      if (b[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'is required (or give "credential": {"type": "certificate"})' });
    }
  });

const addConnection = tenantRoute({
  method: 'POST',
  url: '/api/tenants/:tenant/provider-connections',
  summary:
    'Add a provider connection: an app registration of the customer tenant with {"clientId", "clientSecret", "secretExpiresAt"} (write-only), or {"clientId", "credential": {"type": "certificate"}} to have opsgate generate a key pair and answer the public certificate (PEM and thumbprints) to upload to the app registration (the private key is never returned); or {"appRegistrationId"}: the workspace\'s multi-tenant app in this tenant (no credential of its own; consent is unknown until an admin of the tenant consents). The first connection becomes the default.',
  tag: 'provider connections',
  params: tenantParams,
  body: addConnectionBody,
  locate: byTenantRef,
  capability: 'provider_connection.manage',
  responses: { 201: { description: 'The new connection', schema: connectionSchema }, 409: { description: 'A connection with this name exists' } },
  async handler({ deps, access, user, body }) {
    const tenant = access.tenant;
    // The row's id is chosen first: its sealed credential is bound to it (credentialAad).
    const connectionId = crypto.randomUUID();
    const sealedIn = { table: 'provider_connections' as const, id: connectionId };
    // Key generation takes a moment: done before the transaction, which then only writes.
    const credential = body.appRegistrationId
      ? {}
      : body.credential
        ? await newCertificateColumns(deps.box, { tenantSlug: tenant.slug, connectionName: body.name }, undefined, sealedIn)
        : secretColumns(deps.box, body.clientSecret!, new Date(body.secretExpiresAt!), sealedIn);
    const row = await deps.db.transaction().execute(async (tx) => {
      await sql`select id from tenants where id = ${tenant.id} for update`.execute(tx);
      // The workspace's own app only (locked, so it cannot be deleted under this connection).
      const app = body.appRegistrationId ? await findAppForConnection(tx, tenant.workspace_id, body.appRegistrationId) : null;
      if (body.appRegistrationId && !app) throw new HttpError(400, 'invalid_request', `appRegistrationId: ${NO_SUCH_APP}`);
      const clash = await tx
        .selectFrom('provider_connections')
        .select('id')
        .where('tenant_id', '=', tenant.id)
        .where('name', '=', body.name)
        .executeTakeFirst();
      if (clash) throw new HttpError(409, 'conflict', `name: "${body.name}" is already a connection of this tenant`);
      const hasDefault = await tx
        .selectFrom('provider_connections')
        .select('id')
        .where('tenant_id', '=', tenant.id)
        .where('is_default', '=', true)
        .executeTakeFirst();
      const makeDefault = body.isDefault ?? !hasDefault;
      if (makeDefault && hasDefault) await tx.updateTable('provider_connections').set({ is_default: false }).where('id', '=', hasDefault.id).execute();
      const created = await tx
        .insertInto('provider_connections')
        .values({
          id: connectionId,
          tenant_id: tenant.id,
          name: body.name,
          cloud: app?.cloud ?? body.cloud ?? 'global',
          client_id: app?.client_id ?? body.clientId!.toLowerCase(),
          ...credential,
          app_registration_id: app?.id ?? null,
          is_default: makeDefault,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await tx
        .insertInto('audit_log')
        .values({
          workspace_id: tenant.workspace_id,
          tenant_id: tenant.id,
          actor_user_id: user.id,
          action: 'provider_connection.created',
          details: JSON.stringify({
            providerConnectionId: created.id,
            clientId: created.client_id,
            isDefault: makeDefault,
            ...(app ? { appRegistrationId: app.id } : { credentialKind: created.credential_kind }),
            // Public facts of a certificate only; never the secret or the key.
            ...(created.certificate_thumbprint ? { thumbprintSha256: created.certificate_thumbprint } : {}),
          }),
        })
        .execute();
      return created;
    });
    return { status: 201, body: await presentOne(deps.db, row, tenant.slug) };
  },
});

/** Where to send the browser for admin consent. */
export const adminConsentSchema = z.strictObject({ url: z.string() });

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
  responses: {
    200: { description: 'Where to send the browser', schema: adminConsentSchema },
    409: { description: "The connection's cloud is not reachable from this server" },
  },
  async handler({ deps, req, user, found }) {
    const authorityHost = deps.authorityFor(found.cloud);
    if (!authorityHost) throw new HttpError(409, 'conflict', `cloud: this server has no ${found.cloud} cloud configured`);
    const url = await beginAdminConsent(deps.db, {
      userId: user.id,
      httpSessionId: req.cookies[SESSION_COOKIE] ?? '',
      connectionId: found.id,
      authorityHost,
      redirectUri: `${publicOrigin(deps.publicUrl, req)}/admin/consent/callback`,
    });
    return { status: 200, body: { url } };
  },
});

export const remediationRoutes: Route[] = [addConnection, adminConsent];
