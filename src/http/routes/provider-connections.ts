// Provider connections: readiness facts for the console, and the manager's changes (default,
// enabled, secret rotation, a new generated certificate). A connection is either on its own app
// registration (in the customer tenant, with its own credential) or on a workspace app (one
// multi-tenant app, whose credential facts it shows and which is rotated on the app). The secret
// and the certificate's private key are write-only: sealed on the way in, never read back into
// any answer; views are built field by field, never by spreading the row. The public certificate
// is shown, always.
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../db/connect.ts';
import { newCertificateColumns, secretColumns } from '../../connections/credentials.ts';
import { CONNECTION_KINDS, presentConnections, presentOne, type ConnectionView } from '../../presenter/connection.ts';
import { canSeeTenant, tenantIdByRef } from '../authorize.ts';
import { invalid, notFound } from '../errors.ts';
import { byConnection, byTenantRef } from '../locate.ts';
import { tenantRoute, userRoute, type Route } from '../route.ts';
import { idParams, isoDate, items, tenantParams, tenantRef, type Same } from '../schemas.ts';

export const connectionSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  tenant: z.strictObject({ id: z.string(), slug: z.string() }),
  cloud: z.enum(['global', 'sandbox']),
  clientId: z.string(),
  /** On its own app registration in the customer tenant, or on a workspace app (multi-tenant). */
  kind: z.enum(CONNECTION_KINDS),
  appRegistration: z.strictObject({ id: z.string(), name: z.string() }).nullable(),
  isDefault: z.boolean(),
  enabled: z.boolean(),
  /** On a workspace app: the app's (kind, presence, expiry); rotated on the app, once for all. */
  credentialKind: z.enum(['secret', 'certificate']),
  /** Whether a secret or certificate is stored; the secret itself is never returned. */
  hasCredential: z.boolean(),
  credentialExpiresAt: isoDate.nullable(),
  /** A certificate connection's public certificate, to upload to the app registration; never its key. */
  certificate: z
    .strictObject({
      pem: z.string(),
      /** Base64url SHA-256 of the DER certificate: Entra's `x5t#S256`. */
      thumbprintSha256: z.string(),
      /** Upper-case hex SHA-1: the "Thumbprint" the Entra portal lists. */
      thumbprintSha1: z.string(),
      notBefore: isoDate,
      notAfter: isoDate,
      subject: z.string(),
    })
    .nullable(),
  consentStatus: z.enum(['granted', 'missing', 'unknown']),
  grantedPermissions: z.array(z.string()),
  lastVerifiedAt: isoDate.nullable(),
  verificationStatus: z.enum(['never', 'succeeded', 'failed', 'unusable']),
  verificationReasonCode: z.string().nullable(),
  /** The last verification's problem in the catalogue's words, as everywhere else. */
  verificationReason: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
});
// The presenter's ConnectionView (src/presenter/connection.ts) is exactly this schema's output:
// checked both ways here, since a route's answer is not checked against its schema's type.
const _viewIsSchema: Same<ConnectionView, z.output<typeof connectionSchema>> = true;
async function connectionsOf(db: Db, tenantIds: string[]) {
  if (tenantIds.length === 0) return [];
  return db
    .selectFrom('provider_connections as c')
    .innerJoin('tenants as t', 't.id', 'c.tenant_id')
    .selectAll('c')
    .select('t.slug as tenant_slug')
    .where('c.tenant_id', 'in', tenantIds)
    .orderBy('t.name')
    .orderBy('c.is_default', 'desc')
    .orderBy('c.name')
    .execute();
}

const listForTenant = tenantRoute({
  method: 'GET',
  url: '/api/tenants/:tenant/provider-connections',
  summary: "A tenant's provider connections and their stored readiness facts (never a secret).",
  tag: 'provider connections',
  params: tenantParams,
  locate: byTenantRef,
  capability: 'tenant.view',
  responses: { 200: { description: 'Connections', schema: items(connectionSchema) } },
  async handler({ deps, access }) {
    return { status: 200, body: { items: await presentConnections(deps.db, await connectionsOf(deps.db, [access.tenant.id])) } };
  },
});

