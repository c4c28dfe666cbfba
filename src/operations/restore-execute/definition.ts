import type { OperationDefinition } from '../definition.ts';
import { PERMISSIONS } from '../permissions.ts';

export const restoreExecute: OperationDefinition = {
  type: 'restore.execute',
  action: 'Execute restore',
  title: 'Restore',
  capability: 'restore.execute',
  dedupe: 'restore_run',
  requiredPermissions: PERMISSIONS.restore,
  refreshesReadiness: false,
  allowedDuringOnboarding: false,
  bootstrap: false,
};
