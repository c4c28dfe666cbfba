// A connection on a workspace app: the app must be one of the tenant's own workspace (an id of
// another workspace reads exactly like an unknown one). Read under a share lock inside the
// caller's transaction, so the app cannot be deleted before the connection commits (deleteApp
// locks the row for update and then counts connections).
import { sql } from 'kysely';
import type { DbOrTx } from '../db/connect.ts';
import type { Cloud } from '../db/schema.ts';

export interface AppForConnection {
  id: string;
  client_id: string;
  cloud: Cloud;
}

export const NO_SUCH_APP = "no workspace app registration with this id in the tenant's workspace";

export async function findAppForConnection(tx: DbOrTx, workspaceId: string, appId: string): Promise<AppForConnection | null> {
  const { rows } = await sql<AppForConnection>`
    select id, client_id, cloud from app_registrations
     where id = ${appId} and workspace_id = ${workspaceId}
       for share`.execute(tx);
  return rows[0] ?? null;
}
