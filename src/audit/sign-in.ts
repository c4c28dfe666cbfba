// Audit rows for sign-ins. A sign-in is about no tenant, so its row is a workspace-level row:
// one per workspace the account belongs to, so each workspace's auditors see their members'
// sign-ins (src/audit/query.ts). A failure for an email that is no account writes nothing: the
// row would belong to no workspace, and what was typed into the email field can be a password.
import type { Db } from '../db/connect.ts';

export type SignInVia = 'password' | 'microsoft';

export async function auditSignIn(
  db: Db,
  a: { outcome: 'succeeded' | 'failed'; userId?: string; email?: string; via?: SignInVia; address?: string; reason?: string },
): Promise<void> {
  const userId =
    a.userId ?? (a.email ? (await db.selectFrom('users').select('id').where('email', '=', a.email.toLowerCase()).executeTakeFirst())?.id : undefined);
  if (!userId) return;
  const workspaces = await db.selectFrom('workspace_members').select('workspace_id').where('user_id', '=', userId).execute();
  const details = JSON.stringify({ via: a.via ?? 'password', ...(a.address ? { address: a.address } : {}), ...(a.reason ? { reason: a.reason } : {}) });
  const row = (workspaceId: string | null) => ({ workspace_id: workspaceId, actor_user_id: userId, action: 'session.sign_in', outcome: a.outcome, details });
  await db
    .insertInto('audit_log')
    .values(workspaces.length ? workspaces.map((w) => row(w.workspace_id)) : [row(null)])
    .execute();
}

/** "Sign out everywhere", in each of the user's workspaces like a sign-in: how many sessions ended. */
export async function auditSignOutEverywhere(db: Db, a: { userId: string; sessions: number; address?: string }): Promise<void> {
  const workspaces = await db.selectFrom('workspace_members').select('workspace_id').where('user_id', '=', a.userId).execute();
  const details = JSON.stringify({ sessions: a.sessions, ...(a.address ? { address: a.address } : {}) });
  const row = (workspaceId: string | null) => ({
    workspace_id: workspaceId,
    actor_user_id: a.userId,
    action: 'session.sign_out_everywhere',
    outcome: 'succeeded' as const,
    details,
  });
  await db
    .insertInto('audit_log')
    .values(workspaces.length ? workspaces.map((w) => row(w.workspace_id)) : [row(null)])
    .execute();
}
