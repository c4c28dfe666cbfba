// What the console needs to know about operation types: the button label (verb + object, the
// registry's `action`), the noun for headings (the registry's `title`) and the capability —
// read from the server's registry itself (definitions are plain data; the jobs live apart in
// src/operations/jobs.ts), so the two cannot disagree.
import { REGISTRY } from '../../src/operations/registry.ts';
import type { Capability, OperationType } from './types.ts';
import { PERMISSIONS, type Feature } from '../../src/operations/permissions.ts';

export interface OperationInfo {
  action: string;
  title: string;
  capability: Capability;
}

export const OPERATIONS: Record<OperationType, OperationInfo> = Object.fromEntries(
  Object.values(REGISTRY).map((d) => [d.type, { action: d.action, title: d.title, capability: d.capability }]),
) as Record<OperationType, OperationInfo>;

export const OPERATION_TYPES = Object.keys(OPERATIONS) as OperationType[];

/** Types an onboarding wizard may bootstrap (the registry's `bootstrap: true`). */
export const BOOTSTRAP_TYPES: OperationType[] = Object.values(REGISTRY)
  .filter((d) => d.bootstrap)
  .map((d) => d.type);

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
