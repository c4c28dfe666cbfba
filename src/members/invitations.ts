// Invitations: an owner invites an email with a role on all tenants (also later ones) or on
// chosen ones; the URL's token is shown once (only its SHA-256 is stored), is single use and
// expires after 7 days. Accepting creates the account — or, when the email already has one,
// takes that account's password instead (signing in and accepting are one step) — and adds
// the memberships. Every step is audited; a token is never.
import crypto from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Db, DbOrTx } from '../db/connect.ts';
import type { InvitationsTable, Role } from '../db/schema.ts';
import { hashPassword, upgradeStoredHash, verifyPassword } from '../security/passwords.ts';
import { MIN_PASSWORD_LENGTH } from '../setup/first-run.ts';
import { MemberError } from './errors.ts';
import { applyGrant, grantSlugs, resolveTenants, type Grant, type TenantsRequest } from './members.ts';

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export type Invitation = Selectable<InvitationsTable>;
export type InvitationStatus = 'pending' | 'expired' | 'used' | 'revoked';

const digest = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export function invitationStatus(inv: Invitation, now = new Date()): InvitationStatus {
  if (inv.accepted_at) return 'used';
  if (inv.revoked_at) return 'revoked';
  return inv.expires_at <= now ? 'expired' : 'pending';
}

function refuseUnlessPending(inv: Invitation): void {
  switch (invitationStatus(inv)) {
    case 'used':
      throw new MemberError('invitation_used', 'This invitation was already used. Sign in instead.');
    case 'revoked':
      throw new MemberError('invitation_revoked', 'This invitation was withdrawn. Ask the workspace owner for a new one.');
    case 'expired':
      throw new MemberError('invitation_expired', 'This invitation has expired. Ask the workspace owner for a new one.');
    case 'pending':
      return;
  }
}

export async function createInvitation(
  db: Db,
  input: { workspaceId: string; actorId: string; email: string; role: Role; tenants: TenantsRequest; now?: Date },
): Promise<{ invitation: Invitation; token: string; tenants: 'all' | string[] }> {
  const now = input.now ?? new Date();
  return db.transaction().execute(async (tx) => {
    const member = await tx
      .selectFrom('workspace_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select('u.id')
      .where('m.workspace_id', '=', input.workspaceId)
      .where('u.email', '=', input.email)
      .executeTakeFirst();
    if (member) throw new MemberError('already_member', `${input.email} is already a member of this workspace; change their role or tenants instead.`);
    const grant = await resolveTenants(tx, input.workspaceId, input.tenants);
    // One open invitation per email and workspace: the newest URL is the one that works.
    const replaced = await tx
      .updateTable('invitations')
      .set({ revoked_at: now })
      .where('workspace_id', '=', input.workspaceId)
      .where('email', '=', input.email)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    const token = crypto.randomBytes(32).toString('base64url');
    const invitation = await tx
      .insertInto('invitations')
      .values({
        workspace_id: input.workspaceId,
        email: input.email,
        role: input.role,
        all_tenants: grant.all,
        tenant_ids: grant.tenantIds,
        token_hash: digest(token),
        invited_by: input.actorId,
        created_at: now,
        expires_at: new Date(now.getTime() + INVITATION_TTL_MS),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const tenants = await grantSlugs(tx, grant);
    await tx
      .insertInto('audit_log')
      .values({
        workspace_id: input.workspaceId,
        actor_user_id: input.actorId,
        action: 'member.invited',
        outcome: 'succeeded',
        details: JSON.stringify({ invitationId: invitation.id, email: input.email, role: input.role, tenants, replaced: replaced.map((r) => r.id) }),
      })
      .execute();
    return { invitation, token, tenants };
  });
}

/** Open invitations of the workspace (pending or expired, not used or withdrawn), newest first. */
export async function listInvitations(db: Db, workspaceId: string) {
  const rows = await db
    .selectFrom('invitations as i')
    .leftJoin('users as u', 'u.id', 'i.invited_by')
    .selectAll('i')
    .select('u.email as invited_by_email')
    .where('i.workspace_id', '=', workspaceId)
    .where('i.accepted_at', 'is', null)
    .where('i.revoked_at', 'is', null)
    .orderBy('i.created_at', 'desc')
    .limit(500)
    .execute();
  const out = [];
  for (const { invited_by_email, ...inv } of rows) {
    out.push({ invitation: inv, invitedBy: invited_by_email, tenants: await grantSlugs(db, { all: inv.all_tenants, tenantIds: inv.tenant_ids }) });
  }
  return out;
}

export async function revokeInvitation(db: Db, input: { workspaceId: string; actorId: string; id: string }): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const inv = await tx
      .selectFrom('invitations')
      .selectAll()
      .where('id', '=', input.id)
      .where('workspace_id', '=', input.workspaceId)
      .forUpdate()
      .executeTakeFirst();
    if (!inv) throw new MemberError('not_found', 'Not found.');
    if (inv.accepted_at) throw new MemberError('invitation_used', 'This invitation was already accepted; remove the member instead.');
    if (inv.revoked_at) return;
    await tx.updateTable('invitations').set({ revoked_at: new Date() }).where('id', '=', inv.id).execute();
    await tx
      .insertInto('audit_log')
      .values({
        workspace_id: input.workspaceId,
        actor_user_id: input.actorId,
        action: 'invitation.revoked',
        outcome: 'succeeded',
        details: JSON.stringify({ invitationId: inv.id, email: inv.email }),
      })
      .execute();
  });
}

