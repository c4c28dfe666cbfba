// GET /metrics: guarded by a bearer token on the main port (404 without one configured), or
// served on a listener of its own; the counters move with starts of each outcome, runs and
// provider requests (429 included); gauges come from the database at scrape time.
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.ts';
import { startMany } from '../../src/gate/start-many.ts';
import { buildServer } from '../../src/http/server.ts';
import { startMetricsServer } from '../../src/observability/metrics-server.ts';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { call, freeAllScopes, login, PERSONAS, startTestServer } from '../http/helpers.ts';
import { tenantBySlug, testBox, userByEmail } from '../helpers/seed.ts';
import { closeAll } from '../helpers/teardown.ts';
import { createWorkerEnv, waitForRun, type WorkerEnv } from '../helpers/worker-env.ts';

const TOKEN = 'metrics-token-for-tests-5b1f';
let env: WorkerEnv;
let base: string;
// Set once the server listens: undefined in afterAll if beforeAll failed first.
let close: (() => Promise<void>) | undefined;
let cookie: string;

beforeAll(async () => {
  env = await createWorkerEnv();
  const app = await buildServer({ db: env.tdb.db, box: testBox, metricsToken: TOKEN });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  close = () => app.close();
  cookie = await login(base, PERSONAS.owner);
});
afterAll(async () => {
  await close?.();
  await closeAll(env);
});

const scrape = async () => {
  const r = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return r.text();
};

