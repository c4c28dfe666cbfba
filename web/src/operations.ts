// What the console needs to know about operation types: the button label (verb + object,
// the registry's `action`), the noun for headings (the registry's `title`) and the capability.
// The registry itself carries server-side jobs, so it cannot be bundled; this table mirrors
// it and test/browser/labels.test.ts fails if the two ever disagree.
import type { Capability, OperationType } from './types.ts';
import { PERMISSIONS, type Feature } from '../../src/operations/permissions.ts';

export interface OperationInfo {
  action: string;
  title: string;
  capability: Capability;
}

export const OPERATIONS: Record<OperationType, OperationInfo> = {
  'tenant.verification': { action: 'Verify tenant', title: 'Tenant verification', capability: 'tenant.verify' },
  'provider_connection.check': { action: 'Check connection', title: 'Connection check', capability: 'provider_connection.run_checks' },
  'inventory.sync': { action: 'Sync inventory', title: 'Inventory sync', capability: 'inventory.sync' },
  'compliance.snapshot': { action: 'Take compliance snapshot', title: 'Compliance snapshot', capability: 'compliance.snapshot' },
  'restore.execute': { action: 'Execute restore', title: 'Restore', capability: 'restore.execute' },
  entra_group_sync: { action: 'Sync groups', title: 'Group sync', capability: 'directory.sync' },
  'directory_role_definitions.sync': { action: 'Sync role definitions', title: 'Role definitions sync', capability: 'directory.sync' },
  'onboarding.verification': { action: 'Verify connection', title: 'Onboarding verification', capability: 'onboarding.manage' },
  'backup.capture': { action: 'Capture backup', title: 'Backup capture', capability: 'restore.execute' },
};

export const OPERATION_TYPES = Object.keys(OPERATIONS) as OperationType[];

/** Types an onboarding wizard may bootstrap (the registry's `bootstrap: true`). */
export const BOOTSTRAP_TYPES: OperationType[] = ['inventory.sync', 'compliance.snapshot', 'entra_group_sync', 'directory_role_definitions.sync'];

export function operationTitle(type: string): string {
  return (OPERATIONS as Record<string, OperationInfo | undefined>)[type]?.title ?? type;
}

export function operationAction(type: string): string {
  return (OPERATIONS as Record<string, OperationInfo | undefined>)[type]?.action ?? type;
}

/** Features of the verification report, each with the Graph permissions it needs. */
export const FEATURES: { key: Feature; label: string; permissions: readonly string[] }[] = [
  { key: 'inventory', label: 'Inventory sync', permissions: PERMISSIONS.inventory },
  { key: 'compliance', label: 'Compliance snapshot', permissions: PERMISSIONS.compliance },
  { key: 'restore', label: 'Restore', permissions: PERMISSIONS.restore },
  { key: 'backup', label: 'Backup capture', permissions: PERMISSIONS.backup },
  { key: 'groups', label: 'Group sync', permissions: PERMISSIONS.groups },
  { key: 'roleDefinitions', label: 'Role definitions sync', permissions: PERMISSIONS.roleDefinitions },
];

export { grants } from '../../src/operations/permissions.ts';
