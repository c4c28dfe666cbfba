// Webhooks end to end against real HTTP receivers on 127.0.0.1: the API (secret write-only,
// URL validated, owners only, other workspaces not found, audited), signed deliveries from the
// outbox through the job queue, retries with backoff, giving up, attention.raised, and starts
// that never wait for a receiver.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/provider/types.ts';
import { startWorker, type WorkerHandle } from '../../src/runs/worker.ts';
import { SIGNATURE_HEADER, verify } from '../../src/webhooks/signature.ts';
import { connectionOf, tenantBySlug, testBox } from '../helpers/seed.ts';
import { closeAll } from '../helpers/teardown.ts';
import { credentialAad } from '../../src/security/secret-box.ts';
import { call, insertCompletedRun, loginAll, type Loose, type Persona, type TestServer, startTestServer } from '../http/helpers.ts';

// The console's public origin (OPSGATE_PUBLIC_URL): links in deliveries are absolute.
const PUBLIC_URL = 'https://ops.example.test';

interface Received {
  body: string;
  headers: http.IncomingHttpHeaders;
  at: number;
}

interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** A local receiver; `answer` decides each request's status (null: never answer). */
async function receiver(answer: (n: number) => number | null = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, at: Date.now() });
      const status = answer(received.length);
      if (status === null) hanging.push(res);
      else res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((r) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function eventually<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const SECRET = 'a-webhook-secret-for-tests';
let s: TestServer;
let cookies: Record<Persona, string | null>;
// Undefined in afterAll if beforeAll failed before starting it.
let worker: WorkerHandle | undefined;
const receivers: Receiver[] = [];
const answers: Loose[] = [];

async function api(method: string, path: string, body?: unknown, who: Persona = 'owner') {
  const r = await call(s.base, method, path, { cookie: cookies[who], body });
  answers.push(r.text);
  return r;
}
async function createHook(url: string, events: string[]): Promise<string> {
  const r = await api('POST', '/api/workspaces/contoso-msp/webhooks', { url, events, secret: SECRET });
  expect(r.status, r.text).toBe(201);
  return r.body.id;
}
async function deliveries(id: string): Promise<Loose[]> {
  const r = await api('GET', `/api/webhooks/${id}/deliveries`);
  expect(r.status).toBe(200);
  return r.body.items;
}
async function newReceiver(answer?: (n: number) => number | null) {
  const r = await receiver(answer);
  receivers.push(r);
  return r;
}

beforeAll(async () => {
  s = await startTestServer();
  cookies = await loginAll(s.base);
  worker = await startWorker({
    database: s.tdb,
    box: testBox,
    // No cloud here: an accepted run fails at once, which is a run.completed like any other.
    providerFor: () => {
      throw new ProviderError({ code: 'provider_unavailable', params: {} });
    },
    concurrency: 4,
    leaseSeconds: 30,
    pollIntervalMs: 100,
    sweepIntervalMs: 500,
    webhooks: {
      expiryWarningDays: 30,
      linkBase: PUBLIC_URL,
      scanIntervalMs: 100,
      attentionIntervalMs: 200,
      backoffBaseMs: 50,
      backoffMaxMs: 200,
      maxAttempts: 4,
      timeoutMs: 1000,
    },
  });
});
afterAll(async () => {
  await worker?.stop();
  for (const r of receivers) await r.close();
  await closeAll(s);
});

describe('the webhooks API', () => {
  it('creates, lists and deletes; the secret is sealed at rest and never answered; audited without it', async () => {
    const id = await createHook('https://hooks.example.test/services/T0/B0/abcdef', ['run.completed', 'run.blocked']);
    const row = await s.tdb.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.secret_ciphertext).not.toContain(SECRET);
    expect(testBox.open(row.secret_ciphertext, credentialAad({ table: 'webhooks', id }, 'secret_ciphertext'))).toBe(SECRET);
    const list = await api('GET', '/api/workspaces/contoso-msp/webhooks');
    expect(list.body.items.find((w: Loose) => w.id === id)).toMatchObject({
      url: 'https://hooks.example.test/services/T0/B0/abcdef',
      events: ['run.completed', 'run.blocked'],
      createdBy: { email: 'owner@contoso.example' },
    });
    expect((await api('DELETE', `/api/webhooks/${id}`, {})).status).toBe(204);
    expect((await api('DELETE', `/api/webhooks/${id}`, {})).status).toBe(404);
    const audit = await s.tdb.db.selectFrom('audit_log').select(['action', 'details']).where('action', 'like', 'webhook.%').execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['webhook.created', 'webhook.deleted']);
    for (const a of audit) expect(a.details).toMatchObject({ webhookId: id, url: 'https://hooks.example.test/…' });
    expect(JSON.stringify(audit)).not.toContain(SECRET);
  });

  it('validates the URL (http or https only), the events and the secret, naming the field', async () => {
    for (const url of ['ftp://example.test/x', 'not a url', 'javascript:alert(1)', 'file:///etc/passwd', '']) {
      const r = await api('POST', '/api/workspaces/contoso-msp/webhooks', { url, events: ['run.completed'], secret: SECRET });
      expect(r.status, url).toBe(400);
      expect(r.body.error.message).toMatch(/^url: /);
    }
    const noUrl = await api('POST', '/api/workspaces/contoso-msp/webhooks', { events: ['run.completed'], secret: SECRET });
    expect(noUrl.body.error.message).toBe('url: is required');
    const badEvent = await api('POST', '/api/workspaces/contoso-msp/webhooks', { url: 'https://x.test/', events: ['run.started'], secret: SECRET });
    expect(badEvent.body.error.message).toMatch(/^events\.0: must be one of run\.completed, run\.blocked, attention\.raised/);
    const noEvents = await api('POST', '/api/workspaces/contoso-msp/webhooks', { url: 'https://x.test/', events: [], secret: SECRET });
    expect(noEvents.body.error.message).toBe('events: must name at least one event');
    const shortSecret = await api('POST', '/api/workspaces/contoso-msp/webhooks', { url: 'https://x.test/', events: ['run.completed'], secret: 'short' });
    expect(shortSecret.body.error.message).toBe('secret: must be at least 16 characters');
  });

  it('owners only; another workspace’s webhook reads as not there', async () => {
    const id = await createHook('https://x.test/owner-only', ['run.completed']);
    expect(
      (await api('POST', '/api/workspaces/contoso-msp/webhooks', { url: 'https://x.test/', events: ['run.completed'], secret: SECRET }, 'manager')).status,
    ).toBe(403);
    expect((await api('GET', `/api/webhooks/${id}/deliveries`, undefined, 'manager')).status).toBe(403);
    expect((await api('DELETE', `/api/webhooks/${id}`, {}, 'operator')).status).toBe(403);
    for (const [method, path] of [
      ['GET', `/api/webhooks/${id}/deliveries`],
      ['DELETE', `/api/webhooks/${id}`],
      ['GET', `/api/webhooks/${crypto.randomUUID()}/deliveries`],
    ] as const) {
      const r = await api(method, path, method === 'DELETE' ? {} : undefined, 'outsider');
      expect(r.status, path).toBe(404);
    }
    expect((await api('GET', '/api/workspaces/contoso-msp/webhooks', undefined, 'outsider')).status).toBe(404);
    await api('DELETE', `/api/webhooks/${id}`, {});
  });
});

