// Contended starts from several OS processes at once, then every invariant of the gate.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Db } from '../../../src/db/connect.ts';
import type { Outcome } from '../../../src/gate/result.ts';
import { nodeBin } from '../../helpers/node.ts';
import type { StormWorld } from './fixtures.ts';
import { checkInvariants, checkOverlaps, installTimeline, sampleActivePerScope, type Invariants, type Overlaps } from './invariants.ts';
import type { StormChildInput, StormChildResult } from './storm-child.ts';

const run = promisify(execFile);

export interface StormOptions {
  db: Db;
  url: string;
  world: StormWorld;
  processes: number;
  totalStarts: number;
  clientsPerProcess: number;
  holdMs?: [number, number];
  blockedShare?: number;
  timeoutMs?: number;
}

export interface StormReport {
  starts: number;
  outcomes: Record<Outcome, number>;
  acceptedAnswers: number;
  distinctAcceptedRuns: number;
  errors: number;
  completionErrors: number;
  firstError: string | null;
  elapsedMs: number;
  startsPerSecond: number;
  sampledMaxActivePerScope: number;
  samples: number;
  invariants: Invariants;
  overlaps: Overlaps;
  /** Accepted answers whose run id is not an admitted run in the database. */
  acceptedNotInDb: number;
}

export async function runStorm(o: StormOptions): Promise<StormReport> {
  await installTimeline(o.db);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-storm-'));
  const child = path.join(import.meta.dirname, 'storm-child.ts');
  const per = Math.ceil(o.totalStarts / o.processes);
  const startAt = Date.now() + 1500 + 250 * o.processes;
  const observer = new pg.Client(o.url);
  await observer.connect();
  const sampler = sampleActivePerScope(observer);
  try {
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: o.processes }, (_, i) => {
        const input: StormChildInput = {
          url: o.url,
          startAt,
          clients: o.clientsPerProcess,
          starts: per,
          scopes: o.world.scopes.map((s) => ({ tenantId: s.tenantId, connectionId: s.connectionId })),
          blocked: o.world.blocked,
          blockedShare: o.blockedShare ?? 0.03,
          initiatorId: o.world.operatorId,
          holdMs: o.holdMs ?? [0, 8],
          out: path.join(dir, `child-${i}.json`),
        };
        return run(nodeBin(), [child, JSON.stringify(input)], { timeout: o.timeoutMs ?? 600_000, maxBuffer: 16 * 1024 * 1024 });
      }),
    );
    const elapsedMs = Date.now() - Math.max(t0, startAt);
    const { max, samples } = await sampler.stop();
    const results = Array.from({ length: o.processes }, (_, i) => JSON.parse(fs.readFileSync(path.join(dir, `child-${i}.json`), 'utf8')) as StormChildResult);
    const outcomes: Record<Outcome, number> = { accepted: 0, deduped: 0, scope_busy: 0, blocked: 0 };
    for (const r of results) for (const k of Object.keys(outcomes) as Outcome[]) outcomes[k] += r.outcomes[k];
    const accepted = results.flatMap((r) => r.accepted);
    const admittedIds = new Set((await observer.query<{ id: string }>(`select id from operation_runs where outcome <> 'blocked'`)).rows.map((r) => r.id));
    const starts = Object.values(outcomes).reduce((a, b) => a + b, 0);
    return {
      starts,
      outcomes,
      acceptedAnswers: accepted.length,
      distinctAcceptedRuns: new Set(accepted).size,
      errors: results.reduce((a, r) => a + r.errors, 0),
      completionErrors: results.reduce((a, r) => a + r.completionErrors, 0),
      firstError: results.find((r) => r.firstError)?.firstError ?? null,
      elapsedMs,
      startsPerSecond: Math.round((starts / Math.max(1, elapsedMs)) * 1000),
      sampledMaxActivePerScope: max,
      samples,
      invariants: await checkInvariants(o.db),
      overlaps: await checkOverlaps(o.db),
      acceptedNotInDb: accepted.filter((id) => !admittedIds.has(id)).length,
    };
  } finally {
    await sampler.stop().catch(() => undefined);
    await observer.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The assertions shared by the short and the long storm. */
export function stormViolations(r: StormReport, expectedStarts: number): string[] {
  const v: string[] = [];
  const inv = r.invariants;
  if (r.starts < expectedStarts) v.push(`only ${r.starts} of ${expectedStarts} starts answered`);
  if (r.errors) v.push(`${r.errors} start errors (${r.firstError})`);
  if (r.completionErrors) v.push(`${r.completionErrors} completion errors (${r.firstError})`);
  if (r.distinctAcceptedRuns !== r.acceptedAnswers) v.push('one run id answered "accepted" twice');
  if (r.acceptedNotInDb) v.push(`${r.acceptedNotInDb} accepted answers without an admitted run`);
  if (inv.admitted !== r.acceptedAnswers) v.push(`admitted runs ${inv.admitted} ≠ accepted answers ${r.acceptedAnswers}`);
  if (r.overlaps.scopeOverlaps) v.push(`${r.overlaps.scopeOverlaps} double admissions on a scope`);
  if (r.overlaps.identityOverlaps) v.push(`${r.overlaps.identityOverlaps} double admissions of one identity`);
  if (r.overlaps.runsOnTimeline !== inv.admitted) v.push(`timeline ${r.overlaps.runsOnTimeline} ≠ admitted ${inv.admitted}`);
  if (r.sampledMaxActivePerScope > 1) v.push(`sampled ${r.sampledMaxActivePerScope} active runs on one scope`);
  if (inv.maxActivePerScope > 1 || inv.maxActivePerIdentity > 1) v.push('more than one active run per scope/identity at the end');
  if (inv.admittedWithoutJob) v.push(`${inv.admittedWithoutJob} runs without a job`);
  if (inv.jobsWithoutRun) v.push(`${inv.jobsWithoutRun} jobs without a run`);
  if (inv.jobs !== inv.admitted) v.push(`jobs ${inv.jobs} ≠ admitted runs ${inv.admitted}`);
  if (inv.jobTypeMismatch) v.push(`${inv.jobTypeMismatch} jobs of the wrong task`);
  if (inv.blockedWithJob) v.push(`${inv.blockedWithJob} blocked runs with a job`);
  if (inv.auditStarts !== r.starts) v.push(`audit rows ${inv.auditStarts} ≠ starts ${r.starts}`);
  if (inv.auditAccepted !== inv.admitted || inv.admittedWithoutAudit) v.push('accepted audit rows do not match admitted runs');
  if (inv.active) v.push(`${inv.active} runs still active after every completion`);
  return v;
}
