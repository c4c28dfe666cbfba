// Authorization, before anything reaches the gate: membership decides 404 (not entitled
// reads as not there), the role's capabilities decide 403. Neither is ever an outcome.
import { roleHas, ROLE_CAPABILITIES, type Capability } from '../access/capabilities.ts';
import type { Db } from '../db/connect.ts';
import type { Role, Tenant } from '../db/schema.ts';
import { forbidden, notFound } from './errors.ts';

export interface TenantAccess {
  tenant: Tenant;
  role: Role;
  capabilities: readonly Capability[];
}

// Canonical 8-4-4-4-12 hex: what Postgres' uuid type prints and what our ids look like.
export const UUID_SHAPE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const SLUG_SHAPE = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The tenant with the user's role on it; null when it does not exist or the user is not a member. */
export async function tenantAccess(db: Db, userId: string, tenantId: string): Promise<TenantAccess | null> {
  const row = await db
    .selectFrom('tenants as t')
    .innerJoin('tenant_memberships as m', (j) => j.onRef('m.tenant_id', '=', 't.id').on('m.user_id', '=', userId))
    .selectAll('t')
    .select('m.role')
    .where('t.id', '=', tenantId)
    .executeTakeFirst();
  if (!row) return null;
  const { role, ...tenant } = row;
  return { tenant, role, capabilities: ROLE_CAPABILITIES[role] };
}

/** `{tenant}` in a path is the id or the slug; a value that is neither was rejected by the schema. */
export async function tenantIdByRef(db: Db, ref: string): Promise<string | null> {
  const q = db.selectFrom('tenants').select('id');
  const row = await (UUID_SHAPE.test(ref) ? q.where('id', '=', ref) : q.where('slug', '=', ref)).executeTakeFirst();
  return row?.id ?? null;
}

export async function requireTenantAccess(db: Db, userId: string, tenantId: string): Promise<TenantAccess> {
  const access = await tenantAccess(db, userId, tenantId);
  if (!access) throw notFound();
  return access;
}

export function requireCapability(access: TenantAccess, capability: Capability): void {
  if (!roleHas(access.role, capability)) throw forbidden(capability);
}

/** Whether the user may see something of this tenant (a holding run, say). */
export async function canSeeTenant(db: Db, userId: string, tenantId: string): Promise<boolean> {
  const row = await db.selectFrom('tenant_memberships').select('tenant_id').where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
  return !!row;
}