/** The pending invitation behind a URL token; refuses unknown (404), used, withdrawn and expired ones (410). */
export async function pendingInvitation(db: Db, token: string): Promise<Invitation> {
  const inv = await db.selectFrom('invitations').selectAll().where('token_hash', '=', digest(token)).executeTakeFirst();
  if (!inv) throw new MemberError('not_found', 'This invitation link is not valid. Check that you copied all of it.');
  refuseUnlessPending(inv);
  return inv;
}

/** What the accept page shows: who is invited where, and whether they sign in or create an account. */
export async function describeInvitation(db: Db, inv: Invitation) {
  const ws = await db.selectFrom('workspaces').select(['name', 'slug']).where('id', '=', inv.workspace_id).executeTakeFirstOrThrow();
  const account = await db.selectFrom('users').select('id').where('email', '=', inv.email).executeTakeFirst();
  return {
    email: inv.email,
    role: inv.role,
    workspace: ws,
    tenants: await grantSlugs(db, { all: inv.all_tenants, tenantIds: inv.tenant_ids }),
    expiresAt: inv.expires_at,
    accountExists: !!account,
  };
}

/**
 * Accepts: a new account (display name and a new password of at least 12 characters), or the
 * existing account of the invited email (its current password). Exactly one of two racing
 * accepts wins: the invitation row is locked and re-checked in the transaction.
 */
export async function acceptInvitation(
  db: Db,
  inv: Invitation,
  input: { displayName?: string; password: string },
): Promise<{ userId: string; email: string; displayName: string; newAccount: boolean }> {
  const existing = await db.selectFrom('users').select(['id', 'display_name', 'password_hash']).where('email', '=', inv.email).executeTakeFirst();
  let passwordHash: string | null = null;
  if (existing) {
    if (!(await verifyPassword(input.password, existing.password_hash))) {
      throw new MemberError('wrong_password', `${inv.email} already has an account: enter its password to accept.`);
    }
    // A sign-in like any other: a hash below today's cost is replaced.
    await upgradeStoredHash(db, existing.id, existing.password_hash, input.password);
  } else {
    if (!input.displayName) throw new MemberError('invalid', 'is required for a new account', 'displayName');
    if (input.password.length < MIN_PASSWORD_LENGTH) throw new MemberError('invalid', `must be at least ${MIN_PASSWORD_LENGTH} characters`, 'password');
    passwordHash = await hashPassword(input.password);
  }
  return db.transaction().execute(async (tx) => {
    const locked = await tx.selectFrom('invitations').selectAll().where('id', '=', inv.id).forUpdate().executeTakeFirstOrThrow();
    refuseUnlessPending(locked);
    let user = existing ? { id: existing.id, display_name: existing.display_name } : null;
    if (!user) {
      user =
        (await tx
          .insertInto('users')
          .values({ email: inv.email, display_name: input.displayName!, password_hash: passwordHash! })
          .onConflict((oc) => oc.column('email').doNothing())
          .returning(['id', 'display_name'])
          .executeTakeFirst()) ?? null;
      if (!user) throw new MemberError('conflict', `An account for ${inv.email} was just created: enter its password to accept.`);
    }
    await joinWithInvitation(tx, locked, user.id, { newAccount: !existing });
    return { userId: user.id, email: inv.email, displayName: user.display_name, newAccount: !existing };
  });
}

