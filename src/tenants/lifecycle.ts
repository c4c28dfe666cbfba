// A tenant's lifecycle as its owner changes it: which statuses may follow which, and the one
// function that applies a change (row locked, checked, written and audited in one
// transaction, so two owners clicking at once cannot both "win" from the same state).
//
//   active ⇄ suspended          pause all provider work, keep everything visible
//   active, suspended → archived   kept for its history only; leaves tenant lists
//   archived → active           "reactivate": back to normal work in one step
//
// `onboarding` is owned by its onboarding session (finish → active, cancel → archived), so
// this function refuses to move a tenant out of it: two ways out would leave a draft session
// pointing at an archived tenant. Runs already queued or running are not touched by a change;
// the gate refuses new starts for anything not active.
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { Tenant, TenantStatus } from '../db/schema.ts';

/** What an owner may set; `onboarding` is only ever set by creating an onboarding session. */
export const SETTABLE_STATUSES = ['active', 'suspended', 'archived'] as const;
export type SettableStatus = (typeof SETTABLE_STATUSES)[number];

const NEXT: Record<TenantStatus, readonly SettableStatus[]> = {
  active: ['suspended', 'archived'],
  suspended: ['active', 'archived'],
  // One way back, to a working tenant; suspend it afterwards if that is what is wanted.
  archived: ['active'],
  onboarding: [],
};

export function canMove(from: TenantStatus, to: SettableStatus): boolean {
  return from === to || NEXT[from].includes(to);
}

/** A change refused because of the tenant's current state (answered 409, naming the field). */
export class TenantChangeRefused extends Error {
  readonly field = 'status';
}

function refusal(from: TenantStatus, to: SettableStatus): string {
  if (from === 'onboarding') return 'this tenant is still being onboarded: finish or cancel its onboarding session instead';
  return `cannot change from ${from} to ${to} (from ${from}: ${NEXT[from].join(' or ')})`;
}

export interface TenantChange {
  name?: string;
  status?: SettableStatus;
}

/**
 * Applies the change and writes one audit row per changed field (`tenant.renamed`,
 * `tenant.status_changed`, details `{from, to}`). Setting what is already there changes
 * nothing and writes nothing. Null when the tenant no longer exists.
 */
export async function changeTenant(db: Db, tenantId: string, actorUserId: string, change: TenantChange): Promise<Tenant | null> {
  return db.transaction().execute(async (tx) => {
    const t = await tx.selectFrom('tenants').selectAll().where('id', '=', tenantId).forUpdate().executeTakeFirst();
    if (!t) return null;
    const audit: { action: string; details: { from: string; to: string } }[] = [];
    if (change.status !== undefined && change.status !== t.status) {
      if (!canMove(t.status, change.status)) throw new TenantChangeRefused(refusal(t.status, change.status));
      audit.push({ action: 'tenant.status_changed', details: { from: t.status, to: change.status } });
    }
    if (change.name !== undefined && change.name !== t.name) {
      audit.push({ action: 'tenant.renamed', details: { from: t.name, to: change.name } });
    }
    if (audit.length === 0) return t;
    const updated = await tx
      .updateTable('tenants')
      .set({
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.status !== undefined ? { status: change.status } : {}),
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', t.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('audit_log')
      .values(
        audit.map((a) => ({
          workspace_id: t.workspace_id,
          tenant_id: t.id,
          actor_user_id: actorUserId,
          action: a.action,
          details: JSON.stringify(a.details),
        })),
      )
      .execute();
    return updated;
  });
}