const listAll = userRoute({
  method: 'GET',
  url: '/api/provider-connections',
  summary:
    'Provider connections of every tenant the user may see, or of one (?tenant=id or slug). Archived tenants leave the list, as they leave the tenant list, unless ?include=archived or named by ?tenant.',
  tag: 'provider connections',
  query: z.object({
    tenant: tenantRef().optional(),
    include: z.enum(['archived'], { error: 'must be "archived" (the only extra set there is)' }).optional(),
  }),
  responses: { 200: { description: 'Connections', schema: items(connectionSchema) } },
  async handler({ deps, user, query }) {
    let tenantIds: string[];
    if (query.tenant) {
      const id = await tenantIdByRef(deps.db, query.tenant);
      // A tenant filter the user may not see reads as not there.
      if (!id || !(await canSeeTenant(deps.db, user.id, id))) throw notFound();
      tenantIds = [id];
    } else {
      let memberships = deps.db
        .selectFrom('tenant_memberships as m')
        .innerJoin('tenants as t', 't.id', 'm.tenant_id')
        .select('m.tenant_id')
        .where('m.user_id', '=', user.id);
      if (query.include !== 'archived') memberships = memberships.where('t.status', '<>', 'archived');
      const rows = await memberships.execute();
      tenantIds = rows.map((r) => r.tenant_id);
    }
    return { status: 200, body: { items: await presentConnections(deps.db, await connectionsOf(deps.db, tenantIds)) } };
  },
});

const detail = tenantRoute({
  method: 'GET',
  url: '/api/provider-connections/:id',
  summary: 'One provider connection (never its secret).',
  tag: 'provider connections',
  params: idParams,
  locate: byConnection,
  capability: 'tenant.view',
  responses: { 200: { description: 'The connection', schema: connectionSchema } },
  async handler({ deps, access, found }) {
    return { status: 200, body: await presentOne(deps.db, found, access.tenant.slug) };
  },
});

const patchBody = z
  .strictObject({
    isDefault: z.boolean().optional(),
    enabled: z.boolean().optional(),
    /** Write-only: sealed at rest, never returned. Rotating needs the new secret's expiry. */
    clientSecret: z.string().min(1, { error: 'must not be empty' }).max(1024, { error: 'is too long' }).optional(),
    secretExpiresAt: isoDate.optional(),
    /** Rotate to a new certificate opsgate generates (answered in `certificate`, to upload). */
    credential: z.strictObject({ type: z.literal('certificate') }).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.isDefault === undefined && b.enabled === undefined && b.clientSecret === undefined && b.secretExpiresAt === undefined && b.credential === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'needs at least one of isDefault, enabled, clientSecret, credential' });
    }
    if (b.credential !== undefined && b.clientSecret !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['credential'], message: 'cannot be given with clientSecret (one credential at a time)' });
    }
    if (b.clientSecret !== undefined && b.secretExpiresAt === undefined) {
      ctx.addIssue({ code: 'custom', path: ['secretExpiresAt'], message: 'is required when rotating clientSecret' });
    }
    if (b.secretExpiresAt !== undefined && b.clientSecret === undefined) {
      ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'is required with secretExpiresAt (the expiry belongs to a secret)' });
    }
    if (b.secretExpiresAt !== undefined && Date.parse(b.secretExpiresAt) <= Date.now()) {
      ctx.addIssue({ code: 'custom', path: ['secretExpiresAt'], message: 'must be in the future' });
    }
  });

