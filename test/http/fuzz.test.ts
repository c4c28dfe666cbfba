// Thousands of malformed requests over real HTTP: random methods, paths built from the
// route table with good and bad ids, query strings, content types, bodies (random JSON,
// broken JSON, deep nesting, oversized, near-valid field mutations), cookies and headers.
// The contract: no 5xx ever, every error in the one error shape, no secret in any answer,
// and the server healthy afterwards.
//   OPSGATE_FUZZ_RUNS=10000 npx vitest run test/http/fuzz.test.ts   (reliability run)
//   OPSGATE_FUZZ_SEED=<n> replays a failing run.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, SESSION_COOKIE } from '../../src/http/auth.ts';
import { ROUTES } from '../../src/http/routes/index.ts';
import { OPERATION_TYPES } from '../../src/operations/definition.ts';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { connectionOf, tenantBySlug, userByEmail } from '../helpers/seed.ts';
import { call, insertCompletedRun, login, startTestServer, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

const RUNS = Number(process.env.OPSGATE_FUZZ_RUNS ?? 2000);
const SEED = process.env.OPSGATE_FUZZ_SEED ? Number(process.env.OPSGATE_FUZZ_SEED) : undefined;

const DEMO_SECRETS = DEMO_WORKSPACES.flatMap((w) => w.tenants.flatMap((t) => t.connections.map((c) => c.secret)));

let s: TestServer;
let known: { ids: string[]; slugs: string[]; ownerId: string; operatorId: string; ciphertexts: string[] };

beforeAll(async () => {
  s = await startTestServer();
  const db = s.tdb.db;
  const northwind = await tenantBySlug(db, 'northwind');
  const owner = await userByEmail(db, 'owner@contoso.example');
  const operator = await userByEmail(db, 'operator@contoso.example');
  const conns = await Promise.all([connectionOf(db, 'northwind'), connectionOf(db, 'contoso-lab', 'Secondary'), connectionOf(db, 'fabrikam-retail')]);
  const rr = await db.selectFrom('restore_runs').select('id').executeTakeFirstOrThrow();
  const { runId, notificationId } = await insertCompletedRun(db, {
    tenantId: northwind.id,
    type: 'inventory.sync',
    connectionId: conns[0].id,
    initiatorId: owner.id,
    outcome: 'failed',
    reasonCode: 'provider_throttled',
  });
  const ciphertexts = (await db.selectFrom('provider_connections').select('secret_ciphertext').execute()).map((r) => r.secret_ciphertext!).filter(Boolean);
  known = {
    ids: [northwind.id, ...conns.map((c) => c.id), rr.id, runId, notificationId!],
    slugs: ['northwind', 'woodgrove', 'litware', 'adatum', 'fabrikam-retail', 'contoso-lab'],
    ownerId: owner.id,
    operatorId: operator.id,
    ciphertexts,
  };
}, 120_000);
afterAll(() => closeAll(s));

// ---- arbitraries ------------------------------------------------------------------------

const printable = (max: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${max}}$`));
const encoded = fc.string({ unit: 'grapheme', maxLength: 40 }).map(encodeURIComponent);

const segment = () =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known.ids) },
    { weight: 3, arbitrary: fc.constantFrom(...known.slugs, ...OPERATION_TYPES) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: encoded },
    {
      weight: 1,
      arbitrary: fc.constantFrom('%', '%00', '%zz', '..', '%2e%2e', '%2F', ';', "'", '"', '00000000-0000-0000-0000-00000000000g', 'NaN', '-1', ' '),
    },
    { weight: 1, arbitrary: fc.integer({ min: 60, max: 5000 }).map((n) => 'a'.repeat(n)) },
  );

/** A value for a named path parameter: usually one of the right kind, sometimes anything. */
const paramValue = (name: string) => {
  const good: Record<string, string[]> = {
    tenant: [...known.slugs, known.ids[0]!],
    type: [...OPERATION_TYPES],
    id: known.ids,
    runId: known.ids,
  };
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...(good[name] ?? known.ids)) }, { weight: 1, arbitrary: segment() });
};

/** A route of the table with its parameters filled in, and (usually) its own method. */
const routedRequest = (otherMethods = true) =>
  fc.constantFrom(...ROUTES).chain((route) => {
    const names = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
    return fc.record({
      path: fc.tuple(...names.map(paramValue), fc.constant('')).map((values) => {
        let i = 0;
        return route.url.replace(/:[A-Za-z]+/g, () => values[i++]!);
      }),
      method: otherMethods
        ? fc.oneof({ weight: 4, arbitrary: fc.constant<string>(route.method) }, { weight: 1, arbitrary: fc.constantFrom<string>(...METHODS) })
        : fc.constant<string>(route.method),
    });
  });

const METHODS = ['GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'HEAD', 'OPTIONS'] as const;

const randomPath = () =>
  fc.oneof(
    fc.webPath(),
    fc.array(segment(), { maxLength: 5 }).map((segs) => `/api/${segs.join('/')}`),
    fc.constantFrom('/', '/api', '/api/', '/admin/t/northwind', '//api//tenants', '/api/tenants/', '/api/operations/', '/openapi.json/x'),
  );

const queryString = () =>
  fc.option(
    fc
      .array(
        fc.tuple(
          fc.constantFrom(
            'tenant',
            'type',
            'outcome',
            'status',
            'limit',
            'offset',
            'before',
            'kind',
            'unread',
            'providerConnectionId',
            'restoreRunId',
            'x',
            '',
          ),
          fc.oneof(segment(), fc.integer().map(String), fc.constantFrom('true', 'failed', 'queued', '2020-01-01T00:00:00Z', '9999999999', '1e3', '')),
        ),
        { maxLength: 5 },
      )
      .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
    { nil: '' },
  );

const deep = fc
  .integer({ min: 100, max: 20_000 })
  .chain((n) => fc.constantFrom('['.repeat(n) + ']'.repeat(n), '{"a":'.repeat(n) + '1' + '}'.repeat(n), `{"type":${'['.repeat(n)}${']'.repeat(n)}}`));

// Built inside the test (like every arbitrary that names known ids), after beforeAll.
const fieldValue = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...OPERATION_TYPES, ...known.ids, true, false) },
    fc.jsonValue({ maxDepth: 2 }),
    fc.string({ maxLength: 30 }),
    fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '2999-01-01T00:00:00Z', '1999-01-01T00:00:00Z', 'not-a-date', '', ' '),
  );
const nearValidBody = () =>
  fc
    .dictionary(
      fc.constantFrom(
        'type',
        'type',
        'providerConnectionId',
        'target',
        'isDefault',
        'enabled',
        'clientSecret',
        'secretExpiresAt',
        'email',
        'password',
        '__proto__',
        'constructor',
        'extra',
      ),
      fc.oneof(fieldValue(), fc.record({ restoreRunId: fieldValue() })),
      { maxKeys: 4 },
    )
    .map((o) => JSON.stringify(o));

/** Bodies that pass validation (or nearly), so requests reach the gate and the writes. */
const startBody = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ type: fc.constantFrom(...OPERATION_TYPES) }) },
    fc.record(
      {
        type: fc.constantFrom(...OPERATION_TYPES),
        providerConnectionId: fc.oneof(fc.constantFrom(...known.ids), fc.uuid(), fc.constant(null)),
        target: fc.record({ restoreRunId: fc.oneof(fc.constantFrom(...known.ids), fc.uuid()) }),
      },
      { requiredKeys: ['type'] },
    ),
  );

const shapedBody = () =>
  fc
    .oneof(
      startBody(),
      fc.record({ isDefault: fc.boolean(), enabled: fc.boolean() }, { requiredKeys: [] }),
      fc.record({ clientSecret: fc.string({ maxLength: 40 }), secretExpiresAt: fc.constantFrom('2999-01-01T00:00:00Z', '2001-01-01T00:00:00Z') }),
    )
    .map((o) => JSON.stringify(o));

const body = () =>
  fc.oneof(
    { weight: 6, arbitrary: shapedBody() },
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 6, arbitrary: nearValidBody() },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 120_000 }).map((n) => JSON.stringify({ type: 'x'.repeat(n) })) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', '{', '{"type":', '"\\u0000"', '{"type":"inventory.sync"}{}', '\ufeff{}') },
  );

const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/json;;',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '*/*',
  'json',
  '',
  null,
);

type CookieKind = 'none' | 'owner' | 'operator' | 'junk';
const cookieKind = fc.constantFrom<CookieKind>('none', 'owner', 'owner', 'operator', 'junk');
const junkCookie = fc.oneof(
  printable(60).map((v) => `${SESSION_COOKIE}=${v.replace(/[;,]/g, '')}`),
  printable(100).map((v) => v.replace(/[;,]/g, '')),
  fc.constant(`${SESSION_COOKIE}=${'A'.repeat(43)}`),
);

const extraHeaders = fc.dictionary(
  fc.constantFrom('accept', 'origin', 'referer', 'x-forwarded-for', 'user-agent', 'accept-language', 'if-none-match', 'x-requested-with'),
  printable(200),
  { maxKeys: 3 },
);

/** Anything goes: every part drawn independently. */
const chaoticRequest = () =>
  fc.record({
    target: fc.oneof(
      { weight: 5, arbitrary: routedRequest() },
      { weight: 1, arbitrary: fc.record({ path: randomPath(), method: fc.constantFrom(...METHODS) }) },
    ),
    query: queryString(),
    body: body(),
    contentType,
    cookie: cookieKind,
    junkCookie,
    headers: extraHeaders,
  });

/** Well-formed but for one or two values, so requests get past the edge into the gate and the writes. */
const coherentRequest = () =>
  fc.record({
    target: routedRequest(false),
    query: fc.constant(''),
    body: shapedBody(),
    contentType: fc.constant('application/json'),
    cookie: fc.constantFrom<CookieKind>('owner', 'operator'),
    junkCookie: fc.constant(''),
    headers: fc.constant({}),
  });

/** A start on one of the demo tenants: the gate's four outcomes, under fire. */
const startRequest = () =>
  fc.record({
    target: fc.constantFrom(...known.slugs).map((slug) => ({ path: `/api/tenants/${slug}/operations`, method: 'POST' })),
    query: fc.constant(''),
    body: startBody().map((b) => JSON.stringify(b)),
    contentType: fc.constant('application/json'),
    cookie: fc.constantFrom<CookieKind>('owner', 'operator'),
    junkCookie: fc.constant(''),
    headers: fc.constant({}),
  });

const request = () =>
  fc.oneof({ weight: 6, arbitrary: chaoticRequest() }, { weight: 3, arbitrary: coherentRequest() }, { weight: 1, arbitrary: startRequest() });

// ---- the property ---------------------------------------------------------------------------

function checkAnswer(method: string, status: number, text: string, label: string) {
  expect(status, label).toBeLessThan(500);
  for (const secret of DEMO_SECRETS) expect(text.includes(secret), `${label}: leaks a demo secret`).toBe(false);
  expect(text.includes('secret_ciphertext'), label).toBe(false);
  for (const c of known.ciphertexts) expect(text.includes(c), `${label}: leaks a ciphertext`).toBe(false);
  if (status >= 400 && method !== 'HEAD') {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown }; outcome?: unknown };
    // 409 is also the start answer for scope busy and blocked: not an error body.
    if (status === 409 && (parsed.outcome === 'scope_busy' || parsed.outcome === 'blocked')) return;
    // A connection a run holds refuses its delete naming that run beside the error (docs/API.md).
    const extra = status === 409 && parsed.error?.code === 'connection_in_use' ? ['run'] : [];
    expect(Object.keys(parsed), label).toEqual(['error', ...extra]);
    expect(typeof parsed.error?.code, label).toBe('string');
    expect(typeof parsed.error?.message, label).toBe('string');
  }
}

describe('fuzzing the HTTP edge', () => {
  it(
    `${RUNS} malformed requests: no 5xx, one error shape, no secrets`,
    async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(request(), async (r) => {
          const headers: Record<string, string> = { ...r.headers };
          if (r.cookie === 'owner' || r.cookie === 'operator') {
            // A session of its own per request: a fuzzed sign-out must not end the others.
            const token = await createSession(s.tdb.db, r.cookie === 'owner' ? known.ownerId : known.operatorId);
            headers.cookie = `${SESSION_COOKIE}=${token}`;
          } else if (r.cookie === 'junk') {
            headers.cookie = r.junkCookie;
          }
          if (r.contentType !== null) headers['content-type'] = r.contentType;
          const { method, path } = r.target;
          const withBody = !['GET', 'HEAD'].includes(method) && r.body !== undefined;
          const url = s.base + path + r.query;
          const label = `${method} ${(path + r.query).slice(0, 200)} ct=${r.contentType} cookie=${r.cookie} body=${String(r.body).slice(0, 200)}`;
          let res: Response;
          try {
            res = await fetch(url, { method, headers, body: withBody ? r.body : undefined });
          } catch (err) {
            // The client refusing to send (an invalid URL) is not the server's answer.
            if (err instanceof TypeError && !String(err.cause ?? '').includes('ECONNRE')) return;
            throw err;
          }
          const text = await res.text();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          checkAnswer(method, res.status, text, label);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      if (process.env.OPSGATE_FUZZ_VERBOSE) console.log(JSON.stringify([...statuses].sort((a, b) => a[0] - b[0])));
      // The fuzzing reached past the edge, not only into 400s.
      const count = (pred: (s: number) => boolean) => [...statuses].filter(([k]) => pred(k)).reduce((a, [, n]) => a + n, 0);
      expect(
        count((x) => x >= 200 && x < 300),
        JSON.stringify([...statuses]),
      ).toBeGreaterThan(RUNS * 0.03);
      for (const code of [200, 202, 400, 401, 404, 409, 413, 415]) expect(statuses.get(code) ?? 0, `status ${code}`).toBeGreaterThan(0);
    },
    60_000 + RUNS * 40,
  );

  it('the server is still healthy and usable afterwards', async () => {
    expect((await call(s.base, 'GET', '/healthz')).status).toBe(200);
    const cookie = await login(s.base, 'readonly@contoso.example');
    const tenants = await call(s.base, 'GET', '/api/tenants', { cookie });
    expect(tenants.status).toBe(200);
    expect(tenants.body.items.length).toBe(7);
  });
});
