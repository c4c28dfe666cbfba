// Every route × every persona -> the expected status, GENERATED from the route table's
// access declarations and ROLE_CAPABILITIES. Only how to fill in each route's path and body
// is written here; a new route without a sample fails the first test.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_CAPABILITIES } from '../../src/access/capabilities.ts';
import type { Route } from '../../src/http/route.ts';
import { ROUTES } from '../../src/http/routes/index.ts';
import { OPERATION_TYPES, type OperationType } from '../../src/operations/definition.ts';
import { REGISTRY } from '../../src/operations/registry.ts';
import { createSession as createOnboarding } from '../../src/onboarding/sessions.ts';
import { connectionOf, tenantBySlug, userByEmail } from '../helpers/seed.ts';
import { call, freeAllScopes, insertCompletedRun, login, loginAll, PERSONAS, startTestServer, type Persona, type TestServer } from './helpers.ts';

interface Fixture {
  tenant: string;
  connectionId: string;
  restoreRunId: string;
  restoreRunName: string;
  /** Backup items of the tenant, for creating a restore run. */
  backupItemIds: string[];
  runId: string;
  notificationIds: Record<Persona, string>;
  onboardingSessionId: string;
}

interface Sample {
  path: string;
  body?: unknown;
  /** For routes whose capability is the operation type's. */
  operationType?: OperationType;
  /** Needs a session of its own (sign-out would end the shared one). */
  fresh?: boolean;
}

// Operations started from their own surfaces (onboarding) need a session id the generic
// start route does not take; they are covered by the onboarding routes.
const GENERIC_TYPES = OPERATION_TYPES.filter((t) => REGISTRY[t].dedupe !== 'onboarding_session');

