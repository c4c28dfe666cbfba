import type { OperationDefinition } from '../definition.ts';
import { PERMISSIONS } from '../permissions.ts';

export const entraGroupSync: OperationDefinition = {
  type: 'entra_group_sync',
  action: 'Sync groups',
  title: 'Group sync',
  capability: 'directory.sync',
  dedupe: 'tenant',
  requiredPermissions: PERMISSIONS.groups,
  refreshesReadiness: false,
  allowedDuringOnboarding: true,
  bootstrap: true,
};
