// "Sign in with Microsoft", the people half: who a verified Microsoft identity is in opsgate.
//
// 1. The user linked to this Microsoft account (tenant + object id) — the link is made by the
//    first Microsoft sign-in and survives an email change in Entra.
// 2. Else the user whose email is the token's (preferred_username, else email; lower-cased)
//    and who is not linked to another Microsoft account: the link is made now. An account
//    already linked to a different object id is refused, so a recycled or renamed Microsoft
//    account that comes to carry someone's email does not become them.
// 3. Pending invitations for that email are accepted (their memberships added), creating the
//    account (without a password) when there is none yet.
// 4. Whoever is then a member of no workspace is refused: no account, nobody invited them, or
//    they were removed.
// All of it in one transaction, serialised per email, so two callbacks of one person cannot
// create two accounts or accept an invitation twice.
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { NO_PASSWORD, type SessionUser } from '../http/auth.ts';
import { joinWithInvitation, lockPendingInvitations } from '../members/invitations.ts';
import type { MicrosoftIdentity } from './oidc.ts';

export type SsoRefusal = 'no_account' | 'linked_to_other_microsoft_account' | 'not_a_member';

export type SsoSignIn =
  { kind: 'signed_in'; user: SessionUser; linked: boolean; joinedWorkspaces: number } | { kind: 'refused'; reason: SsoRefusal; userId: string | null };

const SSO_LOCK_CLASS = 4242_0015;

export async function signInWithMicrosoft(db: Db, id: MicrosoftIdentity): Promise<SsoSignIn> {
  return db.transaction().execute(async (tx): Promise<SsoSignIn> => {
    await sql`select pg_advisory_xact_lock(${SSO_LOCK_CLASS}, hashtext(${id.email}))`.execute(tx);
    const cols = ['id', 'email', 'display_name', 'entra_object_id'] as const;
    let user = await tx
      .selectFrom('users')
      .select(cols)
      .where('entra_tenant_id', '=', id.tenantId)
      .where('entra_object_id', '=', id.objectId)
      .executeTakeFirst();
    let linked = false;
    if (!user) {
      const byEmail = await tx.selectFrom('users').select(cols).where('email', '=', id.email).executeTakeFirst();
      if (byEmail?.entra_object_id) return { kind: 'refused', reason: 'linked_to_other_microsoft_account', userId: byEmail.id };
      if (byEmail) {
        await tx.updateTable('users').set({ entra_tenant_id: id.tenantId, entra_object_id: id.objectId }).where('id', '=', byEmail.id).execute();
        user = byEmail;
        linked = true;
      }
    }
    const pending = await lockPendingInvitations(tx, user?.email ?? id.email);
    let newAccount = false;
    if (!user) {
      if (pending.length === 0) return { kind: 'refused', reason: 'no_account', userId: null };
      const created = await tx
        .insertInto('users')
        .values({
          email: id.email,
          display_name: id.displayName ?? id.email.split('@')[0]!,
          password_hash: NO_PASSWORD,
          entra_tenant_id: id.tenantId,
          entra_object_id: id.objectId,
        })
        .onConflict((oc) => oc.column('email').doNothing())
        .returning(cols)
        .executeTakeFirst();
      // An account for the email was created a moment ago by a password invitation accept:
      // the next sign-in finds and links it; this one asks the person to try again.
      if (!created) return { kind: 'refused', reason: 'no_account', userId: null };
      user = created;
      linked = true;
      newAccount = true;
    }
    for (const inv of pending) {
      await joinWithInvitation(tx, inv, user.id, { newAccount, via: 'microsoft' });
      newAccount = false;
    }
    const member = await tx.selectFrom('workspace_members').select('workspace_id').where('user_id', '=', user.id).executeTakeFirst();
    if (!member) return { kind: 'refused', reason: 'not_a_member', userId: user.id };
    return { kind: 'signed_in', user: { id: user.id, email: user.email, displayName: user.display_name }, linked, joinedWorkspaces: pending.length };
  });
}
