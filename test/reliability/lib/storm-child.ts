// One OS process of a contended storm: `clients` concurrent callers fire start() at a few
// shared scopes until this process has made `starts` starts; a simulated worker ends each
// accepted run (running, then completed) after a short random hold, so scopes keep cycling
// between free and held. The queue's jobs are left in place, so that afterwards every
// admitted run can be matched to exactly one job.
// argv[2]: JSON StormChildInput. Writes a StormChildResult as JSON to input.out.
import fs from 'node:fs';
import { connectDatabase } from '../../../src/db/connect.ts';
import { start } from '../../../src/gate/start.ts';
import type { Outcome } from '../../../src/gate/result.ts';
import type { OperationType } from '../../../src/operations/definition.ts';
import { complete, markRunning } from '../../../src/runs/run-service.ts';

export interface StormChildInput {
  url: string;
  startAt: number;
  clients: number;
  starts: number;
  scopes: { tenantId: string; connectionId: string }[];
  blocked: { tenantId: string; connectionId: string };
  /** Share of starts aimed at the blocked scope. */
  blockedShare: number;
  initiatorId: string;
  holdMs: [number, number];
  out: string;
}

export interface StormChildResult {
  pid: number;
  outcomes: Record<Outcome, number>;
  accepted: string[];
  errors: number;
  firstError: string | null;
  completionErrors: number;
  elapsedMs: number;
}

const TYPES: OperationType[] = ['inventory.sync', 'compliance.snapshot', 'entra_group_sync'];

const input = JSON.parse(process.argv[2]!) as StormChildInput;
const database = connectDatabase(input.url, { max: input.clients + 4, applicationName: 'rel-storm' });
const owner = `storm:${process.pid}`;
await Promise.all(Array.from({ length: input.clients + 4 }, async () => (await database.pool.connect()).release()));

const outcomes: Record<Outcome, number> = { accepted: 0, deduped: 0, scope_busy: 0, blocked: 0 };
const accepted: string[] = [];
let errors = 0;
let completionErrors = 0;
let firstError: string | null = null;
let issued = 0;
const completions: Promise<void>[] = [];
const rand = (a: number, b: number) => a + Math.random() * (b - a);

async function finish(runId: string): Promise<void> {
  await new Promise((r) => setTimeout(r, rand(...input.holdMs)));
  try {
    const run = await markRunning(database.db, runId, owner, 30);
    if (!run) throw new Error(`run ${runId} was not queued`);
    const done = await complete(database.db, runId, owner, { outcome: 'succeeded', summaryCounts: {}, reasonCode: null, reasonParams: {} });
    if (!done) throw new Error(`run ${runId} was not running`);
  } catch (err) {
    completionErrors++;
    firstError ??= `completion: ${(err as Error).message}`;
  }
}

await new Promise((r) => setTimeout(r, Math.max(0, input.startAt - Date.now())));
const t0 = Date.now();
await Promise.all(
  Array.from({ length: input.clients }, async () => {
    while (issued < input.starts) {
      issued++;
      const blocked = Math.random() < input.blockedShare;
      const scope = blocked ? input.blocked : input.scopes[Math.floor(Math.random() * input.scopes.length)]!;
      const type = TYPES[Math.floor(Math.random() * TYPES.length)]!;
      try {
        const r = await start(database.db, {
          type,
          tenantId: scope.tenantId,
          trigger: 'operator',
          initiatorUserId: input.initiatorId,
          providerConnectionId: scope.connectionId,
        });
        outcomes[r.outcome]++;
        if (r.outcome === 'accepted') {
          accepted.push(r.run.id);
          completions.push(finish(r.run.id));
        }
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
    }
  }),
);
await Promise.all(completions);
const result: StormChildResult = { pid: process.pid, outcomes, accepted, errors, firstError, completionErrors, elapsedMs: Date.now() - t0 };
fs.writeFileSync(input.out, JSON.stringify(result));
await database.close();
