import type { OperationDefinition } from '../definition.ts';
import { PERMISSIONS } from '../permissions.ts';

export const directoryRoleDefinitionsSync: OperationDefinition = {
  type: 'directory_role_definitions.sync',
  action: 'Sync role definitions',
  title: 'Role definitions sync',
  capability: 'directory.sync',
  dedupe: 'tenant',
  requiredPermissions: PERMISSIONS.roleDefinitions,
  refreshesReadiness: false,
  allowedDuringOnboarding: true,
  bootstrap: true,
};
