// Roles grant capabilities. This table is the single source: authorization checks and the
// 404/403 matrix test are both generated from it.
import { ROLES, type Role } from '../vocabulary.ts';

export const CAPABILITIES = [
  'tenant.view',
  'tenant.verify',
  'provider_connection.run_checks',
  'provider_connection.manage',
  'inventory.sync',
  'compliance.snapshot',
  'directory.sync',
  'restore.execute',
  'onboarding.manage',
  // Added for running it for a real MSP (docs/ACCESS.md). Workspace-wide capabilities are held
  // through a role on the workspace's tenants; owner-only ones are listed explicitly below.
  'tenant.manage',
  'workspace.manage_members',
  'audit.view',
  'schedule.manage',
  'bulk.start',
  // Cancel anyone's run on the tenant; everybody may cancel the runs they started themselves.
  'run.cancel',
  // Webhooks send every tenant's runs and attention items to an outside URL, whatever tenants
  // their creator holds: owner only, like members (an owner can grant themselves any tenant).
  'webhook.manage',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export { ROLES } from '../vocabulary.ts';

const ALL: readonly Capability[] = CAPABILITIES;
const OWNER_ONLY: readonly Capability[] = ['tenant.manage', 'workspace.manage_members', 'webhook.manage'];
export const ROLE_CAPABILITIES: Record<Role, readonly Capability[]> = {
  owner: ALL,
  manager: ALL.filter((c) => !OWNER_ONLY.includes(c)),
  operator: ['tenant.view', 'tenant.verify', 'provider_connection.run_checks', 'inventory.sync', 'compliance.snapshot', 'directory.sync', 'bulk.start'],
  readonly: ['tenant.view'],
};

export function roleHas(role: Role, capability: Capability): boolean {
  return ROLE_CAPABILITIES[role].includes(capability);
}

/** Who may do it, for next steps a user cannot take themselves ("ask an owner or manager"). */
export function rolesWith(capability: Capability): Role[] {
  return ROLES.filter((r) => roleHas(r, capability));
}