const SAMPLES: Record<string, (f: Fixture, p: Persona) => Sample[]> = {
  'GET /healthz': () => [{ path: '/healthz' }],
  'GET /openapi.json': () => [{ path: '/openapi.json' }],
  'POST /api/session': () => [{ path: '/api/session', body: { email: PERSONAS.owner, password: 'opsgate-demo' } }],
  'GET /api/session': () => [{ path: '/api/session' }],
  'DELETE /api/session': () => [{ path: '/api/session', fresh: true }],
  'GET /api/setup': () => [{ path: '/api/setup' }],
  // Public; on the demo database (users exist) every caller gets 409 already_set_up.
  'POST /api/setup': () => [{ path: '/api/setup', body: { token: 'x', workspaceName: 'W', email: 'w@w.example', displayName: 'W', password: 'long enough password' } }],
  'GET /api/tenants': () => [{ path: '/api/tenants' }],
  'GET /api/tenants/:tenant': (f) => [{ path: `/api/tenants/${f.tenant}` }],
  // Setting the status it already has: allowed for the owner, and changes nothing.
  'PATCH /api/tenants/:tenant': (f) => [{ path: `/api/tenants/${f.tenant}`, body: { status: 'active' } }],
  'GET /api/provider-connections': () => [{ path: '/api/provider-connections' }],
  'GET /api/tenants/:tenant/provider-connections': (f) => [{ path: `/api/tenants/${f.tenant}/provider-connections` }],
  'GET /api/provider-connections/:id': (f) => [{ path: `/api/provider-connections/${f.connectionId}` }],
  'PATCH /api/provider-connections/:id': (f) => [{ path: `/api/provider-connections/${f.connectionId}`, body: { enabled: true } }],
  'GET /api/tenants/:tenant/restore-runs': (f) => [{ path: `/api/tenants/${f.tenant}/restore-runs` }],
  'GET /api/restore-runs/:id': (f) => [{ path: `/api/restore-runs/${f.restoreRunId}` }],
  'GET /api/tenants/:tenant/backup-items': (f) => [{ path: `/api/tenants/${f.tenant}/backup-items` }],
  // Restore run names are unique per tenant: one per persona and request.
  'POST /api/tenants/:tenant/restore-runs': (f, p) => [
    { path: `/api/tenants/${f.tenant}/restore-runs`, body: { name: `Matrix ${p} ${crypto.randomBytes(3).toString('hex')}`, backupItemIds: f.backupItemIds } },
  ],
  'POST /api/tenants/:tenant/operations': (f) =>
    GENERIC_TYPES.map((type) => ({
      path: `/api/tenants/${f.tenant}/operations`,
      body: { type, ...(type === 'restore.execute' ? { target: { restoreRunId: f.restoreRunId, confirm: f.restoreRunName } } : {}) },
      operationType: type,
    })),
  // A completed run: 409 for everyone who may see it (who may cancel is tested in test/runs/cancel.test.ts).
  'POST /api/operations/:runId/cancel': (f) => [{ path: `/api/operations/${f.runId}/cancel`, body: {} }],
  'GET /api/tenants/:tenant/operations/:type/preflight': (f) =>
    GENERIC_TYPES.map((type) => ({
      path: `/api/tenants/${f.tenant}/operations/${type}/preflight${type === 'restore.execute' ? `?restoreRunId=${f.restoreRunId}` : ''}`,
      operationType: type,
    })),
  'GET /api/operations': () => [{ path: '/api/operations' }],
  'GET /api/operations/:runId': (f) => [{ path: `/api/operations/${f.runId}` }],
  'GET /api/notifications': () => [{ path: '/api/notifications' }],
  'POST /api/notifications/:id/read': (f, p) => [{ path: `/api/notifications/${f.notificationIds[p]}/read`, body: {} }],
  'GET /api/tenants/:tenant/groups': (f) => [{ path: `/api/tenants/${f.tenant}/groups` }],
  'GET /api/tenants/:tenant/role-definitions': (f) => [{ path: `/api/tenants/${f.tenant}/role-definitions` }],
  'GET /api/tenants/:tenant/inventory': (f) => [{ path: `/api/tenants/${f.tenant}/inventory` }],
  'POST /api/onboarding': (_f, p) => [
    { path: '/api/onboarding', body: { name: `Matrix ${p}`, slug: `mx-${p}-${crypto.randomBytes(3).toString('hex')}`, entraTenantId: crypto.randomUUID() } },
  ],
  'GET /api/onboarding': () => [{ path: '/api/onboarding' }],
  'GET /api/onboarding/demo-presets': () => [{ path: '/api/onboarding/demo-presets' }],
  'POST /api/tenants/:tenant/provider-connections': (f, p) => [
    {
      path: `/api/tenants/${f.tenant}/provider-connections`,
      body: { name: `Matrix ${p} ${crypto.randomBytes(2).toString('hex')}`, clientId: crypto.randomUUID(), clientSecret: 'matrix-secret', secretExpiresAt: new Date(Date.now() + 86_400_000).toISOString(), isDefault: false },
    },
  ],
  'POST /api/provider-connections/:id/admin-consent': (f) => [{ path: `/api/provider-connections/${f.connectionId}/admin-consent`, body: {} }],
  'GET /api/onboarding/:id': (f) => [{ path: `/api/onboarding/${f.onboardingSessionId}` }],
  'POST /api/onboarding/:id/connection': (f) => [
    {
      path: `/api/onboarding/${f.onboardingSessionId}/connection`,
      body: { name: 'Primary', clientId: crypto.randomUUID(), clientSecret: 'matrix-secret', secretExpiresAt: new Date(Date.now() + 86_400_000).toISOString(), cloud: 'sandbox' },
    },
  ],
  'POST /api/onboarding/:id/verification': (f) => [{ path: `/api/onboarding/${f.onboardingSessionId}/verification`, body: {} }],
  'POST /api/onboarding/:id/bootstrap': (f) => [{ path: `/api/onboarding/${f.onboardingSessionId}/bootstrap`, body: { operations: ['inventory.sync'] } }],
  'POST /api/onboarding/:id/bootstrap/next': (f) => [{ path: `/api/onboarding/${f.onboardingSessionId}/bootstrap/next`, body: {} }],
  'POST /api/onboarding/:id/finish': (f) => [{ path: `/api/onboarding/${f.onboardingSessionId}/finish`, body: {} }],
  'POST /api/onboarding/:id/cancel': (f) => [{ path: `/api/onboarding/${f.onboardingSessionId}/cancel`, body: {} }],
  'GET /api/audit': () => [{ path: '/api/audit?limit=5' }],
  'GET /api/audit.csv': () => [{ path: '/api/audit.csv?limit=5' }],
};

