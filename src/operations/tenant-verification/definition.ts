import type { OperationDefinition } from '../definition.ts';

export const tenantVerification: OperationDefinition = {
  type: 'tenant.verification',
  action: 'Verify tenant',
  title: 'Tenant verification',
  capability: 'tenant.verify',
  dedupe: 'tenant_connection',
  requiredPermissions: [],
  refreshesReadiness: true,
  allowedDuringOnboarding: false,
  bootstrap: false,
};