const update = tenantRoute({
  method: 'PATCH',
  url: '/api/provider-connections/:id',
  summary:
    'Change a connection: {"isDefault": true} (the previous default stops being one), {"enabled": false}, rotate the secret with {"clientSecret", "secretExpiresAt"}, or switch to / rotate a generated certificate with {"credential": {"type": "certificate"}} (answers the new public certificate to upload; the old one stops working for opsgate at once). Audited.',
  tag: 'provider connections',
  params: idParams,
  body: patchBody,
  locate: byConnection,
  capability: 'provider_connection.manage',
  responses: { 200: { description: 'The updated connection', schema: connectionSchema } },
  async handler({ deps, user, access, found, body }) {
    const tenant = access.tenant;
    if (found.app_registration_id !== null && (body.clientSecret !== undefined || body.credential !== undefined)) {
      // One credential for every tenant on the app: it is rotated on the app, not per connection.
      throw invalid(
        body.credential !== undefined ? 'credential' : 'clientSecret',
        `this connection uses its workspace app's credential: rotate it on the app (PATCH /api/app-registrations/${found.app_registration_id})`,
      );
    }
    // Key generation takes a moment: done before the transaction, which then only writes.
    const certificate = body.credential
      ? await newCertificateColumns(deps.box, { tenantSlug: tenant.slug, connectionName: found.name }, undefined, {
          table: 'provider_connections',
          id: found.id,
        })
      : null;
    const updated = await deps.db.transaction().execute(async (tx) => {
      // One default per tenant: changes to a tenant's connections take turns.
      await sql`select id from tenants where id = ${tenant.id} for update`.execute(tx);
      const audit: { action: string; details: Record<string, unknown> }[] = [];
      if (body.isDefault === true) {
        const previous = await tx
          .updateTable('provider_connections')
          .set({ is_default: false, updated_at: sql<Date>`now()` })
          .where('tenant_id', '=', tenant.id)
          .where('is_default', '=', true)
          .where('id', '<>', found.id)
          .returning('id')
          .executeTakeFirst();
        audit.push({ action: 'provider_connection.default_changed', details: { isDefault: true, previousDefaultId: previous?.id ?? null } });
      } else if (body.isDefault === false) {
        audit.push({ action: 'provider_connection.default_changed', details: { isDefault: false } });
      }
      if (body.enabled !== undefined) audit.push({ action: 'provider_connection.enabled_changed', details: { enabled: body.enabled } });
      const rotation =
        certificate ??
        (body.clientSecret !== undefined && body.secretExpiresAt !== undefined
          ? secretColumns(deps.box, body.clientSecret, new Date(body.secretExpiresAt), { table: 'provider_connections', id: found.id })
          : {});
      if (body.secretExpiresAt !== undefined) {
        // The expiry is audited; the secret never is.
        audit.push({
          action: 'provider_connection.credential_rotated',
          details: { credentialKind: 'secret', credentialExpiresAt: new Date(body.secretExpiresAt).toISOString() },
        });
      }
      if (certificate) {
        // The public thumbprint and expiry are audited; the private key never is.
        audit.push({
          action: 'provider_connection.credential_rotated',
          details: {
            credentialKind: 'certificate',
            thumbprintSha256: certificate.certificate_thumbprint,
            credentialExpiresAt: certificate.credential_expires_at?.toISOString() ?? null,
          },
        });
      }
      const row = await tx
        .updateTable('provider_connections')
        .set({
          ...(body.isDefault !== undefined ? { is_default: body.isDefault } : {}),
          ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
          ...rotation,
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', found.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (audit.length)
        await tx
          .insertInto('audit_log')
          .values(
            audit.map((a) => ({
              workspace_id: tenant.workspace_id,
              tenant_id: tenant.id,
              actor_user_id: user.id,
              action: a.action,
              details: JSON.stringify({ providerConnectionId: found.id, ...a.details }),
            })),
          )
          .execute();
      return row;
    });
    return { status: 200, body: await presentOne(deps.db, updated, tenant.slug) };
  },
});

export const providerConnectionRoutes: Route[] = [listAll, listForTenant, detail, update];
