// Worker processes SIGKILLed mid-run while starts keep arriving. Every run must end in a
// terminal state, the runs a dead worker held must end execution_interrupted within one lease
// (+ one sweep), their scopes must be admitted again, and nothing may be lost: every accepted
// answer is a run that completed, every job belongs to a run.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { start } from '../../../src/gate/start.ts';
import type { Outcome } from '../../../src/gate/result.ts';
import type { OperationType } from '../../../src/operations/definition.ts';
import { ALL_PERMISSIONS } from '../../../src/operations/permissions.ts';
import { SANDBOX_TLS_FILES, startSandboxCloud, type SandboxCloud } from '../../../sandbox/index.ts';
import { DEMO_WORKSPACES } from '../../../src/seed/demo-fixture.ts';
import { registerDemoInSandbox } from '../../../src/seed/sandbox-demo.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { nodeBin } from '../../helpers/node.ts';
import { seedDemoData, testBox, userByEmail } from '../../helpers/seed.ts';
import { createScopes, type Scope } from './fixtures.ts';
import { checkInvariants, type Invariants } from './invariants.ts';

export interface KillOptions {
  scopes: number;
  workers: number;
  concurrency: number;
  leaseSeconds: number;
  loadMs: number;
  /** Kill a worker (one holding a running run) this often; a replacement starts 500 ms later. */
  killEveryMs: number;
  /** Latency of every sandbox request for the tenant, so runs are surely mid-flight. */
  latencyMs: number;
  startIntervalMs: number;
}

export interface Kill {
  pid: number;
  at: Date;
  held: string[];
}

export interface KillReport {
  starts: number;
  outcomes: Record<Outcome, number>;
  errors: number;
  firstError: string | null;
  kills: Kill[];
  runs: { total: number; byOutcome: Record<string, number> };
  /** Per killed run: seconds from the kill to its execution_interrupted completion. */
  recoverySeconds: number[];
  heldRunsNotInterrupted: string[];
  interruptedNotHeldByKilled: string[];
  /** Scopes of killed runs that were admitted again afterwards (at the end, if not before). */
  scopesReadmitted: number;
  scopesOfKilledRuns: number;
  activeAfterDrain: number;
  drainSeconds: number;
  acceptedAnswers: number;
  invariants: Invariants;
  /** Jobs still in the queue whose run is not completed. */
  jobsOfUnfinishedRuns: number;
  /** Jobs still in the queue (left locked by killed workers: graphile's 4-hour lock). */
  jobsLeft: number;
}

