// Members of a workspace: who they are, their role, which tenants they hold; changing and
// removing them. A member's role is their workspace role and their role on every tenant they
// are granted. Every change is audited and runs in one transaction that locks the workspace
// row first, so "the last owner cannot be removed or demoted" holds when two owners act at
// once (the second sees the first one's change).
import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/connect.ts';
import type { Role } from '../db/schema.ts';
import { MemberError } from './errors.ts';

/** Tenants as the API names them: every tenant (also later ones), or these slugs. */
export type TenantsRequest = 'all' | string[];
/** The same, resolved: every tenant, or these tenant ids of the workspace. */
export interface Grant {
  all: boolean;
  tenantIds: string[];
}

export interface MemberView {
  user: { id: string; email: string; displayName: string };
  role: Role;
  tenants: 'all' | { slug: string; role: Role }[];
}

/** Slugs -> ids of this workspace's tenants; an unknown slug and another workspace's read the same. */
export async function resolveTenants(db: DbOrTx, workspaceId: string, tenants: TenantsRequest): Promise<Grant> {
  if (tenants === 'all') return { all: true, tenantIds: [] };
  const slugs = [...new Set(tenants)];
  const rows = await db.selectFrom('tenants').select(['id', 'slug']).where('workspace_id', '=', workspaceId).where('slug', 'in', slugs).execute();
  const missing = slugs.filter((s) => !rows.some((r) => r.slug === s));
  if (missing.length)
    throw new MemberError(
      'invalid',
      `no tenant ${missing
        .slice(0, 5)
        .map((s) => JSON.stringify(s))
        .join(', ')} in this workspace`,
      'tenants',
    );
  return { all: false, tenantIds: rows.map((r) => r.id) };
}

/** The audit's and the API's way to name a grant. */
export async function grantSlugs(db: DbOrTx, grant: Grant): Promise<'all' | string[]> {
  if (grant.all) return 'all';
  if (!grant.tenantIds.length) return [];
  const rows = await db.selectFrom('tenants').select('slug').where('id', 'in', grant.tenantIds).orderBy('slug').execute();
  return rows.map((r) => r.slug);
}

/** Holds the workspace row until the transaction ends: member changes of one workspace queue up. */
export async function lockWorkspace(tx: DbOrTx, workspaceId: string): Promise<void> {
  await sql`select id from workspaces where id = ${workspaceId} for update`.execute(tx);
}

const workspaceTenantIds = (tx: DbOrTx, workspaceId: string) => tx.selectFrom('tenants').select('id').where('workspace_id', '=', workspaceId);

/**
 * Makes the member's tenant memberships in this workspace exactly `grant`, with `role` on
 * each, and records the grant on the workspace membership (the trigger on tenants reads it).
 */
export async function applyGrant(tx: DbOrTx, workspaceId: string, userId: string, role: Role, grant: Grant): Promise<void> {
  await tx
    .updateTable('workspace_members')
    .set({ role, all_tenants: grant.all })
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .execute();
  const ids = grant.all ? (await workspaceTenantIds(tx, workspaceId).execute()).map((t) => t.id) : grant.tenantIds;
  let drop = tx.deleteFrom('tenant_memberships').where('user_id', '=', userId).where('tenant_id', 'in', workspaceTenantIds(tx, workspaceId));
  if (ids.length) drop = drop.where('tenant_id', 'not in', ids);
  await drop.execute();
  if (ids.length) {
    await tx
      .insertInto('tenant_memberships')
      .values(ids.map((tenant_id) => ({ tenant_id, user_id: userId, role })))
      .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doUpdateSet({ role }))
      .execute();
  }
}