describe('deliveries', () => {
  it('a completed run reaches the receiver with the presenter’s sentence and a signature over the raw body', async () => {
    const rx = await newReceiver();
    const id = await createHook(rx.url, ['run.completed']);
    const northwind = await tenantBySlug(s.tdb.db, 'northwind');
    const conn = await connectionOf(s.tdb.db, 'northwind');
    const { runId } = await insertCompletedRun(s.tdb.db, {
      tenantId: northwind.id,
      type: 'inventory.sync',
      connectionId: conn.id,
      initiatorId: null,
      outcome: 'failed',
      reasonCode: 'provider_throttled',
    });
    const got = await eventually(() => rx.received.find((r) => JSON.parse(r.body).run?.id === runId), 'the delivery');
    expect(verify(got.body, SECRET, got.headers[SIGNATURE_HEADER] as string)).toBe(true);
    expect(got.headers[SIGNATURE_HEADER]).toBe(`sha256=${crypto.createHmac('sha256', SECRET).update(got.body).digest('hex')}`);
    expect(verify(got.body, 'another-secret-entirely', got.headers[SIGNATURE_HEADER] as string)).toBe(false);
    expect(got.headers['content-type']).toBe('application/json');
    const body = JSON.parse(got.body);
    expect(body).toMatchObject({
      event: 'run.completed',
      text: 'Inventory sync failed: Northwind Traders. Ran on the connection “Primary”. Microsoft Graph kept throttling requests, so the operation gave up. Next step: Try again in a few minutes.',
      tenant: { slug: 'northwind', name: 'Northwind Traders' },
      run: { id: runId, url: `${PUBLIC_URL}/admin/operations/${runId}`, type: 'inventory.sync', outcome: 'failed', trigger: 'scheduled' },
      outcome: 'failed',
      reason: { code: 'provider_throttled' },
      providerConnection: { id: conn.id, name: 'Primary' },
    });
    // Logged once, delivered on the first attempt; never sent again.
    const log = await eventually(async () => (await deliveries(id)).find((d) => d.status === 'delivered'), 'delivered status');
    expect(log).toMatchObject({ event: 'run.completed', attempts: 1, lastStatusCode: 200, lastError: null, text: body.text });
    await new Promise((r) => setTimeout(r, 400));
    expect(rx.received.filter((r) => JSON.parse(r.body).run?.id === runId)).toHaveLength(1);
    await api('DELETE', `/api/webhooks/${id}`, {});
  });

  it('a receiver that fails twice gets the delivery on the third attempt', async () => {
    const rx = await newReceiver((n) => (n <= 2 ? 500 : 200));
    const id = await createHook(rx.url, ['run.completed']);
    const lab = await tenantBySlug(s.tdb.db, 'contoso-lab');
    const { runId } = await insertCompletedRun(s.tdb.db, {
      tenantId: lab.id,
      type: 'entra_group_sync',
      connectionId: null,
      initiatorId: null,
      outcome: 'succeeded',
    });
    const [d] = await eventually(async () => {
      const list = await deliveries(id);
      return list.length === 1 && list[0].status === 'delivered' ? list : null;
    }, 'the third attempt');
    expect(d).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null });
    expect(rx.received).toHaveLength(3);
    // The same bytes and the same signature on every attempt.
    expect(new Set(rx.received.map((r) => r.body)).size).toBe(1);
    expect(new Set(rx.received.map((r) => r.headers[SIGNATURE_HEADER])).size).toBe(1);
    expect(JSON.parse(rx.received[0]!.body).run.id).toBe(runId);
    // Backoff: each retry waited at least the configured base, doubled.
    expect(rx.received[1]!.at - rx.received[0]!.at).toBeGreaterThanOrEqual(45);
    expect(rx.received[2]!.at - rx.received[1]!.at).toBeGreaterThanOrEqual(95);
    await api('DELETE', `/api/webhooks/${id}`, {});
  });

  it('gives up after the last attempt, recording the last error', async () => {
    const rx = await newReceiver(() => 503);
    const id = await createHook(rx.url, ['run.completed']);
    const lab = await tenantBySlug(s.tdb.db, 'contoso-lab');
    await insertCompletedRun(s.tdb.db, { tenantId: lab.id, type: 'compliance.snapshot', connectionId: null, initiatorId: null, outcome: 'succeeded' });
    const [d] = await eventually(async () => {
      const list = await deliveries(id);
      return list[0]?.status === 'failed' ? list : null;
    }, 'failed status');
    expect(d).toMatchObject({ status: 'failed', attempts: 4, lastStatusCode: 503, lastError: 'HTTP 503 Service Unavailable', nextAttemptAt: null });
    expect(rx.received).toHaveLength(4);
    await api('DELETE', `/api/webhooks/${id}`, {});
  });

  it('a dead receiver never holds up a start: every start answers while the receiver hangs', async () => {
    const rx = await newReceiver(() => null);
    const id = await createHook(rx.url, ['run.completed', 'run.blocked']);
    const healthy = await newReceiver();
    const healthyId = await createHook(healthy.url, ['run.blocked']);
    // Blocked starts (woodgrove has no consent) and an accepted one whose run then fails.
    const first = await api('POST', '/api/tenants/woodgrove/operations', { type: 'inventory.sync' });
    expect(first.body.outcome).toBe('blocked');
    // The receiver now holds a delivery of that blocked run without answering…
    await eventually(() => rx.received.some((r) => JSON.parse(r.body).run?.id === first.body.run.id), 'the hanging delivery');
    // …and starts still answer, one after another.
    const answered: string[] = [];
    for (const type of ['compliance.snapshot', 'entra_group_sync', 'directory_role_definitions.sync']) {
      const r = await api('POST', '/api/tenants/woodgrove/operations', { type });
      answered.push(r.body.outcome);
    }
    const accepted = await api('POST', '/api/tenants/northwind/operations', { type: 'inventory.sync' });
    answered.push(accepted.body.outcome);
    expect(answered).toEqual(['blocked', 'blocked', 'blocked', 'accepted']);
    const blocked = JSON.parse((await eventually(() => rx.received.find((r) => JSON.parse(r.body).run?.id === first.body.run.id), 'blocked body')).body);
    expect(blocked).toMatchObject({
      event: 'run.blocked',
      outcome: 'blocked',
      reason: { code: 'provider_consent_missing' },
      initiator: { email: 'owner@contoso.example' },
    });
    expect(blocked.text).toBe(
      'Inventory sync blocked: Woodgrove Bank. Admin consent has not been granted for this connection. Next step: Grant admin consent.',
    );
    // Another webhook is not held up by this one: it has every blocked start already.
    await eventually(() => healthy.received.length === 4, 'the other webhook’s deliveries');
    // The accepted run completes (no cloud here) and its delivery is attempted too.
    await eventually(
      () => rx.received.some((r) => JSON.parse(r.body).run?.id === accepted.body.run.id && JSON.parse(r.body).event === 'run.completed'),
      'the completed run',
    );
    await api('DELETE', `/api/webhooks/${id}`, {});
    await api('DELETE', `/api/webhooks/${healthyId}`, {});
  });

  it('a webhook gets only what completed after it was created, and nothing after it is deleted', async () => {
    const northwind = await tenantBySlug(s.tdb.db, 'northwind');
    const before = await insertCompletedRun(s.tdb.db, {
      tenantId: northwind.id,
      type: 'compliance.snapshot',
      connectionId: null,
      initiatorId: null,
      outcome: 'succeeded',
    });
    const rx = await newReceiver();
    const id = await createHook(rx.url, ['run.completed']);
    const after = await insertCompletedRun(s.tdb.db, {
      tenantId: northwind.id,
      type: 'compliance.snapshot',
      connectionId: null,
      initiatorId: null,
      outcome: 'succeeded',
    });
    await eventually(() => rx.received.some((r) => JSON.parse(r.body).run.id === after.runId), 'the later run');
    expect(rx.received.some((r) => JSON.parse(r.body).run.id === before.runId)).toBe(false);
    await api('DELETE', `/api/webhooks/${id}`, {});
    const gone = await insertCompletedRun(s.tdb.db, {
      tenantId: northwind.id,
      type: 'compliance.snapshot',
      connectionId: null,
      initiatorId: null,
      outcome: 'succeeded',
    });
    await new Promise((r) => setTimeout(r, 600));
    expect(rx.received.some((r) => JSON.parse(r.body).run.id === gone.runId)).toBe(false);
    // Fabrikam's runs never reach a Contoso webhook (checked on the last one's receiver too).
    expect(rx.received.every((r) => JSON.parse(r.body).tenant.slug !== 'fabrikam-retail')).toBe(true);
  });

  it('attention.raised: what is open at the first scan is not news; a new item is raised once, and again when it comes back', async () => {
    const rx = await newReceiver();
    const id = await createHook(rx.url, ['attention.raised']);
    const ws = await s.tdb.db.selectFrom('webhooks').select('workspace_id').where('id', '=', id).executeTakeFirstOrThrow();
    await eventually(
      () => s.tdb.db.selectFrom('attention_scans').select('scanned_at').where('workspace_id', '=', ws.workspace_id).executeTakeFirst(),
      'the first scan',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(rx.received).toHaveLength(0);

    const conn = await connectionOf(s.tdb.db, 'northwind');
    const disable = (enabled: boolean) =>
      s.tdb.db
        .updateTable('provider_connections')
        .set({ enabled, updated_at: sql<Date>`now()` })
        .where('id', '=', conn.id)
        .execute();
    await disable(false);
    const got = await eventually(() => rx.received[0], 'attention.raised');
    expect(verify(got.body, SECRET, got.headers[SIGNATURE_HEADER] as string)).toBe(true);
    expect(JSON.parse(got.body)).toMatchObject({
      event: 'attention.raised',
      text: 'Needs attention: Northwind Traders (connection “Primary”). The provider connection is disabled. Next step: Enable the connection.',
      tenant: { slug: 'northwind' },
      providerConnection: { id: conn.id, name: 'Primary' },
      code: 'provider_connection_disabled',
      severity: 'critical',
      nextSteps: [{ label: 'Enable the connection', url: `${PUBLIC_URL}/admin/provider-connections/${conn.id}` }],
    });
    await new Promise((r) => setTimeout(r, 600));
    expect(rx.received).toHaveLength(1);

    await disable(true);
    await eventually(
      async () =>
        !(await s.tdb.db.selectFrom('attention_open').select('key').where('key', 'like', `%${conn.id}:provider_connection_disabled`).executeTakeFirst()),
      'the item to close',
    );
    await disable(false);
    await eventually(() => rx.received.length === 2, 'raised again');
    await disable(true);
    await api('DELETE', `/api/webhooks/${id}`, {});
  });

  it('no answer of the API ever contains a secret', () => {
    expect(answers.length).toBeGreaterThan(20);
    for (const a of answers) expect(a).not.toContain(SECRET);
  });
});
