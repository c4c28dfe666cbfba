// Graph application permissions each feature needs. Kept apart from the definitions so the
// verification job can report every feature's readiness without importing the registry.
export const PERMISSIONS = {
  inventory: ['DeviceManagementConfiguration.Read.All', 'DeviceManagementManagedDevices.Read.All'],
  compliance: ['DeviceManagementConfiguration.Read.All'],
  restore: ['DeviceManagementConfiguration.ReadWrite.All'],
  groups: ['Group.Read.All'],
  roleDefinitions: ['RoleManagement.Read.Directory'],
} as const satisfies Record<string, readonly string[]>;

export type Feature = keyof typeof PERMISSIONS;

/** Every permission any feature needs, for the verification report. */
export const ALL_PERMISSIONS: readonly string[] = [...new Set(Object.values(PERMISSIONS).flat())].sort();

/** "X.ReadWrite.All" satisfies "X.Read.All"; "X.ReadWrite.Directory" satisfies "X.Read.Directory". */
export function grants(granted: readonly string[], needed: string): boolean {
  if (granted.includes(needed)) return true;
  const wider = needed.replace(/\.Read\./, '.ReadWrite.');
  return wider !== needed && granted.includes(wider);
}

export function missingPermissions(granted: readonly string[], needed: readonly string[]): string[] {
  return needed.filter((p) => !grants(granted, p));
}
