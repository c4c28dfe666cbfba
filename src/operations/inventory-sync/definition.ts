import type { OperationDefinition } from '../definition.ts';
import { PERMISSIONS } from '../permissions.ts';

export const inventorySync: OperationDefinition = {
  type: 'inventory.sync',
  action: 'Sync inventory',
  title: 'Inventory sync',
  capability: 'inventory.sync',
  dedupe: 'tenant',
  requiredPermissions: PERMISSIONS.inventory,
  refreshesReadiness: false,
  allowedDuringOnboarding: true,
  bootstrap: true,
};
