// Graph application permissions each feature needs. Kept apart from the definitions so the
// verification job can report every feature's readiness without importing the registry.
export const PERMISSIONS = {
  inventory: ['DeviceManagementConfiguration.Read.All', 'DeviceManagementManagedDevices.Read.All'],
  compliance: ['DeviceManagementConfiguration.Read.All'],
  restore: ['DeviceManagementConfiguration.ReadWrite.All'],
  backup: ['DeviceManagementConfiguration.Read.All'],
  groups: ['Group.Read.All'],
  roleDefinitions: ['RoleManagement.Read.Directory'],
} as const satisfies Record<string, readonly string[]>;

export type Feature = keyof typeof PERMISSIONS;

/** Every permission any feature needs, for the verification report. */
export const ALL_PERMISSIONS: readonly string[] = [...new Set(Object.values(PERMISSIONS).flat())].sort();

// One rule for "is this permission granted", shared with the provider client: ReadWrite
// satisfies Read, compared case-insensitively as Entra does.
export { hasPermission as grants, missingPermissions } from '../provider/types.ts';
