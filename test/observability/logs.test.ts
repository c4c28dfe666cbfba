// The JSON log of a start, a run that succeeds, a run that fails and an admin-consent callback:
// every line is JSON with the fields the contract names, and no secret, token, password,
// session or consent state appears anywhere in it.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { loggedPath } from '../../src/http/request-log.ts';
import { buildServer } from '../../src/http/server.ts';
import { createLogger, lineDestination } from '../../src/observability/logger.ts';
import { onRunCompleted } from '../../src/runs/after-complete.ts';
import { startWorker, type WorkerHandle } from '../../src/runs/worker.ts';
import { DEMO_PASSWORD, DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { call, freeAllScopes, login, PERSONAS } from '../http/helpers.ts';
import { connectionOf, testBox, userByEmail } from '../helpers/seed.ts';
import { credentialAad } from '../../src/security/secret-box.ts';
import { closeAll } from '../helpers/teardown.ts';
import { createWorkerEnv, waitForRun, type WorkerEnv } from '../helpers/worker-env.ts';

const lines: string[] = [];
const logger = createLogger({ level: 'info', destination: lineDestination((l) => lines.push(l)) });
const WRONG_SECRET = 'wrong-client-secret-77d1a0';
let env: WorkerEnv;
let worker: WorkerHandle | undefined;
let base: string;
// Set once the server listens: undefined in afterAll if beforeAll failed first.
let close: (() => Promise<void>) | undefined;
let cookie: string;
let consentState = '';
const runIds: Record<'succeeded' | 'failed', string> = { succeeded: '', failed: '' };

const entries = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
const requestLines = () => entries().filter((e) => e.msg === 'request');

beforeAll(async () => {
  env = await createWorkerEnv();
  const app = await buildServer({ db: env.tdb.db, box: testBox, logger, authorityFor: () => 'https://login.example.test' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  close = () => app.close();
  worker = await startWorker({
    database: env.tdb,
    box: testBox,
    providerFor: () => env.provider,
    concurrency: 2,
    leaseSeconds: 30,
    afterComplete: onRunCompleted,
    logger,
  });
  cookie = await login(base, PERSONAS.owner);
  await freeAllScopes(env.tdb.db);

  // A start whose run succeeds.
  const ok = await call(base, 'POST', '/api/tenants/northwind/operations', { cookie, body: { type: 'inventory.sync' } });
  runIds.succeeded = ok.body.run.id;
  // A run that fails: contoso-lab's default connection gets a wrong secret (rotated through the API).
  const lab = await connectionOf(env.tdb.db, 'contoso-lab');
  const patched = await call(base, 'PATCH', `/api/provider-connections/${lab.id}`, {
    cookie,
    body: { clientSecret: WRONG_SECRET, secretExpiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString() },
  });
  expect(patched.status).toBe(200);
  const bad = await call(base, 'POST', '/api/tenants/contoso-lab/operations', { cookie, body: { type: 'inventory.sync' } });
  expect(bad.body.outcome).toBe('accepted');
  runIds.failed = bad.body.run.id;
  // An admin-consent round trip through the browser callback.
  const woodgrove = await connectionOf(env.tdb.db, 'woodgrove');
  const begun = await call(base, 'POST', `/api/provider-connections/${woodgrove.id}/admin-consent`, { cookie, body: {} });
  consentState = new URL(begun.body.url as string).searchParams.get('state')!;
  const entra = DEMO_WORKSPACES[0]!.tenants.find((t) => t.slug === 'woodgrove')!.entraTenantId;
  const cb = await fetch(`${base}/admin/consent/callback?${new URLSearchParams({ admin_consent: 'True', tenant: entra, state: consentState })}`, {
    headers: { cookie },
    redirect: 'manual',
  });
  expect(cb.status).toBe(302);
  // A failed sign-in (its password must not be logged either).
  await call(base, 'POST', '/api/session', { body: { email: PERSONAS.owner, password: 'a-wrong-password-31c9' } });

  expect((await waitForRun(env.tdb.db, runIds.succeeded)).outcome).toBe('succeeded');
  expect((await waitForRun(env.tdb.db, runIds.failed)).outcome).toBe('failed');
  // The worker writes its end line right after completing.
  for (let i = 0; i < 100 && entries().filter((e) => e.msg === 'run finished').length < 2; i++) await new Promise((r) => setTimeout(r, 20));
}, 120_000);
afterAll(async () => {
  await close?.();
  await worker?.stop();
  await closeAll(env);
});

describe('the log', () => {
  it('is JSON lines: level, time, request id, route, status, duration, user id', async () => {
    const owner = await userByEmail(env.tdb.db, PERSONAS.owner);
    const start = requestLines().find((e) => e.route === '/api/tenants/:tenant/operations' && e.method === 'POST')!;
    expect(start).toMatchObject({ level: 'info', status: 202, userId: owner.id, path: '/api/tenants/northwind/operations' });
    expect(typeof start.time).toBe('string');
    expect(typeof start.reqId).toBe('string');
    expect(start.durationMs).toEqual(expect.any(Number));
    const signIn = requestLines().filter((e) => e.route === '/api/session' && e.method === 'POST');
    expect(signIn.map((e) => e.status)).toEqual(expect.arrayContaining([200, 401]));
  });

  it('answers with the request id it logged, and keeps a sane one a proxy sent', async () => {
    const r = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'proxy-abc-123' } });
    expect(r.headers.get('x-request-id')).toBe('proxy-abc-123');
    const forged = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'bad id\twith "quotes"' } });
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setTimeout(r, 50));
    expect(requestLines().some((e) => e.reqId === 'proxy-abc-123' && e.route === '/healthz')).toBe(true);
  });

  it("the worker logs each run's start and end with id, type, outcome and duration", () => {
    for (const [outcome, runId] of Object.entries(runIds)) {
      expect(entries().find((e) => e.msg === 'run started' && e.runId === runId)).toMatchObject({ type: 'inventory.sync' });
      expect(entries().find((e) => e.msg === 'run finished' && e.runId === runId)).toMatchObject({
        type: 'inventory.sync',
        outcome,
        durationMs: expect.any(Number),
      });
    }
    expect(entries().find((e) => e.msg === 'run finished' && e.runId === runIds.failed)!.reasonCode).toEqual(expect.any(String));
  });

  it('the consent callback is logged without its state', () => {
    const cb = requestLines().find((e) => e.route === '/admin/consent/callback')!;
    expect(cb).toMatchObject({ status: 302, path: expect.stringContaining('state=[redacted]') });
  });

  it('holds no secret, token, password, session or consent state', async () => {
    const text = lines.join('\n');
    const secrets = [DEMO_PASSWORD, 'a-wrong-password-31c9', WRONG_SECRET, consentState, cookie.split('=')[1]!];
    for (const c of await env.tdb.db.selectFrom('provider_connections').select(['id', 'secret_ciphertext']).execute()) {
      if (c.secret_ciphertext) secrets.push(testBox.open(c.secret_ciphertext, credentialAad({ table: 'provider_connections', id: c.id }, 'secret_ciphertext')));
    }
    for (const s of secrets) expect(text.includes(s), `a secret starting ${s.slice(0, 6)}`).toBe(false);
    // No bearer token or JWT of any kind (the sandbox issues JWTs like Entra's).
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    expect(text.toLowerCase()).not.toContain('bearer ');
  });
});

