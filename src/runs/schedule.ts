// Scheduled starts go through the same gate as clicks (trigger "scheduled", no initiator):
// same reasons, same monitoring, no toast and no notification.
import type { Db } from '../db/connect.ts';
import { start } from '../gate/start.ts';
import type { StartResult } from '../gate/result.ts';

export const SCHEDULE_TASKS = { nightlyInventory: 'opsgate_schedule_inventory' } as const;

export async function scheduledInventorySync(db: Db): Promise<StartResult[]> {
  const tenants = await db.selectFrom('tenants').select('id').where('status', '=', 'active').orderBy('slug').execute();
  const results: StartResult[] = [];
  for (const t of tenants) {
    results.push(await start(db, { type: 'inventory.sync', tenantId: t.id, trigger: 'scheduled', initiatorUserId: null }));
  }
  return results;
}
