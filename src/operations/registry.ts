// The one list of covered operations. A new operation is one folder beside this file plus
// one line here; the gate, presenter, worker and tests pick it up from this list.
import type { OperationDefinition, OperationType } from './definition.ts';
import { backupCapture } from './backup-capture/definition.ts';
import { complianceSnapshot } from './compliance-snapshot/definition.ts';
import { directoryRoleDefinitionsSync } from './directory-role-definitions-sync/definition.ts';
import { entraGroupSync } from './entra-group-sync/definition.ts';
import { inventorySync } from './inventory-sync/definition.ts';
import { onboardingVerification } from './onboarding-verification/definition.ts';
import { providerConnectionCheck } from './provider-connection-check/definition.ts';
import { restoreExecute } from './restore-execute/definition.ts';
import { tenantVerification } from './tenant-verification/definition.ts';

// A Record keyed by every type: adding a type to OPERATION_TYPES without a definition
// (or the reverse) fails the typecheck.
export const REGISTRY: Record<OperationType, OperationDefinition> = {
  'tenant.verification': tenantVerification,
  'provider_connection.check': providerConnectionCheck,
  'inventory.sync': inventorySync,
  'compliance.snapshot': complianceSnapshot,
  'restore.execute': restoreExecute,
  entra_group_sync: entraGroupSync,
  'directory_role_definitions.sync': directoryRoleDefinitionsSync,
  'onboarding.verification': onboardingVerification,
  'backup.capture': backupCapture,
};

export function getDefinition(type: OperationType): OperationDefinition {
  return REGISTRY[type];
}

export const DEFINITIONS: readonly OperationDefinition[] = Object.values(REGISTRY);