const key = (r: Route) => `${r.method} ${r.url}`;
const PERSONA_LIST: Persona[] = ['owner', 'manager', 'operator', 'readonly', 'outsider', 'anonymous'];
const NOT_FOUND = JSON.stringify({ error: { code: 'not_found', message: 'Not found.' } });

type Expected = 'ok' | 401 | 403 | 404;

function expected(route: Route, persona: Persona, sample: Sample): Expected {
  const access = route.access;
  switch (access.kind) {
    case 'public':
      return 'ok';
    case 'user':
      return persona === 'anonymous' ? 401 : 'ok';
    case 'tenant': {
      if (persona === 'anonymous') return 401;
      // The outsider is a member of no Contoso tenant: not entitled reads as not there.
      if (persona === 'outsider') return 404;
      const capability = access.capability === 'operation-type' ? REGISTRY[sample.operationType!].capability : access.capability;
      return ROLE_CAPABILITIES[persona].includes(capability) ? 'ok' : 403;
    }
    case 'workspace':
      if (persona === 'anonymous') return 401;
      // Every persona belongs to one workspace, with one role on its tenants.
      return ROLE_CAPABILITIES[persona === 'outsider' ? 'owner' : persona].includes(access.capability) ? 'ok' : 403;
  }
}

/** Success statuses a route declares (the start route declares 202, 200 and 409). */
const okStatuses = (route: Route) =>
  Object.keys(route.responses)
    .map(Number)
    .filter((s) => ![401, 403, 404, 429, 503].includes(s));

// Every expectation class must actually occur, so the matrix cannot pass vacuously.
const tally: Record<string, number> = { ok: 0, 401: 0, 403: 0, 404: 0 };

let s: TestServer;
let cookies: Record<Persona, string | null>;
let fixture: Fixture;

beforeAll(async () => {
  s = await startTestServer();
  cookies = await loginAll(s.base);
  const db = s.tdb.db;
  const northwind = await tenantBySlug(db, 'northwind');
  const fabrikam = await tenantBySlug(db, 'fabrikam-retail');
  const conn = await connectionOf(db, 'northwind');
  const rr = await db.selectFrom('restore_runs').select(['id', 'name']).where('tenant_id', '=', northwind.id).executeTakeFirstOrThrow();
  const backupItemIds = (await db.selectFrom('backup_items').select('id').where('tenant_id', '=', northwind.id).limit(2).execute()).map((b) => b.id);
  const notificationIds = {} as Record<Persona, string>;
  for (const p of PERSONA_LIST) {
    if (p === 'anonymous') {
      notificationIds[p] = crypto.randomUUID();
      continue;
    }
    const user = await userByEmail(db, PERSONAS[p]);
    const tenantId = p === 'outsider' ? fabrikam.id : northwind.id;
    const { notificationId } = await insertCompletedRun(db, { tenantId, type: 'inventory.sync', connectionId: null, initiatorId: user.id, outcome: 'succeeded' });
    notificationIds[p] = notificationId!;
  }
  const { runId } = await insertCompletedRun(db, { tenantId: northwind.id, type: 'inventory.sync', connectionId: conn.id, initiatorId: null, outcome: 'succeeded', notify: false });
  // A tenant being onboarded, with every Contoso persona a member in its usual role.
  const owner = await userByEmail(db, PERSONAS.owner);
  const session = await createOnboarding(db, { workspaceId: northwind.workspace_id, userId: owner.id, name: 'Matrix onboarding', slug: 'matrix-onboarding', entraTenantId: crypto.randomUUID() });
  for (const p of ['manager', 'operator', 'readonly'] as const) {
    const u = await userByEmail(db, PERSONAS[p]);
    await db.insertInto('tenant_memberships').values({ tenant_id: session.tenant_id, user_id: u.id, role: p }).execute();
  }
  fixture = { tenant: 'northwind', connectionId: conn.id, restoreRunId: rr.id, restoreRunName: rr.name, backupItemIds, runId, notificationIds, onboardingSessionId: session.id };
});
afterAll(async () => s?.close());

