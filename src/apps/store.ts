// Workspace app registrations: one multi-tenant app in the MSP's own tenant, consented in each
// customer tenant, whose credential serves every connection on it (migration 0016). Create with
// a client secret or a certificate opsgate generates; rotate (once for every tenant) or rename;
// delete only while no connection uses it. The secret and the private key are write-only: reads
// never select them (only whether one is stored), views are built field by field. Every change
// writes its audit row in the same transaction, with public facts only.
import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/connect.ts';
import type { Cloud, CredentialKind } from '../db/schema.ts';
import { certificateView, newCertificateColumns, secretColumns, type CertificateView, type CredentialColumns } from '../connections/credentials.ts';
import { hasStoredCredential } from '../gate/readiness.ts';
import type { SecretBox } from '../security/secret-box.ts';

export type NewCredential = { type: 'secret'; secret: string; expiresAt: Date } | { type: 'certificate' };

export interface AppView {
  id: string;
  name: string;
  clientId: string;
  cloud: Cloud;
  credentialType: CredentialKind;
  hasCredential: boolean;
  credentialExpiresAt: string | null;
  /** Connections on the app in every tenant of the workspace: what keeps it from being deleted. */
  connectionCount: number;
  /** The tenants using it that the viewer may see (never a tenant they are not a member of). */
  tenants: { slug: string; name: string }[];
  createdAt: string;
  /** A certificate app's public certificate, to upload to the app registration; never its key. */
  certificate?: CertificateView;
}

/** A refusal the HTTP edge maps to its status: 409 for a name or client id taken, or an app in use. */
export class AppRegistrationError extends Error {
  readonly kind: 'conflict' | 'in_use';
  readonly field: string | null;
  readonly connectionCount: number;
  constructor(kind: 'conflict' | 'in_use', message: string, field: string | null = null, connectionCount = 0) {
    super(message);
    this.kind = kind;
    this.field = field;
    this.connectionCount = connectionCount;
  }
}

// Whether a credential is stored, never the credential: the same rule as the gate's facts read.
interface AppRow {
  id: string;
  workspace_id: string;
  name: string;
  client_id: string;
  cloud: Cloud;
  credential_kind: CredentialKind;
  certificate_pem: string | null;
  credential_expires_at: Date | null;
  created_at: Date;
  has_secret: boolean;
  has_thumbprint: boolean;
  connection_count: number;
}
const PUBLIC_COLUMNS = sql<AppRow>`a.id, a.workspace_id, a.name, a.client_id, a.cloud, a.credential_kind, a.certificate_pem, a.credential_expires_at, a.created_at,
  coalesce(a.secret_ciphertext, '') <> '' as has_secret, coalesce(a.certificate_thumbprint, '') <> '' as has_thumbprint,
  (select count(*)::int from provider_connections c where c.app_registration_id = a.id) as connection_count`;

/** The workspace's apps (or one of them), as `viewerId` may see them. */
export async function listApps(db: DbOrTx, workspaceId: string, viewerId: string, appId?: string): Promise<AppView[]> {
  const { rows } = await sql<AppRow>`
    select ${PUBLIC_COLUMNS} from app_registrations a
     where a.workspace_id = ${workspaceId} ${appId ? sql`and a.id = ${appId}` : sql``}
     order by a.name`.execute(db);
  if (rows.length === 0) return [];
  const { rows: used } = await sql<{ app_id: string; slug: string; name: string }>`
    select c.app_registration_id as app_id, t.slug, t.name
      from provider_connections c
      join tenants t on t.id = c.tenant_id
      join tenant_memberships m on m.tenant_id = t.id and m.user_id = ${viewerId}
     where c.app_registration_id = any(${rows.map((r) => r.id)}::uuid[])
     order by t.name, t.slug`.execute(db);
  return rows.map((r) =>
    toView(
      r,
      used.filter((u) => u.app_id === r.id),
    ),
  );
}

