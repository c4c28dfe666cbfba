// A separate OS process that ticks the schedule firer as fast as it can for a while, for the
// "exactly one process fires" test. argv: databaseUrl startAtMs durationMs
import { connectDatabase } from '../../src/db/connect.ts';
import { fireDueSchedules } from '../../src/schedules/fire.ts';

const [url, startAt, duration] = process.argv.slice(2);
const database = connectDatabase(url!, { max: 4 });
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const fired: string[] = [];
const until = Date.now() + Number(duration);
while (Date.now() < until) fired.push(...(await fireDueSchedules(database.db, `child-${process.pid}`)));
process.stdout.write(JSON.stringify(fired));
await database.close();
