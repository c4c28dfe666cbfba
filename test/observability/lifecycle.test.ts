// Readiness (/readyz: the database answers and every migration is applied) and graceful
// shutdown: HTTP finishes requests in flight, the worker lets running jobs finish within the
// grace period and otherwise leaves them to their lease, which recovery then ends.
import { sql } from 'kysely';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeHttpGracefully } from '../../src/app/shutdown.ts';
import { parseConfig } from '../../src/config.ts';
import { migrationFiles } from '../../src/db/migrate.ts';
import { buildServer } from '../../src/http/server.ts';
import { call, freeAllScopes, login, PERSONAS, startTestServer, type TestServer } from '../http/helpers.ts';
import { testBox } from '../helpers/seed.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { createWorkerEnv, waitForRun, type WorkerEnv } from '../helpers/worker-env.ts';
import { closeAll } from '../helpers/teardown.ts';

describe('/readyz', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ seed: false });
  });
  afterAll(() => closeAll(s));

  it('200 when every migration is applied; 503 naming the one missing; 200 again once it is back', async () => {
    expect(await call(s.base, 'GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    const last = migrationFiles().at(-1)!.id;
    await sql`delete from opsgate_migrations where id = ${last}`.execute(s.tdb.db);
    const r = await call(s.base, 'GET', '/readyz');
    expect(r.status).toBe(503);
    expect(r.body.error).toEqual({ code: 'unavailable', message: expect.stringContaining(last) });
    // Liveness is another question: the process and its database are fine.
    expect((await call(s.base, 'GET', '/healthz')).status).toBe(200);
    await sql`insert into opsgate_migrations (id) values (${last})`.execute(s.tdb.db);
    expect((await call(s.base, 'GET', '/readyz')).status).toBe(200);
  });

  it('503 when the database cannot say (no migrations table)', async () => {
    await sql`alter table opsgate_migrations rename to opsgate_migrations_away`.execute(s.tdb.db);
    try {
      expect((await call(s.base, 'GET', '/readyz')).status).toBe(503);
    } finally {
      await sql`alter table opsgate_migrations_away rename to opsgate_migrations`.execute(s.tdb.db);
    }
  });

  it('OPSGATE_SHUTDOWN_GRACE_SECONDS: default 25, a bad value names the variable', () => {
    expect(parseConfig({}).shutdownGraceSeconds).toBe(25);
    expect(() => parseConfig({ OPSGATE_SHUTDOWN_GRACE_SECONDS: '-1' })).toThrow(/OPSGATE_SHUTDOWN_GRACE_SECONDS/);
  });
});

describe('HTTP: stops accepting, finishes what is in flight', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(() => closeAll(tdb));

  async function serverWithSlowRoute(ms: number) {
    const app = await buildServer({ db: tdb.db, box: testBox });
    app.get('/slow', async () => {
      await new Promise((r) => setTimeout(r, ms));
      return { done: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
  }

  it('a request in flight is answered; new connections are refused; close does not wait for keep-alive', async () => {
    const { app, base } = await serverWithSlowRoute(600);
    await fetch(`${base}/healthz`); // a kept-alive idle connection as well
    const inFlight = fetch(`${base}/slow`).then(async (r) => ({ status: r.status, body: await r.json() }));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    const closing = closeHttpGracefully(app, 10_000);
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
    expect(await inFlight).toEqual({ status: 200, body: { done: true } });
    await closing;
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('after the grace period, what is still open is cut', async () => {
    const { app, base } = await serverWithSlowRoute(5000);
    const inFlight = fetch(`${base}/slow`).then(
      (r) => r.status,
      () => 'cut',
    );
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await closeHttpGracefully(app, 200);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await inFlight).toBe('cut');
  });
});

describe('worker: stops taking jobs, lets running ones finish within the grace period', () => {
  let env: WorkerEnv;
  let base: string;
  let cookie: string;
  // Set once the server listens: undefined in afterAll if beforeAll failed first.
  let closeApp: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    // Every sandbox call takes a while, so a run is still running when the worker is told to stop.
    env = await createWorkerEnv({ latencyMs: 250 });
    const app = await buildServer({ db: env.tdb.db, box: testBox });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    closeApp = () => app.close();
    cookie = await login(base, PERSONAS.owner);
  });
  afterAll(async () => {
    await closeApp?.();
    await closeAll(env);
  });

  const startSync = async (slug: string, free = true) => {
    if (free) await freeAllScopes(env.tdb.db);
    const r = await call(base, 'POST', `/api/tenants/${slug}/operations`, { cookie, body: { type: 'inventory.sync' } });
    expect(r.body.outcome).toBe('accepted');
    return r.body.run.id as string;
  };
  const running = (id: string) => waitForRun(env.tdb.db, id, (r) => r.status === 'running', 10_000);

  it('within the grace period: the running run completes before stop() returns, and no new job is taken', async () => {
    const w = await env.startWorker({ concurrency: 1 });
    const runId = await startSync('northwind');
    await running(runId);
    const stopping = w.stop(30_000);
    const queuedAfter = await startSync('contoso-lab', false); // arrives while stopping: must stay queued
    await stopping;
    const run = await env.tdb.db.selectFrom('operation_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    const later = await env.tdb.db.selectFrom('operation_runs').select('status').where('id', '=', queuedAfter).executeTakeFirstOrThrow();
    expect(later.status).toBe('queued');
  });

  it('past the grace period: the run is left to its lease, and recovery ends it as interrupted', async () => {
    const w = await env.startWorker({ concurrency: 1, leaseSeconds: 2 });
    const runId = await startSync('northwind');
    await running(runId);
    const t0 = Date.now();
    await w.stop(100);
    expect(Date.now() - t0).toBeLessThan(4000);
    const left = await env.tdb.db.selectFrom('operation_runs').select(['status', 'outcome']).where('id', '=', runId).executeTakeFirstOrThrow();
    expect(left).toEqual({ status: 'running', outcome: 'pending' });
    // Another worker's recovery sweep ends it once the lease (2 s) has expired.
    await env.startWorker({ concurrency: 1, leaseSeconds: 2 });
    const ended = await waitForRun(env.tdb.db, runId, undefined, 20_000);
    expect(ended).toMatchObject({ outcome: 'failed', reason_code: 'execution_interrupted' });
  });
});