export async function listMembers(db: DbOrTx, workspaceId: string): Promise<MemberView[]> {
  const members = await db
    .selectFrom('workspace_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'u.email', 'u.display_name', 'm.role', 'm.all_tenants'])
    .where('m.workspace_id', '=', workspaceId)
    .orderBy('u.email')
    .execute();
  const held = await db
    .selectFrom('tenant_memberships as tm')
    .innerJoin('tenants as t', 't.id', 'tm.tenant_id')
    .select(['tm.user_id', 't.slug', 'tm.role'])
    .where('t.workspace_id', '=', workspaceId)
    .orderBy('t.slug')
    .execute();
  return members.map((m) => ({
    user: { id: m.id, email: m.email, displayName: m.display_name },
    role: m.role,
    tenants: m.all_tenants ? 'all' : held.filter((h) => h.user_id === m.id).map((h) => ({ slug: h.slug, role: h.role })),
  }));
}

async function memberRow(tx: DbOrTx, workspaceId: string, userId: string) {
  const row = await tx
    .selectFrom('workspace_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.role', 'm.all_tenants', 'u.email'])
    .where('m.workspace_id', '=', workspaceId)
    .where('m.user_id', '=', userId)
    .executeTakeFirst();
  if (!row) throw new MemberError('not_found', 'Not found.');
  return row;
}

async function refuseLastOwner(tx: DbOrTx, workspaceId: string, currentRole: Role, what: 'removed' | 'demoted'): Promise<void> {
  if (currentRole !== 'owner') return;
  const { n } = await tx
    .selectFrom('workspace_members')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  if (Number(n) <= 1) throw new MemberError('last_owner', `The last owner of the workspace cannot be ${what}: make someone else an owner first.`);
}

async function currentGrant(tx: DbOrTx, workspaceId: string, userId: string, all: boolean): Promise<Grant> {
  if (all) return { all: true, tenantIds: [] };
  const rows = await tx
    .selectFrom('tenant_memberships')
    .select('tenant_id')
    .where('user_id', '=', userId)
    .where('tenant_id', 'in', workspaceTenantIds(tx, workspaceId))
    .execute();
  return { all: false, tenantIds: rows.map((r) => r.tenant_id) };
}

export async function changeMember(
  db: Db,
  input: { workspaceId: string; actorId: string; userId: string; role?: Role; tenants?: TenantsRequest },
): Promise<MemberView> {
  return db.transaction().execute(async (tx) => {
    await lockWorkspace(tx, input.workspaceId);
    const before = await memberRow(tx, input.workspaceId, input.userId);
    const role = input.role ?? before.role;
    if (role !== 'owner') await refuseLastOwner(tx, input.workspaceId, before.role, 'demoted');
    const was = await currentGrant(tx, input.workspaceId, input.userId, before.all_tenants);
    const grant = input.tenants ? await resolveTenants(tx, input.workspaceId, input.tenants) : was;
    await applyGrant(tx, input.workspaceId, input.userId, role, grant);
    await tx
      .insertInto('audit_log')
      .values({
        workspace_id: input.workspaceId,
        actor_user_id: input.actorId,
        action: 'member.changed',
        outcome: 'succeeded',
        details: JSON.stringify({
          userId: input.userId,
          email: before.email,
          from: { role: before.role, tenants: await grantSlugs(tx, was) },
          to: { role, tenants: await grantSlugs(tx, grant) },
        }),
      })
      .execute();
    return (await listMembers(tx, input.workspaceId)).find((m) => m.user.id === input.userId)!;
  });
}

/** Removes every membership in the workspace and ends all of that user's sessions at once. */
export async function removeMember(db: Db, input: { workspaceId: string; actorId: string; userId: string }): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await lockWorkspace(tx, input.workspaceId);
    const before = await memberRow(tx, input.workspaceId, input.userId);
    await refuseLastOwner(tx, input.workspaceId, before.role, 'removed');
    await tx.deleteFrom('tenant_memberships').where('user_id', '=', input.userId).where('tenant_id', 'in', workspaceTenantIds(tx, input.workspaceId)).execute();
    await tx.deleteFrom('workspace_members').where('workspace_id', '=', input.workspaceId).where('user_id', '=', input.userId).execute();
    // Sessions are looked up on every request, so deleting them signs the user out now.
    const ended = await tx.deleteFrom('http_sessions').where('user_id', '=', input.userId).executeTakeFirst();
    await tx
      .insertInto('audit_log')
      .values({
        workspace_id: input.workspaceId,
        actor_user_id: input.actorId,
        action: 'member.removed',
        outcome: 'succeeded',
        details: JSON.stringify({ userId: input.userId, email: before.email, role: before.role, sessionsEnded: Number(ended.numDeletedRows) }),
      })
      .execute();
  });
}
