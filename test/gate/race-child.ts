// A separate OS process that fires admissions at a shared start time, for the race test.
// argv: databaseUrl tenantId initiatorId startAtMs clients connectionIds types mode
//   connectionIds, types: comma-separated; client i starts types[i % types.length]
//   mode 'round': one round per connection, every client on it (races for one scope)
//   mode 'spread': one round, client i on connectionIds[i % n] (races for one tenant-wide identity)
import { connectDatabase } from '../../src/db/connect.ts';
import { start } from '../../src/gate/start.ts';
import type { OperationType } from '../../src/operations/definition.ts';

const [url, tenantId, initiatorId, startAt, clientsArg, connectionsArg, typesArg, mode] = process.argv.slice(2);
const clients = Number(clientsArg);
const connectionIds = connectionsArg!.split(',');
const database = connectDatabase(url!, { max: clients });
const types = typesArg!.split(',') as OperationType[];
const rounds = mode === 'spread' ? [null] : connectionIds;

// Open every connection before the shared instant, so the race is about admission, not connecting.
await Promise.all(Array.from({ length: clients }, async () => (await database.pool.connect()).release()));
const outcomes: string[][] = [];
for (const [round, roundConnection] of rounds.entries()) {
  const at = Number(startAt) + round * 300;
  await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
  const results = await Promise.all(
    Array.from({ length: clients }, (_, i) => {
      const providerConnectionId = roundConnection ?? connectionIds[i % connectionIds.length]!;
      const type = types[i % types.length]!;
      return start(database.db, { type, tenantId: tenantId!, trigger: 'operator', initiatorUserId: initiatorId!, providerConnectionId }).then((r) => r.outcome);
    }),
  );
  outcomes.push(results);
}
process.stdout.write(JSON.stringify(outcomes));
await database.close();
