// A separate OS process that fires admissions at a shared start time, for the race test.
// argv: databaseUrl tenantId initiatorId startAtMs clients connectionIds(comma-separated, one per round)
import { connectDatabase } from '../../src/db/connect.ts';
import { start } from '../../src/gate/start.ts';
import type { OperationType } from '../../src/operations/definition.ts';

const [url, tenantId, initiatorId, startAt, clientsArg, connectionsArg] = process.argv.slice(2);
const clients = Number(clientsArg);
const connectionIds = connectionsArg!.split(',');
const database = connectDatabase(url!, { max: clients });
const types: OperationType[] = ['inventory.sync', 'compliance.snapshot'];

// Open every connection before the shared instant, so the race is about admission, not connecting.
await Promise.all(Array.from({ length: clients }, async () => (await database.pool.connect()).release()));
const outcomes: string[][] = [];
for (const [round, providerConnectionId] of connectionIds.entries()) {
  const at = Number(startAt) + round * 300;
  await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
  const results = await Promise.all(
    Array.from({ length: clients }, (_, i) =>
      start(database.db, { type: types[i % 2]!, tenantId: tenantId!, trigger: 'operator', initiatorUserId: initiatorId!, providerConnectionId }).then((r) => r.outcome),
    ),
  );
  outcomes.push(results);
}
process.stdout.write(JSON.stringify(outcomes));
await database.close();
