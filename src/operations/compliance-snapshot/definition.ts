import type { OperationDefinition } from '../definition.ts';
import { PERMISSIONS } from '../permissions.ts';

export const complianceSnapshot: OperationDefinition = {
  type: 'compliance.snapshot',
  action: 'Take compliance snapshot',
  title: 'Compliance snapshot',
  capability: 'compliance.snapshot',
  dedupe: 'tenant',
  requiredPermissions: PERMISSIONS.compliance,
  refreshesReadiness: false,
  allowedDuringOnboarding: true,
  bootstrap: true,
};