function toView(r: AppRow, tenants: { slug: string; name: string }[]): AppView {
  const certificate = certificateView(r);
  // A tenant with two connections on the app is listed once.
  const seen = new Set<string>();
  return {
    id: r.id,
    name: r.name,
    clientId: r.client_id,
    cloud: r.cloud,
    credentialType: r.credential_kind,
    hasCredential: hasStoredCredential(r.credential_kind, r.has_secret, r.has_thumbprint),
    credentialExpiresAt: r.credential_expires_at?.toISOString() ?? null,
    connectionCount: Number(r.connection_count),
    tenants: tenants.filter((t) => !seen.has(t.slug) && seen.add(t.slug)).map((t) => ({ slug: t.slug, name: t.name })),
    createdAt: r.created_at.toISOString(),
    ...(certificate ? { certificate } : {}),
  };
}

/** The workspace an app belongs to; null when there is no such app. */
export async function appWorkspace(db: DbOrTx, id: string): Promise<string | null> {
  return (await db.selectFrom('app_registrations').select('workspace_id').where('id', '=', id).executeTakeFirst())?.workspace_id ?? null;
}

async function credentialColumns(box: SecretBox, credential: NewCredential, appName: string, appId: string): Promise<CredentialColumns> {
  // Key generation takes a moment: done before any transaction, which then only writes.
  // Sealed values are bound to the app's row (credentialAad).
  const row = { table: 'app_registrations' as const, id: appId };
  return credential.type === 'certificate'
    ? newCertificateColumns(box, { appName }, undefined, row)
    : secretColumns(box, credential.secret, credential.expiresAt, row);
}

/** Public facts of a credential for the audit log: kind, expiry, a certificate's thumbprint. */
function auditedCredential(c: CredentialColumns): Record<string, unknown> {
  return {
    credentialKind: c.credential_kind,
    credentialExpiresAt: c.credential_expires_at?.toISOString() ?? null,
    ...(c.certificate_thumbprint ? { thumbprintSha256: c.certificate_thumbprint } : {}),
  };
}

async function audit(tx: DbOrTx, workspaceId: string, actorId: string, action: string, details: Record<string, unknown>): Promise<void> {
  // About no single tenant: read by the workspace's members with audit.view.
  await tx
    .insertInto('audit_log')
    .values({ workspace_id: workspaceId, tenant_id: null, actor_user_id: actorId, action, details: JSON.stringify(details) })
    .execute();
}

/** Names and client ids are unique per workspace; the refusal names the field. */
async function assertFree(tx: DbOrTx, workspaceId: string, fields: { name?: string; clientId?: string }, exceptId?: string): Promise<void> {
  const base = () => {
    let q = tx.selectFrom('app_registrations').select('id').where('workspace_id', '=', workspaceId);
    if (exceptId) q = q.where('id', '<>', exceptId);
    return q;
  };
  if (fields.name !== undefined && (await base().where('name', '=', fields.name).executeTakeFirst())) {
    throw new AppRegistrationError('conflict', `name: "${fields.name}" is already an app registration of this workspace`, 'name');
  }
  if (fields.clientId !== undefined && (await base().where('client_id', '=', fields.clientId).executeTakeFirst())) {
    throw new AppRegistrationError('conflict', `clientId: ${fields.clientId} is already registered in this workspace`, 'clientId');
  }
}