/** The sample's value, 0 when the series is absent (a counter that never moved). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',').filter(Boolean);
    if (want.every((w) => have.includes(w)) && have.length === want.length) return Number(m[3]);
  }
  return 0;
}

describe('access', () => {
  it('the main port wants the bearer token: none or a wrong one is 401', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: TOKEN }, { cookie }];
    for (const headers of attempts) {
      const r = await fetch(`${base}/metrics`, { headers });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await r.json()).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
    }
  });

  it('without a token configured the main port has no /metrics (404, also with the console built)', async () => {
    // With the console's files served, unknown GETs answer index.html; /metrics must not.
    const s = await startTestServer({ seed: false, webRoot: path.resolve(import.meta.dirname, '../../web/dist') });
    try {
      const r = await call(s.base, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('not_found');
    } finally {
      await s.close();
    }
  });

  it('its own listener serves /metrics (no token) and nothing else', async () => {
    const m = await startMetricsServer({ db: env.tdb.db, port: 0, host: '127.0.0.1' });
    try {
      const r = await fetch(m.url);
      expect(r.status).toBe(200);
      const text = await r.text();
      expect(text).toContain('# TYPE opsgate_starts_total counter');
      expect(text).toContain('process_cpu_user_seconds_total');
      expect((await fetch(m.url.replace('/metrics', '/api/tenants'))).status).toBe(404);
    } finally {
      await m.close();
    }
  });

  it('configuration: a bad token or port is refused with the variable named', () => {
    expect(() => parseConfig({ OPSGATE_METRICS_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => parseConfig({ OPSGATE_METRICS_TOKEN: 'has a space in the middle' })).toThrow(/OPSGATE_METRICS_TOKEN/);
    expect(() => parseConfig({ OPSGATE_METRICS_PORT: '70000' })).toThrow(/OPSGATE_METRICS_PORT must be a whole number/);
    expect(parseConfig({ OPSGATE_METRICS_PORT: '9464', OPSGATE_METRICS_TOKEN: TOKEN })).toMatchObject({ metricsPort: 9464, metricsToken: TOKEN });
    expect(parseConfig({})).toMatchObject({ metricsPort: undefined, metricsToken: undefined });
  });
});

describe('what it counts', () => {
  it('a start of each outcome moves opsgate_starts_total{type,outcome,reason}; active runs and the queue are read at scrape', async () => {
    await freeAllScopes(env.tdb.db);
    const before = await scrape();
    const start = async (slug: string, type: string) => (await call(base, 'POST', `/api/tenants/${slug}/operations`, { cookie, body: { type } })).body;
    const accepted = await start('northwind', 'inventory.sync');
    expect(accepted.outcome).toBe('accepted');
    expect((await start('northwind', 'inventory.sync')).outcome).toBe('deduped');
    expect((await start('northwind', 'compliance.snapshot')).outcome).toBe('scope_busy');
    expect((await start('tailspin', 'inventory.sync')).outcome).toBe('blocked');
    const after = await scrape();
    const moved = (labels: Record<string, string>) => sample(after, 'opsgate_starts_total', labels) - sample(before, 'opsgate_starts_total', labels);
    expect(moved({ type: 'inventory.sync', outcome: 'accepted', reason: 'none' })).toBe(1);
    expect(moved({ type: 'inventory.sync', outcome: 'deduped', reason: 'none' })).toBe(1);
    expect(moved({ type: 'compliance.snapshot', outcome: 'scope_busy', reason: 'scope_busy' })).toBe(1);
    expect(moved({ type: 'inventory.sync', outcome: 'blocked', reason: 'provider_credentials_expired' })).toBe(1);
    // No worker yet: the accepted run is active and its job waits.
    expect(sample(after, 'opsgate_runs_active', { type: 'inventory.sync' })).toBe(1);
    expect(sample(after, 'opsgate_runs_active', { type: 'restore.execute' })).toBe(0);
    expect(sample(after, 'opsgate_queue_jobs_waiting')).toBe(1);
    expect(sample(after, 'opsgate_database_up')).toBe(1);

    // A worker runs it, through one throttled Graph answer (429, then the retry succeeds).
    const northwind = DEMO_WORKSPACES[0]!.tenants.find((t) => t.slug === 'northwind')!;
    env.sandbox.state.setTenantFaults(northwind.entraTenantId, { throttleNext: 1, retryAfterSeconds: 0 });
    await env.startWorker();
    const run = await waitForRun(env.tdb.db, accepted.run.id);
    expect(run.outcome).toBe('succeeded');
    const done = await scrape();
    const hist = (suffix: string) => sample(done, `opsgate_run_duration_seconds_${suffix}`, { type: 'inventory.sync', outcome: 'succeeded' });
    expect(hist('count') - sample(after, 'opsgate_run_duration_seconds_count', { type: 'inventory.sync', outcome: 'succeeded' })).toBe(1);
    expect(hist('sum')).toBeGreaterThan(0);
    expect(sample(done, 'opsgate_run_duration_seconds_bucket', { type: 'inventory.sync', outcome: 'succeeded', le: '+Inf' })).toBe(hist('count'));
    expect(sample(done, 'opsgate_provider_requests_total', { status: '429' }) - sample(after, 'opsgate_provider_requests_total', { status: '429' })).toBe(1);
    expect(sample(done, 'opsgate_provider_requests_total', { status: '200' })).toBeGreaterThan(
      sample(after, 'opsgate_provider_requests_total', { status: '200' }),
    );
    expect(sample(done, 'opsgate_runs_active', { type: 'inventory.sync' })).toBe(0);
    expect(sample(done, 'opsgate_queue_jobs_waiting')).toBe(0);
  });

  it('starts on many tenants at once (bulk, schedules) count one each', async () => {
    await freeAllScopes(env.tdb.db);
    const before = await scrape();
    const ids = await Promise.all(['woodgrove', 'tailspin', 'alpine'].map(async (slug) => (await tenantBySlug(env.tdb.db, slug)).id));
    const owner = await userByEmail(env.tdb.db, PERSONAS.owner);
    const answers = await startMany(env.tdb.db, { type: 'entra_group_sync', tenantIds: ids, trigger: 'operator', initiatorUserId: owner.id });
    const after = await scrape();
    for (const a of answers) {
      const labels = {
        type: 'entra_group_sync',
        outcome: a.outcome,
        reason: a.outcome === 'blocked' ? a.reason.code : a.outcome === 'scope_busy' ? 'scope_busy' : 'none',
      };
      expect(sample(after, 'opsgate_starts_total', labels) - sample(before, 'opsgate_starts_total', labels), JSON.stringify(labels)).toBeGreaterThanOrEqual(1);
    }
    const total = (t: string) =>
      t
        .split('\n')
        .filter((l) => l.startsWith('opsgate_starts_total{type="entra_group_sync"'))
        .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    expect(total(after) - total(before)).toBe(3);
  });
});