describe('the 404/403 matrix', () => {
  it('has a request sample for every route in the table', () => {
    expect(ROUTES.map(key).filter((k) => !SAMPLES[k])).toEqual([]);
    expect(Object.keys(SAMPLES).filter((k) => !ROUTES.some((r) => key(r) === k))).toEqual([]);
  });

  for (const route of ROUTES) {
    it(`${key(route)}: ${PERSONA_LIST.join(', ')}`, async () => {
      const seen: string[] = [];
      for (const persona of PERSONA_LIST) {
        for (const sample of SAMPLES[key(route)]!(fixture, persona)) {
          await freeAllScopes(s.tdb.db);
          const cookie = sample.fresh && persona !== 'anonymous' ? await login(s.base, PERSONAS[persona]) : cookies[persona];
          const res = await call(s.base, route.method, sample.path, { cookie, body: sample.body });
          const want = expected(route, persona, sample);
          const label = `${persona} ${route.method} ${sample.path} ${sample.operationType ?? ''} -> ${res.status} ${res.text.slice(0, 200)}`;
          seen.push(`${persona}:${res.status}`);
          tally[String(want)]! += 1;
          if (want === 'ok') {
            expect(okStatuses(route), label).toContain(res.status);
          } else {
            expect(res.status, label).toBe(want);
            expect(res.body?.error?.code, label).toBe({ 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found' }[want]);
            if (want === 404) expect(res.text, label).toBe(NOT_FOUND);
          }
        }
      }
      expect(seen.length).toBeGreaterThanOrEqual(PERSONA_LIST.length);
    });
  }

  it('exercised every kind of answer', () => {
    expect(tally.ok).toBeGreaterThan(50);
    expect(tally[401]).toBeGreaterThan(15);
    expect(tally[403]).toBeGreaterThan(10);
    expect(tally[404]).toBeGreaterThan(15);
  });

  it('a tenant, connection, restore run or run that does not exist reads exactly like one the user may not see', async () => {
    const missing: Fixture = {
      tenant: 'no-such-tenant',
      connectionId: crypto.randomUUID(),
      restoreRunId: crypto.randomUUID(),
      restoreRunName: 'none',
      backupItemIds: [crypto.randomUUID()],
      runId: crypto.randomUUID(),
      notificationIds: fixture.notificationIds,
      onboardingSessionId: crypto.randomUUID(),
    };
    for (const route of ROUTES.filter((r) => r.access.kind === 'tenant')) {
      for (const sample of SAMPLES[key(route)]!(missing, 'owner')) {
        const res = await call(s.base, route.method, sample.path, { cookie: cookies.owner, body: sample.body });
        expect(res.status, `${route.method} ${sample.path}`).toBe(404);
        expect(res.text).toBe(NOT_FOUND);
      }
    }
  });

  it('in the other direction too: a Contoso owner cannot see Fabrikam', async () => {
    const fab = await connectionOf(s.tdb.db, 'fabrikam-retail');
    for (const path of ['/api/tenants/fabrikam-retail', '/api/tenants/fabrikam-retail/provider-connections', `/api/provider-connections/${fab.id}`]) {
      const res = await call(s.base, 'GET', path, { cookie: cookies.owner });
      expect(res.text).toBe(NOT_FOUND);
    }
    const own = await call(s.base, 'GET', '/api/tenants/fabrikam-retail', { cookie: cookies.outsider });
    expect(own.status).toBe(200);
  });

  it("someone else's notification reads as not there", async () => {
    const res = await call(s.base, 'POST', `/api/notifications/${fixture.notificationIds.owner}/read`, { cookie: cookies.operator, body: {} });
    expect(res.text).toBe(NOT_FOUND);
  });
});