export async function createApp(
  db: Db,
  box: SecretBox,
  input: { workspaceId: string; actorId: string; name: string; clientId: string; cloud: Cloud; credential: NewCredential },
): Promise<string> {
  const clientId = input.clientId.toLowerCase();
  // The row's id is chosen first: its sealed credential is bound to it.
  const appId = crypto.randomUUID();
  const columns = await credentialColumns(box, input.credential, input.name, appId);
  return db.transaction().execute(async (tx) => {
    // Changes to a workspace's apps take turns, so the uniqueness checks answer for the insert.
    await sql`select id from workspaces where id = ${input.workspaceId} for update`.execute(tx);
    await assertFree(tx, input.workspaceId, { name: input.name, clientId });
    const { id } = await tx
      .insertInto('app_registrations')
      .values({ id: appId, workspace_id: input.workspaceId, name: input.name, client_id: clientId, cloud: input.cloud, ...columns, created_by: input.actorId })
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit(tx, input.workspaceId, input.actorId, 'app_registration.created', {
      appRegistrationId: id,
      name: input.name,
      clientId,
      cloud: input.cloud,
      ...auditedCredential(columns),
    });
    return id;
  });
}

/**
 * Rename and/or rotate. A rotation replaces the credential of every connection on the app at
 * once: the gate reads the app's expiry on every start, so starts blocked by an expired app
 * credential are ready again from this commit on (their consent stays each tenant's own).
 */
export async function updateApp(
  db: Db,
  box: SecretBox,
  input: { appId: string; workspaceId: string; actorId: string; name?: string; credential?: NewCredential },
): Promise<void> {
  const current = await db.selectFrom('app_registrations').select('name').where('id', '=', input.appId).executeTakeFirstOrThrow();
  const columns = input.credential ? await credentialColumns(box, input.credential, input.name ?? current.name, input.appId) : null;
  await db.transaction().execute(async (tx) => {
    await sql`select id from workspaces where id = ${input.workspaceId} for update`.execute(tx);
    const app = await tx.selectFrom('app_registrations').select(['id', 'name']).where('id', '=', input.appId).forUpdate().executeTakeFirstOrThrow();
    if (input.name !== undefined && input.name !== app.name) await assertFree(tx, input.workspaceId, { name: input.name }, app.id);
    await tx
      .updateTable('app_registrations')
      .set({ ...(input.name !== undefined ? { name: input.name } : {}), ...(columns ?? {}), updated_at: sql<Date>`now()` })
      .where('id', '=', app.id)
      .execute();
    if (input.name !== undefined && input.name !== app.name) {
      await audit(tx, input.workspaceId, input.actorId, 'app_registration.renamed', { appRegistrationId: app.id, name: input.name, previousName: app.name });
    }
    if (columns) {
      const { n } = await tx
        .selectFrom('provider_connections')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('app_registration_id', '=', app.id)
        .executeTakeFirstOrThrow();
      await audit(tx, input.workspaceId, input.actorId, 'app_registration.rotated', {
        appRegistrationId: app.id,
        name: input.name ?? app.name,
        connectionCount: Number(n),
        ...auditedCredential(columns),
      });
    }
  });
}

/**
 * Deletes an app no connection uses. The row lock makes a connection being added on the app
 * either commit first (and be counted here) or find the app gone (the add answers 400).
 */
export async function deleteApp(db: Db, input: { appId: string; workspaceId: string; actorId: string }): Promise<'deleted' | 'gone'> {
  return db.transaction().execute(async (tx) => {
    const app = await tx.selectFrom('app_registrations').select(['id', 'name', 'client_id']).where('id', '=', input.appId).forUpdate().executeTakeFirst();
    if (!app) return 'gone';
    const { n } = await tx
      .selectFrom('provider_connections')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('app_registration_id', '=', app.id)
      .executeTakeFirstOrThrow();
    const count = Number(n);
    if (count > 0) {
      throw new AppRegistrationError(
        'in_use',
        `${app.name} is used by ${count} connection${count === 1 ? '' : 's'}: delete ${count === 1 ? 'it' : 'them'} (or move ${count === 1 ? 'its tenant' : 'their tenants'} to another connection) first.`,
        null,
        count,
      );
    }
    await tx.deleteFrom('app_registrations').where('id', '=', app.id).execute();
    await audit(tx, input.workspaceId, input.actorId, 'app_registration.deleted', { appRegistrationId: app.id, name: app.name, clientId: app.client_id });
    return 'deleted';
  });
}
