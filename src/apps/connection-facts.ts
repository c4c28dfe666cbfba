// The credential facts of the workspace apps some connections are on, for the views that show
// those connections: a connection on an app shows the app's credential kind, presence and expiry
// (what the gate decides on, src/gate/resolve.ts), never its own empty columns. Never the secret
// or key: only whether one is stored.
import { sql } from 'kysely';
import type { DbOrTx } from '../db/connect.ts';
import type { CredentialKind } from '../db/schema.ts';

export interface ConnectionApp {
  id: string;
  name: string;
  credential_kind: CredentialKind;
  credential_expires_at: Date | null;
  has_secret: boolean;
  has_thumbprint: boolean;
}

export async function appsByIds(db: DbOrTx, ids: readonly (string | null)[]): Promise<Map<string, ConnectionApp>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const { rows } = await sql<ConnectionApp>`
    select a.id, a.name, a.credential_kind, a.credential_expires_at,
      coalesce(a.secret_ciphertext, '') <> '' as has_secret, coalesce(a.certificate_thumbprint, '') <> '' as has_thumbprint
    from app_registrations a where a.id = any(${wanted}::uuid[])`.execute(db);
  return new Map(rows.map((r) => [r.id, r]));
}

export async function appOf(db: DbOrTx, appId: string | null): Promise<ConnectionApp | null> {
  return appId ? ((await appsByIds(db, [appId])).get(appId) ?? null) : null;
}
