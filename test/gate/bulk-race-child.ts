// A separate OS process for the bulk race test: at a shared instant, either one bulk start of
// the given tenants or one single start per tenant (clients at once), printing the outcomes.
// argv: databaseUrl initiatorId startAtMs mode(bulk|single) type tenantIds(comma-separated) clients
import { connectDatabase } from '../../src/db/connect.ts';
import { start } from '../../src/gate/start.ts';
import { startMany } from '../../src/gate/start-many.ts';
import type { OperationType } from '../../src/operations/definition.ts';

const [url, initiatorId, startAt, mode, type, tenantsArg, clientsArg] = process.argv.slice(2);
const tenantIds = tenantsArg!.split(',');
const clients = Number(clientsArg ?? '8');
const database = connectDatabase(url!, { max: clients });
await Promise.all(Array.from({ length: clients }, async () => (await database.pool.connect()).release()));
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const common = { type: type as OperationType, trigger: 'operator' as const, initiatorUserId: initiatorId! };
let outcomes: { tenantId: string; outcome: string }[];
if (mode === 'bulk') {
  const results = await startMany(database.db, { ...common, tenantIds });
  outcomes = results.map((r) => ({ tenantId: r.tenantId, outcome: r.outcome }));
} else {
  outcomes = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < tenantIds.length) {
        const tenantId = tenantIds[next++]!;
        const r = await start(database.db, { ...common, tenantId });
        outcomes.push({ tenantId, outcome: r.outcome });
      }
    }),
  );
}
process.stdout.write(JSON.stringify(outcomes));
await database.close();
