import type { OperationDefinition } from '../definition.ts';
import { PERMISSIONS } from '../permissions.ts';
import { syncInventory } from './job.ts';

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
  job: syncInventory,
};