export async function runWorkerKill(o: KillOptions): Promise<KillReport> {
  const tdb: TestDatabase = await createTestDatabase({ max: 8 });
  const sandboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-kill-sbx-'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-kill-data-'));
  let sandbox: SandboxCloud | null = null;
  const children = new Set<ChildProcess>();
  try {
    const { db } = tdb;
    await seedDemoData(db);
    sandbox = await startSandboxCloud({ dir: sandboxDir, port: 0, latencyMs: 0 });
    registerDemoInSandbox(sandbox.state);
    const northwind = DEMO_WORKSPACES[0]!.tenants.find((t) => t.slug === 'northwind')!;
    const scopes: Scope[] = await createScopes(db, testBox, 'northwind', o.scopes, 'kill');
    for (const s of scopes) {
      sandbox.state.addApp(northwind.entraTenantId, {
        clientId: s.clientId,
        displayName: `reliability ${s.clientId}`,
        secret: s.secret,
        secretExpiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString(),
        consentGranted: true,
        grantedRoles: [...ALL_PERMISSIONS],
      });
    }
    sandbox.state.setTenantFaults(northwind.entraTenantId, { latencyMs: o.latencyMs });
    const operator = await userByEmail(db, 'operator@contoso.example');

    const env = {
      ...process.env,
      DATABASE_URL: tdb.url,
      OPSGATE_DATA_DIR: dataDir,
      OPSGATE_SANDBOX_URL: sandbox.url,
      OPSGATE_SANDBOX_CA: path.join(sandboxDir, SANDBOX_TLS_FILES.caCert),
      OPSGATE_ENCRYPTION_KEY: crypto.createHash('sha256').update('opsgate-test-key').digest('base64'),
      OPSGATE_LEASE_SECONDS: String(o.leaseSeconds),
      OPSGATE_WORKER_CONCURRENCY: String(o.concurrency),
    };
    const spawnWorker = () => {
      const child = spawn(nodeBin(), [path.resolve('src/cli.ts'), 'worker'], { env, stdio: 'ignore' });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    };
    for (let i = 0; i < o.workers; i++) spawnWorker();

    // Load: a start every startIntervalMs on a random scope, two operation types.
    const outcomes: Record<Outcome, number> = { accepted: 0, deduped: 0, scope_busy: 0, blocked: 0 };
    const accepted: string[] = [];
    let errors = 0;
    let firstError: string | null = null;
    const types: OperationType[] = ['inventory.sync', 'compliance.snapshot'];
    const stopLoading = new AbortController();
    const pending: Promise<void>[] = [];
    const load = (async () => {
      while (!stopLoading.signal.aborted) {
        const scope = scopes[Math.floor(Math.random() * scopes.length)]!;
        pending.push(
          start(db, {
            type: types[Math.floor(Math.random() * 2)]!,
            tenantId: scope.tenantId,
            trigger: 'operator',
            initiatorUserId: operator.id,
            providerConnectionId: scope.connectionId,
          })
            .then((r) => {
              outcomes[r.outcome]++;
              if (r.outcome === 'accepted') accepted.push(r.run.id);
            })
            .catch((err: unknown) => {
              errors++;
              firstError ??= (err as Error).message;
            }),
        );
        await new Promise((r) => setTimeout(r, o.startIntervalMs));
      }
    })();

    // Kills: each time, a worker that holds at least one running run, mid-flight.
    const kills: Kill[] = [];
    const loadEnd = Date.now() + o.loadMs;
    let nextKill = Date.now() + Math.min(o.killEveryMs, o.loadMs / 3);
    // Load for loadMs; on a busy machine, until the first kill has happened and a run has
    // succeeded since (at most 20 s more): when the second worker is slow to boot, the first
    // kill can interrupt every run admitted so far, and a run that completes shows the workers
    // still do the work.
    const succeededSinceKill = async () =>
      kills.length > 0 &&
      !!(await db
        .selectFrom('operation_runs')
        .select('id')
        .where('outcome', '=', 'succeeded')
        .where('completed_at', '>', kills[0]!.at)
        .limit(1)
        .executeTakeFirst());
    while (Date.now() < loadEnd || (Date.now() < loadEnd + 20_000 && !(await succeededSinceKill()))) {
      await new Promise((r) => setTimeout(r, 100));
      // Past loadMs, only the first kill is still awaited: more would interrupt the run awaited.
      if (Date.now() < nextKill || (kills.length > 0 && Date.now() >= loadEnd)) continue;
      for (const child of children) {
        const held = await db
          .selectFrom('operation_runs')
          .select('id')
          .where('status', '=', 'running')
          .where('lease_owner', 'like', `%:${child.pid}:%`)
          .execute();
        if (!held.length) continue;
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        const { rows } = await sql<{ t: Date }>`select clock_timestamp() as t`.execute(db);
        kills.push({ pid: child.pid!, at: rows[0]!.t, held: held.map((h) => h.id) });
        setTimeout(() => spawnWorker(), 500);
        nextKill = Date.now() + o.killEveryMs;
        break;
      }
    }
    stopLoading.abort();
    await load;
    await Promise.all(pending);

    // Drain: every admitted run must reach a terminal state, with the surviving workers only.
    const drainStart = Date.now();
    const drainDeadline = drainStart + 60_000 + o.leaseSeconds * 4000;
    let active = Infinity;
    while (Date.now() < drainDeadline) {
      const r = await db
        .selectFrom('operation_runs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirstOrThrow();
      active = Number(r.n);
      if (active === 0) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    const drainSeconds = (Date.now() - drainStart) / 1000;

    const runs = await db.selectFrom('operation_runs').selectAll().where('outcome', '<>', 'blocked').execute();
    const byOutcome: Record<string, number> = {};
    for (const r of runs) {
      const k = r.reason_code ? `${r.outcome}/${r.reason_code}` : r.outcome;
      byOutcome[k] = (byOutcome[k] ?? 0) + 1;
    }
    const killedPids = new Set(kills.map((k) => k.pid));
    const byId = new Map(runs.map((r) => [r.id, r]));
    const recoverySeconds: number[] = [];
    const heldRunsNotInterrupted: string[] = [];
    const scopesOfKilled = new Set<string>();
    for (const k of kills) {
      for (const id of k.held) {
        const r = byId.get(id)!;
        scopesOfKilled.add(r.provider_connection_id!);
        if (r.reason_code !== 'execution_interrupted' || !r.completed_at) heldRunsNotInterrupted.push(id);
        else recoverySeconds.push((r.completed_at.getTime() - k.at.getTime()) / 1000);
      }
    }
    const interruptedNotHeldByKilled = runs
      .filter((r) => r.reason_code === 'execution_interrupted')
      .filter((r) => !r.lease_owner || ![...killedPids].some((pid) => r.lease_owner!.includes(`:${pid}:`)))
      // A queued run whose job a killed worker had locked but not yet marked running has no lease owner.
      .filter((r) => r.started_at !== null)
      .map((r) => r.id);

    const { rows: jobRows } = await sql<{ left: number; unfinished: number }>`
      select count(*)::int as "left",
             count(*) filter (where r.status is distinct from 'completed')::int as unfinished
        from graphile_worker._private_jobs j left join operation_runs r on r.id::text = j.key`.execute(db);
    const invariants = await checkInvariants(db);

    // Each scope a killed run held: admitted again later (by the load, or now).
    let scopesReadmitted = 0;
    for (const scopeId of scopesOfKilled) {
      const lastKilledEnd = Math.max(
        ...runs.filter((r) => r.provider_connection_id === scopeId && r.reason_code === 'execution_interrupted').map((r) => r.completed_at!.getTime()),
      );
      const later = runs.some((r) => r.provider_connection_id === scopeId && r.created_at.getTime() > lastKilledEnd);
      if (later) {
        scopesReadmitted++;
        continue;
      }
      const scope = scopes.find((s) => s.connectionId === scopeId)!;
      // A connection check: its identity is the connection, so the answer tells whether this
      // scope is free (a tenant-data type would be deduped to the same work on another scope).
      const again = await start(db, {
        type: 'provider_connection.check',
        tenantId: scope.tenantId,
        trigger: 'operator',
        initiatorUserId: operator.id,
        providerConnectionId: scopeId,
      });
      if (again.outcome === 'accepted') scopesReadmitted++;
    }

    return {
      starts: Object.values(outcomes).reduce((a, b) => a + b, 0),
      outcomes,
      errors,
      firstError,
      kills,
      runs: { total: runs.length, byOutcome },
      recoverySeconds,
      heldRunsNotInterrupted,
      interruptedNotHeldByKilled,
      scopesReadmitted,
      scopesOfKilledRuns: scopesOfKilled.size,
      activeAfterDrain: active,
      drainSeconds,
      acceptedAnswers: accepted.length,
      invariants,
      jobsOfUnfinishedRuns: jobRows[0]!.unfinished,
      jobsLeft: jobRows[0]!.left,
    };
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await sandbox?.close();
    await tdb.close();
    fs.rmSync(sandboxDir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export function killViolations(r: KillReport, o: KillOptions): string[] {
  const v: string[] = [];
  const inv = r.invariants;
  if (!r.kills.length) v.push('no worker was killed mid-run');
  if (r.errors) v.push(`${r.errors} start errors (${r.firstError})`);
  if (r.activeAfterDrain !== 0) v.push(`${r.activeAfterDrain} runs still queued/running after the drain`);
  if (r.heldRunsNotInterrupted.length) v.push(`runs held by a killed worker not ended execution_interrupted: ${r.heldRunsNotInterrupted.join(', ')}`);
  if (r.interruptedNotHeldByKilled.length) v.push(`runs interrupted that no killed worker held: ${r.interruptedNotHeldByKilled.join(', ')}`);
  // One lease after the last heartbeat, plus one sweep interval (lease/4, at least 1 s), plus scheduling slack.
  const bound = o.leaseSeconds + Math.max(1, o.leaseSeconds / 4) + 2;
  const late = r.recoverySeconds.filter((s) => s > bound);
  if (late.length) v.push(`${late.length} killed runs recovered later than ${bound} s: ${late.join(', ')}`);
  if (r.scopesReadmitted !== r.scopesOfKilledRuns) v.push(`${r.scopesOfKilledRuns - r.scopesReadmitted} scopes of killed runs not admitted again`);
  if (r.acceptedAnswers !== r.runs.total) v.push(`accepted answers ${r.acceptedAnswers} ≠ admitted runs ${r.runs.total}`);
  if (inv.jobsWithoutRun) v.push(`${inv.jobsWithoutRun} jobs without a run`);
  if (inv.queuedWithoutJob) v.push(`${inv.queuedWithoutJob} queued runs without a job`);
  if (r.jobsOfUnfinishedRuns) v.push(`${r.jobsOfUnfinishedRuns} jobs whose run never finished`);
  if (inv.maxActivePerScope > 1) v.push('two active runs on one scope');
  return v;
}