describe('censoring', () => {
  it('fields named like credentials are censored wherever they are logged', () => {
    const mine: string[] = [];
    const l = createLogger({ level: 'info', destination: lineDestination((x) => mine.push(x)) });
    l.info(
      { password: 'p1', clientSecret: 'p2', nested: { token: 'p3', deeper: { secret: 'p4' } }, req: { headers: { cookie: 'p5', authorization: 'p6' } } },
      'x',
    );
    expect(mine.join()).not.toMatch(/p[1-6]/);
    expect(mine.join()).toContain('[redacted]');
  });

  it('paths: tokens in paths and query values other than plain filters are censored', () => {
    expect(loggedPath('/setup?token=abc')).toBe('/setup?token=[redacted]');
    expect(loggedPath('/invite/short')).toBe('/invite/[redacted]');
    expect(loggedPath(`/x/${'a'.repeat(43)}/y`)).toBe('/x/[redacted]/y');
    expect(loggedPath('/api/audit?tenant=northwind&limit=5&before=1-2')).toBe('/api/audit?tenant=northwind&limit=5&before=1-2');
    expect(loggedPath('/login?next=%2Fadmin%2Fconsent%2Fcallback%3Fstate%3Ds')).toBe('/login?next=[redacted]');
  });

  it('OPSGATE_LOG_LEVEL: default info, a bad value names the variable', () => {
    expect(parseConfig({}).logLevel).toBe('info');
    expect(parseConfig({ OPSGATE_LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(() => parseConfig({ OPSGATE_LOG_LEVEL: 'loud' })).toThrow(/OPSGATE_LOG_LEVEL must be one of/);
  });
});
