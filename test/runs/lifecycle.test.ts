// Run lifecycle across processes: a worker killed with SIGKILL mid-run never leaves its run
// running or its scope held; notifications reach only the initiator, once, at the end.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preflight, start } from '../../src/gate/start.ts';
import { SANDBOX_TLS_FILES } from '../../sandbox/index.ts';
import { executeRun } from '../../src/runs/execute.ts';
import { interruptAbandoned } from '../../src/runs/run-service.ts';
import { fireDueSchedules } from '../../src/schedules/fire.ts';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { nodeBin } from '../helpers/node.ts';
import { tenantBySlug, testBox, userByEmail } from '../helpers/seed.ts';
import { createWorkerEnv, waitForRun, type WorkerEnv } from '../helpers/worker-env.ts';

let env: WorkerEnv;
const fixture = (slug: string) => DEMO_WORKSPACES.flatMap((w) => w.tenants).find((t) => t.slug === slug)!;

beforeAll(async () => {
  env = await createWorkerEnv();
});
afterAll(async () => env.close());

describe('admission is DB-only', () => {
  it('the gate opens no connection other than to the database, and the cloud sees nothing', async () => {
    const db = env.tdb.db;
    const dbPort = Number(new URL(env.tdb.url).port);
    const ports: number[] = [];
    const original = net.Socket.prototype.connect;
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      const o = args[0] as { port?: number } | number;
      ports.push(typeof o === 'object' ? Number(o.port) : Number(o));
      return (original as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof original;
    env.sandbox.state.resetCounters();
    const operator = await userByEmail(db, 'operator@contoso.example');
    try {
      for (const slug of ['northwind', 'woodgrove', 'tailspin', 'alpine', 'adatum', 'litware']) {
        const tenant = await tenantBySlug(db, slug);
        for (const type of ['inventory.sync', 'tenant.verification', 'entra_group_sync'] as const) {
          const input = { type, tenantId: tenant.id, trigger: 'operator' as const, initiatorUserId: operator.id };
          await preflight(db, input);
          await start(db, input);
        }
      }
    } finally {
      net.Socket.prototype.connect = original;
    }
    expect(ports.filter((p) => p !== dbPort)).toEqual([]);
    expect(env.sandbox.state.counters()).toEqual({});
    // No worker ran here; cancel what was admitted so the next tests start from free scopes.
    await sql`update operation_runs set status = 'completed', outcome = 'cancelled', completed_at = now() where status <> 'completed'`.execute(db);
  });
});

describe('a job whose run is no longer queued', () => {
  it('does nothing: no provider call, no state change', async () => {
    const db = env.tdb.db;
    const tenant = await tenantBySlug(db, 'fabrikam-retail');
    const r = await start(db, { type: 'entra_group_sync', tenantId: tenant.id, trigger: 'system', initiatorUserId: null });
    expect(r.outcome).toBe('accepted');
    // Recovered (or cancelled) before any worker got to it (no worker runs yet in this file).
    await sql`update operation_runs set status = 'completed', outcome = 'cancelled', completed_at = now() where id = ${r.run.id}`.execute(db);
    env.sandbox.state.resetCounters();
    const answer = await executeRun({ db, box: testBox, providerFor: () => env.provider, leaseSeconds: 5, leaseOwner: 'late-worker' }, r.run.id);
    expect(answer).toBe('skipped');
    expect(env.sandbox.state.counters()).toEqual({});
    expect(await db.selectFrom('operation_runs').select(['status', 'outcome', 'started_at']).where('id', '=', r.run.id).executeTakeFirstOrThrow()).toEqual({
      status: 'completed',
      outcome: 'cancelled',
      started_at: null,
    });
  });
});

describe('a queued run whose job can no longer run', () => {
  // E.g. the database went away while a worker held the job: the queue recorded its one
  // attempt as failed, but the run was never marked running. Its scope must not stay busy.
  it('ends execution_interrupted once a lease has passed; a job still waiting is left alone', async () => {
    const db = env.tdb.db;
    const lost = await start(db, {
      type: 'entra_group_sync',
      tenantId: (await tenantBySlug(db, 'fabrikam-retail')).id,
      trigger: 'system',
      initiatorUserId: null,
    });
    const waiting = await start(db, { type: 'entra_group_sync', tenantId: (await tenantBySlug(db, 'northwind')).id, trigger: 'system', initiatorUserId: null });
    expect([lost.outcome, waiting.outcome]).toEqual(['accepted', 'accepted']);
    await sql`update graphile_worker._private_jobs set attempts = max_attempts, last_error = 'connection lost' where key = ${lost.run.id}`.execute(db);
    await sql`update operation_runs set created_at = now() - interval '1 minute' where id in (${lost.run.id}, ${waiting.run.id})`.execute(db);
    const recovered = await interruptAbandoned(db, 30);
    expect(recovered.map((r) => r.id)).toEqual([lost.run.id]);
    expect(recovered[0]).toMatchObject({ status: 'completed', outcome: 'failed', reason_code: 'execution_interrupted' });
    const again = await start(db, {
      type: 'entra_group_sync',
      tenantId: (await tenantBySlug(db, 'fabrikam-retail')).id,
      trigger: 'system',
      initiatorUserId: null,
    });
    expect(again.outcome).toBe('accepted');
    await sql`update operation_runs set status = 'completed', outcome = 'cancelled', completed_at = now() where status <> 'completed'`.execute(db);
  });
});

describe('a worker killed mid-run', () => {
  it('SIGKILL: the run ends execution_interrupted within the lease and the scope frees', async () => {
    const db = env.tdb.db;
    const tenant = await tenantBySlug(db, 'northwind');
    const f = fixture('northwind');
    // Slow cloud: the run is surely mid-flight when the worker dies.
    env.sandbox.state.setTenantFaults(f.entraTenantId, { latencyMs: 3000 });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-kill-'));
    const child = spawn(nodeBin(), [path.resolve('src/cli.ts'), 'worker'], {
      env: {
        ...process.env,
        DATABASE_URL: env.tdb.url,
        OPSGATE_DATA_DIR: dataDir,
        OPSGATE_SANDBOX_URL: env.sandbox.url,
        OPSGATE_SANDBOX_CA: path.join(env.sandboxDir, SANDBOX_TLS_FILES.caCert),
        OPSGATE_ENCRYPTION_KEY: crypto.createHash('sha256').update('opsgate-test-key').digest('base64'),
        OPSGATE_LEASE_SECONDS: '3',
        OPSGATE_WORKER_CONCURRENCY: '1',
      },
      stdio: 'ignore',
    });
    try {
      const operator = await userByEmail(db, 'operator@contoso.example');
      const r = await start(db, { type: 'inventory.sync', tenantId: tenant.id, trigger: 'operator', initiatorUserId: operator.id });
      expect(r.outcome).toBe('accepted');
      const running = await waitForRun(db, r.run.id, (x) => x.status === 'running', 20_000);
      expect(running.lease_owner).toContain(`:${child.pid}:`);
      child.kill('SIGKILL');
      await new Promise((res) => child.once('exit', res));

      // No worker is left; one comes back (as after a restart) and its sweep recovers the run.
      const killedAt = Date.now();
      await env.startWorker({ leaseSeconds: 3 });
      const ended = await waitForRun(db, r.run.id, (x) => x.status === 'completed', 20_000);
      expect(ended).toMatchObject({ outcome: 'failed', reason_code: 'execution_interrupted' });
      expect(Date.now() - killedAt).toBeLessThan(60_000);
      // The initiator hears about it once.
      const notes = await db.selectFrom('notifications').selectAll().where('run_id', '=', r.run.id).execute();
      expect(notes.map((n) => n.user_id)).toEqual([operator.id]);
      // The scope is free: the same start is accepted again.
      env.sandbox.state.setTenantFaults(f.entraTenantId, {});
      const again = await start(db, { type: 'inventory.sync', tenantId: tenant.id, trigger: 'operator', initiatorUserId: operator.id });
      expect(again.outcome).toBe('accepted');
      expect(await waitForRun(db, again.run.id)).toMatchObject({ outcome: 'succeeded' });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      env.sandbox.state.setTenantFaults(f.entraTenantId, {});
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('notifications', () => {
  it('one to the initiator per terminal run, none at queue time, none for scheduled runs', async () => {
    const db = env.tdb.db;
    await env.startWorker();
    const tenant = await tenantBySlug(db, 'contoso-lab');
    const owner = await userByEmail(db, 'owner@contoso.example');
    const r = await start(db, { type: 'entra_group_sync', tenantId: tenant.id, trigger: 'operator', initiatorUserId: owner.id });
    expect(await db.selectFrom('notifications').selectAll().where('run_id', '=', r.run.id).execute()).toEqual([]);
    await waitForRun(db, r.run.id);
    const notes = await db.selectFrom('notifications').selectAll().where('run_id', '=', r.run.id).execute();
    expect(notes.map((n) => n.user_id)).toEqual([owner.id]);

    // A blocked click is answered at click time; it does not also notify.
    const blocked = await start(db, {
      type: 'inventory.sync',
      tenantId: (await tenantBySlug(db, 'woodgrove')).id,
      trigger: 'operator',
      initiatorUserId: owner.id,
    });
    expect(blocked.outcome).toBe('blocked');
    expect(await db.selectFrom('notifications').selectAll().where('run_id', '=', blocked.run.id).execute()).toEqual([]);

    // The seeded "Nightly inventory" schedule, made due: its firing is a bulk start through the gate.
    await sql`update schedules set next_fire_at = now() - interval '1 minute' where name = 'Nightly inventory'`.execute(db);
    const [bulkId] = await fireDueSchedules(db, 'test-process');
    const scheduled = await db
      .selectFrom('bulk_operation_items as i')
      .innerJoin('operation_runs as r', 'r.id', 'i.run_id')
      .select(['i.outcome', 'i.run_id', 'r.trigger', 'r.initiator_user_id'])
      .where('i.bulk_operation_id', '=', bulkId!)
      .execute();
    const accepted = scheduled.filter((s) => s.outcome === 'accepted');
    expect(accepted.length).toBeGreaterThan(0);
    expect(scheduled.every((s) => s.trigger === 'scheduled' && s.initiator_user_id === null)).toBe(true);
    // Scheduled starts meet the same preflight: the demo's broken tenants are blocked, not failed later.
    expect(scheduled.filter((s) => s.outcome === 'blocked').length).toBeGreaterThanOrEqual(3);
    for (const a of accepted) await waitForRun(db, a.run_id!);
    const scheduledNotes = await db
      .selectFrom('notifications')
      .select('id')
      .where(
        'run_id',
        'in',
        scheduled.map((s) => s.run_id!),
      )
      .execute();
    expect(scheduledNotes).toEqual([]);
  });
});
