// Shapes of the members and invitations API (docs/API.md "Setup, workspaces, members and invitations"), and the
// words the console uses for roles.
import type { Member, OpenInvitation, Role } from './types.ts';

/** Who an invitation grants: every tenant ("all", also tenants added later) or the tenants named by slug. */
export type TenantsGrant = OpenInvitation['tenants'];

export const ROLE_OPTIONS: { value: Role; label: string; hint: string }[] = [
  { value: 'owner', label: 'Owner', hint: 'everything, including members' },
  { value: 'manager', label: 'Manager', hint: 'connections, onboarding, restores' },
  { value: 'operator', label: 'Operator', hint: 'verify, sync, snapshots' },
  { value: 'readonly', label: 'Read-only', hint: 'sees, starts nothing' },
];

export const roleLabel = (r: Role) => ROLE_OPTIONS.find((o) => o.value === r)?.label ?? r;

export function tenantsLabel(t: TenantsGrant | Member['tenants']): string {
  if (t === 'all') return 'All tenants';
  if (!t.length) return 'No tenants';
  return t.map((x) => (typeof x === 'string' ? x : x.slug)).join(', ');
}