/**
 * Adds what a pending invitation grants to an account and marks it used, in the caller's
 * transaction, which has locked the invitation row and checked it is pending. Used by the
 * accept page and by "Sign in with Microsoft" (via: 'microsoft').
 */
export async function joinWithInvitation(tx: DbOrTx, locked: Invitation, userId: string, opts: { newAccount: boolean; via?: 'microsoft' }): Promise<void> {
  const inv = locked;
  const user = { id: userId };
  const grant: Grant = { all: locked.all_tenants, tenantIds: locked.tenant_ids };
  const member = await tx
    .selectFrom('workspace_members')
    .select(['role', 'all_tenants'])
    .where('workspace_id', '=', inv.workspace_id)
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  if (!member) {
    await tx.insertInto('workspace_members').values({ workspace_id: inv.workspace_id, user_id: user.id, role: locked.role }).execute();
    // Tenants removed since the invitation are skipped.
    const ids = grant.all
      ? []
      : (await tx.selectFrom('tenants').select('id').where('workspace_id', '=', inv.workspace_id).where('id', 'in', grant.tenantIds).execute()).map(
          (t) => t.id,
        );
    await applyGrant(tx, inv.workspace_id, user.id, locked.role, { all: grant.all, tenantIds: ids });
  } else {
    // Joined meanwhile (another invitation): add what this one grants, change nothing else.
    const ids = (
      await tx
        .selectFrom('tenants')
        .select('id')
        .where('workspace_id', '=', inv.workspace_id)
        .$if(!grant.all, (q) => q.where('id', 'in', grant.tenantIds))
        .execute()
    ).map((t) => t.id);
    if (ids.length) {
      await tx
        .insertInto('tenant_memberships')
        .values(ids.map((tenant_id) => ({ tenant_id, user_id: user.id, role: locked.role })))
        .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doNothing())
        .execute();
    }
    if (grant.all && !member.all_tenants)
      await tx
        .updateTable('workspace_members')
        .set({ all_tenants: true })
        .where('workspace_id', '=', inv.workspace_id)
        .where('user_id', '=', user.id)
        .execute();
  }
  await tx.updateTable('invitations').set({ accepted_at: new Date(), accepted_by: user.id }).where('id', '=', inv.id).execute();
  await tx
    .insertInto('audit_log')
    .values({
      workspace_id: inv.workspace_id,
      actor_user_id: user.id,
      action: 'member.joined',
      outcome: 'succeeded',
      details: JSON.stringify({
        invitationId: inv.id,
        email: inv.email,
        role: locked.role,
        tenants: await grantSlugs(tx, grant),
        newAccount: opts.newAccount,
        ...(opts.via ? { via: opts.via } : {}),
      }),
    })
    .execute();
}

/** Pending invitations of an email (any workspace), locked for the caller's transaction. */
export async function lockPendingInvitations(tx: DbOrTx, email: string, now = new Date()): Promise<Invitation[]> {
  return tx
    .selectFrom('invitations')
    .selectAll()
    .where('email', '=', email.toLowerCase())
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at')
    .forUpdate()
    .execute();
}
