import type { OperationDefinition } from '../definition.ts';
import { PERMISSIONS } from '../permissions.ts';

export const backupCapture: OperationDefinition = {
  type: 'backup.capture',
  action: 'Capture backup',
  title: 'Backup capture',
  // Backups exist to be restored: whoever may restore may take the snapshot it restores from.
  capability: 'restore.execute',
  // It writes the tenant's own records: a second capture on another connection is the same work.
  dedupe: 'tenant',
  requiredPermissions: PERMISSIONS.backup,
  refreshesReadiness: false,
  allowedDuringOnboarding: false,
  bootstrap: false,
};
