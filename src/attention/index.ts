// Needs attention: read the facts of a workspace's tenants (facts.ts), derive the items with
// the gate's readiness (items.ts), order them, and present them for a viewer with the same
// next-step rules as every start answer (a step the viewer cannot take is a hint, not a link).
import type { DbOrTx } from '../db/connect.ts';
import type { Role } from '../db/schema.ts';
import { presentSteps, type PresentedStep } from '../presenter/next-steps.ts';
import { readAttentionFacts, type AttentionScope } from './facts.ts';
import { attentionItems, COVERED_PERMISSIONS, type AttentionItem, type Severity } from './items.ts';

export type { AttentionItem, Severity } from './items.ts';

export interface AttentionView {
  /** null for an item about a workspace app and every tenant on it (`appRegistration`). */
  tenant: { slug: string; name: string } | null;
  providerConnection: { id: string; name: string } | null;
  appRegistration: { id: string; name: string; tenantCount: number } | null;
  code: string;
  severity: Severity;
  message: string;
  nextSteps: PresentedStep[];
  since: string;
}

export interface AttentionOptions {
  expiryWarningDays: number;
  now?: Date;
}

/** Critical first, then the oldest; ties in a stable order (tenant, connection, code). */
export function compareItems(a: AttentionItem, b: AttentionItem): number {
  if (a.severity !== b.severity) return a.severity === 'critical' ? -1 : 1;
  return (
    a.since.getTime() - b.since.getTime() ||
    (a.tenant?.slug ?? '').localeCompare(b.tenant?.slug ?? '') ||
    (a.providerConnection?.name ?? '').localeCompare(b.providerConnection?.name ?? '') ||
    a.code.localeCompare(b.code)
  );
}

/**
 * Every item of the scope, sorted, with the viewer's role on each item's tenant; for an item
 * about a workspace app, their role on the workspace (apps are managed there).
 */
export async function findAttention(db: DbOrTx, scope: AttentionScope, opts: AttentionOptions): Promise<{ item: AttentionItem; viewerRole: Role | null }[]> {
  const now = opts.now ?? new Date();
  const tenants = await readAttentionFacts(db, scope, {
    kind: 'candidates',
    now,
    expiryWarningDays: opts.expiryWarningDays,
    coveredPermissions: COVERED_PERMISSIONS,
  });
  const roles = new Map(tenants.map((t) => [t.id, t.viewerRole]));
  const items = attentionItems(tenants, { now, expiryWarningDays: opts.expiryWarningDays }).sort(compareItems);
  const workspaceRole =
    scope.userId && items.some((i) => i.tenant === null)
      ? ((
          await db
            .selectFrom('workspace_members')
            .select('role')
            .where('workspace_id', '=', scope.workspaceId)
            .where('user_id', '=', scope.userId)
            .executeTakeFirst()
        )?.role ?? null)
      : null;
  return items.map((item) => ({ item, viewerRole: item.tenant ? (roles.get(item.tenant.id) ?? null) : workspaceRole }));
}

export function presentAttention(item: AttentionItem, viewerRole: Role | null): AttentionView {
  return {
    tenant: item.tenant ? { slug: item.tenant.slug, name: item.tenant.name } : null,
    providerConnection: item.providerConnection,
    appRegistration: item.appRegistration,
    code: item.code,
    severity: item.severity,
    message: item.message,
    nextSteps: presentSteps(item.nextSteps, viewerRole),
    since: item.since.toISOString(),
  };
}
