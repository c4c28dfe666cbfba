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
import { acceptInvitation, createInvitation } from '../../src/members/invitations.ts';
import { bulkStart } from '../../src/bulk/bulk-start.ts';
import { createSchedule } from '../../src/schedules/store.ts';
import { createSession as createOnboarding } from '../../src/onboarding/sessions.ts';
import { connectionOf, tenantBySlug, testBox, userByEmail } from '../helpers/seed.ts';
import { createWebhook } from '../../src/webhooks/store.ts';
import { createApp } from '../../src/apps/store.ts';
import { call, freeAllScopes, insertCompletedRun, login, loginAll, PERSONAS, startTestServer, type Persona, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

interface Fixture {
  tenant: string;
  connectionId: string;
  /** Non-default northwind connections: one per persona to delete, one to rotate to a certificate. */
  deletableConnectionIds: Record<Persona, string>;
  spareConnectionId: string;
  restoreRunId: string;
  restoreRunName: string;
  /** Backup items of the tenant, for creating a restore run. */
  backupItemIds: string[];
  runId: string;
  notificationIds: Record<Persona, string>;
  onboardingSessionId: string;
  /** Members and invitations: ids per persona (in the persona's own workspace). */
  userIds: Record<Persona, string>;
  invitationIds: Record<Persona, string>;
  /** A pending invitation's token, and one already accepted. */
  invitationToken: string;
  usedInvitationToken: string;
  /** Members the workspace owners may remove, one per workspace. */
  victims: { contoso: string; fabrikam: string };
  /** Webhooks: one per persona to delete (in its own workspace), one per workspace to read. */
  webhookIds: Record<Persona, string>;
  webhooks: { contoso: string; fabrikam: string };
  /** A bulk operation in each workspace. */
  bulkIds: { contoso: string; fabrikam: string };
  /** Schedules: one per persona to delete (in its own workspace), one per workspace to read or change. */
  scheduleIds: Record<Persona, string>;
  schedules: { contoso: string; fabrikam: string };
  /** Workspace app registrations: one per persona to delete (in its own workspace), one per workspace to change. */
  appIds: Record<Persona, string>;
  apps: { contoso: string; fabrikam: string };
}

/** Workspace routes act in the persona's own workspace; other workspaces are checked below. */
const wsOf = (p: Persona) => (p === 'outsider' ? 'fabrikam-msp' : 'contoso-msp');

interface Sample {
  path: string;
  body?: unknown;
  /** For routes whose capability is the operation type's. */
  operationType?: OperationType;
  /** Needs a session of its own (sign-out would end the shared one). */
  fresh?: boolean;
  /** Ends every session of the persona (sign out everywhere): signed in again afterwards. */
  relogin?: boolean;
}

// Operations started from their own surfaces (onboarding) need a session id the generic
// start route does not take; they are covered by the onboarding routes.
const GENERIC_TYPES = OPERATION_TYPES.filter((t) => REGISTRY[t].dedupe !== 'onboarding_session');

const SAMPLES: Record<string, (f: Fixture, p: Persona) => Sample[]> = {
  'GET /healthz': () => [{ path: '/healthz' }],
  'GET /readyz': () => [{ path: '/readyz' }],
  'GET /openapi.json': () => [{ path: '/openapi.json' }],
  // Signing in ends the session the request's cookie held (rotation): a session of its own.
  'POST /api/session': () => [{ path: '/api/session', body: { email: PERSONAS.owner, password: 'opsgate-demo' }, fresh: true }],
  'GET /api/session': () => [{ path: '/api/session' }],
  'DELETE /api/session': () => [{ path: '/api/session', fresh: true }],
  'POST /api/session/sign-out-everywhere': () => [{ path: '/api/session/sign-out-everywhere', body: {}, relogin: true }],
  'GET /api/setup': () => [{ path: '/api/setup' }],
  'GET /api/auth/providers': () => [{ path: '/api/auth/providers' }],
  // Same password again: allowed for everyone, changes nothing the other samples depend on.
  'POST /api/session/password': () => [{ path: '/api/session/password', body: { current: 'opsgate-demo', new: 'opsgate-demo' } }],
  'GET /api/workspaces': () => [{ path: '/api/workspaces' }],
  'GET /api/workspaces/:ws/members': (_f, p) => [{ path: `/api/workspaces/${wsOf(p)}/members` }],
  // Each owner sets their own role to what it is.
  'PATCH /api/workspaces/:ws/members/:userId': (f, p) => [
    { path: `/api/workspaces/${wsOf(p)}/members/${f.userIds[p]}`, body: { role: p === 'outsider' || p === 'anonymous' ? 'owner' : p } },
  ],
  'DELETE /api/workspaces/:ws/members/:userId': (f, p) => [
    { path: `/api/workspaces/${wsOf(p)}/members/${p === 'outsider' ? f.victims.fabrikam : f.victims.contoso}`, body: {} },
  ],
  'GET /api/workspaces/:ws/invitations': (_f, p) => [{ path: `/api/workspaces/${wsOf(p)}/invitations` }],
  'POST /api/workspaces/:ws/invitations': (_f, p) => [
    {
      path: `/api/workspaces/${wsOf(p)}/invitations`,
      body: { email: `mx-${p}-${crypto.randomBytes(3).toString('hex')}@example.test`, role: 'readonly', tenants: p === 'outsider' ? 'all' : ['northwind'] },
    },
  ],
  'DELETE /api/workspaces/:ws/invitations/:id': (f, p) => [{ path: `/api/workspaces/${wsOf(p)}/invitations/${f.invitationIds[p]}`, body: {} }],
  'POST /api/invitations/lookup': (f) => [{ path: '/api/invitations/lookup', body: { token: f.invitationToken } }],
  // Public: an accepted invitation answers 410 invitation_used to anyone.
  'POST /api/invitations/accept': (f) => [{ path: '/api/invitations/accept', body: { token: f.usedInvitationToken, password: 'whatever it is' } }],
  // Public; on the demo database (users exist) every caller gets 409 already_set_up.
  'POST /api/setup': () => [
    { path: '/api/setup', body: { token: 'x', workspaceName: 'W', email: 'w@w.example', displayName: 'W', password: 'long enough password' } },
  ],
  'GET /api/tenants': () => [{ path: '/api/tenants' }],
  'GET /api/tenants/:tenant': (f) => [{ path: `/api/tenants/${f.tenant}` }],
  // Setting the status it already has: allowed for the owner, and changes nothing.
  'PATCH /api/tenants/:tenant': (f) => [{ path: `/api/tenants/${f.tenant}`, body: { status: 'active' } }],
  'GET /api/provider-connections': () => [{ path: '/api/provider-connections' }],
  'GET /api/tenants/:tenant/provider-connections': (f) => [{ path: `/api/tenants/${f.tenant}/provider-connections` }],
  'GET /api/provider-connections/:id': (f) => [{ path: `/api/provider-connections/${f.connectionId}` }],
  'PATCH /api/provider-connections/:id': (f) => [
    { path: `/api/provider-connections/${f.connectionId}`, body: { enabled: true } },
    { path: `/api/provider-connections/${f.spareConnectionId}`, body: { credential: { type: 'certificate' } } },
  ],
  'DELETE /api/provider-connections/:id': (f, p) => [{ path: `/api/provider-connections/${f.deletableConnectionIds[p]}`, body: {} }],
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
  'POST /api/workspaces/:ws/bulk-operations': (_f, p) => [
    { path: `/api/workspaces/${wsOf(p)}/bulk-operations`, body: { type: 'inventory.sync', tenants: [p === 'outsider' ? 'fabrikam-retail' : 'northwind'] } },
  ],
  'GET /api/workspaces/:ws/bulk-operations': (_f, p) => [{ path: `/api/workspaces/${wsOf(p)}/bulk-operations` }],
  'GET /api/workspaces/:ws/schedules': (_f, p) => [{ path: `/api/workspaces/${wsOf(p)}/schedules` }],
  'POST /api/workspaces/:ws/schedules': (_f, p) => [
    {
      path: `/api/workspaces/${wsOf(p)}/schedules`,
      body: { name: `Matrix ${p} ${crypto.randomBytes(3).toString('hex')}`, type: 'inventory.sync', tenants: 'all', cron: '0 3 * * *', timezone: 'UTC' },
    },
  ],
  'PATCH /api/schedules/:id': (f, p) => [{ path: `/api/schedules/${p === 'outsider' ? f.schedules.fabrikam : f.schedules.contoso}`, body: { enabled: true } }],
  'DELETE /api/schedules/:id': (f, p) => [{ path: `/api/schedules/${f.scheduleIds[p]}`, body: {} }],
  'GET /api/schedules/:id/firings': (f, p) => [{ path: `/api/schedules/${p === 'outsider' ? f.schedules.fabrikam : f.schedules.contoso}/firings` }],
  'GET /api/bulk-operations/:id': (f, p) => [{ path: `/api/bulk-operations/${p === 'outsider' ? f.bulkIds.fabrikam : f.bulkIds.contoso}` }],
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
      body: {
        name: `Matrix ${p} ${crypto.randomBytes(2).toString('hex')}`,
        clientId: crypto.randomUUID(),
        clientSecret: 'matrix-secret',
        secretExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        isDefault: false,
      },
    },
    // On the workspace app: the same route, the same rules.
    {
      path: `/api/tenants/${f.tenant}/provider-connections`,
      body: { name: `Matrix app ${p} ${crypto.randomBytes(2).toString('hex')}`, appRegistrationId: f.apps.contoso, isDefault: false },
    },
  ],
  'POST /api/provider-connections/:id/admin-consent': (f) => [{ path: `/api/provider-connections/${f.connectionId}/admin-consent`, body: {} }],
  'GET /api/onboarding/:id': (f) => [{ path: `/api/onboarding/${f.onboardingSessionId}` }],
  'POST /api/onboarding/:id/connection': (f) => [
    {
      path: `/api/onboarding/${f.onboardingSessionId}/connection`,
      body: {
        name: 'Primary',
        clientId: crypto.randomUUID(),
        clientSecret: 'matrix-secret',
        secretExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        cloud: 'sandbox',
      },
    },
  ],
  'POST /api/onboarding/:id/verification': (f) => [{ path: `/api/onboarding/${f.onboardingSessionId}/verification`, body: {} }],
  'POST /api/onboarding/:id/bootstrap': (f) => [{ path: `/api/onboarding/${f.onboardingSessionId}/bootstrap`, body: { operations: ['inventory.sync'] } }],
  'POST /api/onboarding/:id/bootstrap/next': (f) => [{ path: `/api/onboarding/${f.onboardingSessionId}/bootstrap/next`, body: {} }],
  'POST /api/onboarding/:id/finish': (f) => [{ path: `/api/onboarding/${f.onboardingSessionId}/finish`, body: {} }],
  'POST /api/onboarding/:id/cancel': (f) => [{ path: `/api/onboarding/${f.onboardingSessionId}/cancel`, body: {} }],
  'GET /api/audit': () => [{ path: '/api/audit?limit=5' }],
  'GET /api/audit.csv': () => [{ path: '/api/audit.csv?limit=5' }],
  'POST /api/workspaces/:ws/webhooks': (_f, p) => [
    { path: `/api/workspaces/${wsOf(p)}/webhooks`, body: { url: 'http://127.0.0.1:9/matrix', events: ['run.completed'], secret: 'matrix-webhook-secret' } },
  ],
  'GET /api/workspaces/:ws/webhooks': (_f, p) => [{ path: `/api/workspaces/${wsOf(p)}/webhooks` }],
  'DELETE /api/webhooks/:id': (f, p) => [{ path: `/api/webhooks/${f.webhookIds[p]}`, body: {} }],
  'GET /api/webhooks/:id/deliveries': (f, p) => [{ path: `/api/webhooks/${p === 'outsider' ? f.webhooks.fabrikam : f.webhooks.contoso}/deliveries` }],
  'GET /api/workspaces/:ws/app-registrations': (_f, p) => [{ path: `/api/workspaces/${wsOf(p)}/app-registrations` }],
  'POST /api/workspaces/:ws/app-registrations': (_f, p) => [
    {
      path: `/api/workspaces/${wsOf(p)}/app-registrations`,
      body: {
        name: `Matrix ${p} ${crypto.randomBytes(3).toString('hex')}`,
        clientId: crypto.randomUUID(),
        cloud: 'sandbox',
        credential: { type: 'secret', secret: 'matrix-secret', expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
      },
    },
  ],
  'PATCH /api/app-registrations/:id': (f, p) => [
    {
      path: `/api/app-registrations/${p === 'outsider' ? f.apps.fabrikam : f.apps.contoso}`,
      body: { credential: { type: 'secret', secret: 'matrix-rotated', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } },
    },
  ],
  'DELETE /api/app-registrations/:id': (f, p) => [{ path: `/api/app-registrations/${f.appIds[p]}`, body: {} }],
  'GET /api/workspaces/:ws/attention': (_f, p) => [{ path: `/api/workspaces/${wsOf(p)}/attention` }],
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
  const spareConnection = (name: string) =>
    db
      .insertInto('provider_connections')
      .values({
        tenant_id: northwind.id,
        name,
        client_id: crypto.randomUUID(),
        secret_ciphertext: testBox.seal('matrix-secret'),
        credential_expires_at: new Date(Date.now() + 86_400_000),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
      .then((r) => r.id);
  const deletableConnectionIds = {} as Record<Persona, string>;
  for (const p of PERSONA_LIST) deletableConnectionIds[p] = await spareConnection(`Matrix delete ${p}`);
  const spareConnectionId = await spareConnection('Matrix spare');
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
    const { notificationId } = await insertCompletedRun(db, {
      tenantId,
      type: 'inventory.sync',
      connectionId: null,
      initiatorId: user.id,
      outcome: 'succeeded',
    });
    notificationIds[p] = notificationId!;
  }
  const { runId } = await insertCompletedRun(db, {
    tenantId: northwind.id,
    type: 'inventory.sync',
    connectionId: conn.id,
    initiatorId: null,
    outcome: 'succeeded',
    notify: false,
  });
  // A tenant being onboarded: every Contoso persona holds "all tenants", so is a member of
  // it in their usual role from the moment it exists.
  const owner = await userByEmail(db, PERSONAS.owner);
  const session = await createOnboarding(db, {
    workspaceId: northwind.workspace_id,
    userId: owner.id,
    name: 'Matrix onboarding',
    slug: 'matrix-onboarding',
    entraTenantId: crypto.randomUUID(),
  });
  const outsider = await userByEmail(db, PERSONAS.outsider);
  const userIds = {} as Record<Persona, string>;
  const invitationIds = {} as Record<Persona, string>;
  for (const p of PERSONA_LIST) {
    userIds[p] = p === 'anonymous' ? crypto.randomUUID() : (await userByEmail(db, PERSONAS[p])).id;
    const [wsId, actorId] = p === 'outsider' ? [fabrikam.workspace_id, outsider.id] : [northwind.workspace_id, owner.id];
    invitationIds[p] = (
      await createInvitation(db, { workspaceId: wsId, actorId, email: `revoke-${p}@example.test`, role: 'readonly', tenants: 'all' })
    ).invitation.id;
  }
  const pending = await createInvitation(db, {
    workspaceId: northwind.workspace_id,
    actorId: owner.id,
    email: 'pending@example.test',
    role: 'operator',
    tenants: ['northwind'],
  });
  const used = await createInvitation(db, {
    workspaceId: northwind.workspace_id,
    actorId: owner.id,
    email: 'used@example.test',
    role: 'readonly',
    tenants: 'all',
  });
  await acceptInvitation(db, used.invitation, { displayName: 'Used', password: 'a long enough password' });
  const victims = { contoso: '', fabrikam: '' };
  for (const [key, wsId] of [
    ['contoso', northwind.workspace_id],
    ['fabrikam', fabrikam.workspace_id],
  ] as const) {
    const v = await db
      .insertInto('users')
      .values({ email: `victim-${key}@example.test`, display_name: 'Victim', password_hash: 'x' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('workspace_members').values({ workspace_id: wsId, user_id: v.id, role: 'readonly', all_tenants: false }).execute();
    victims[key] = v.id;
  }
  const bulkIds = {
    contoso: await bulkStart(db, {
      workspaceId: northwind.workspace_id,
      type: 'entra_group_sync',
      selection: 'all',
      trigger: 'scheduled',
      initiatorUserId: null,
      asUserId: null,
    }),
    fabrikam: await bulkStart(db, {
      workspaceId: fabrikam.workspace_id,
      type: 'entra_group_sync',
      selection: 'all',
      trigger: 'scheduled',
      initiatorUserId: null,
      asUserId: null,
    }),
  };
  const schedule = (workspaceId: string, actorId: string) =>
    createSchedule(db, workspaceId, actorId, {
      name: `Matrix ${crypto.randomBytes(4).toString('hex')}`,
      type: 'inventory.sync',
      tenants: 'all',
      cron: '0 3 * * *',
      timezone: 'UTC',
      enabled: true,
    });
  const scheduleIds = {} as Record<Persona, string>;
  for (const p of PERSONA_LIST) {
    scheduleIds[p] =
      p === 'anonymous'
        ? crypto.randomUUID()
        : p === 'outsider'
          ? await schedule(fabrikam.workspace_id, outsider.id)
          : await schedule(northwind.workspace_id, owner.id);
  }
  const schedules = { contoso: await schedule(northwind.workspace_id, owner.id), fabrikam: await schedule(fabrikam.workspace_id, outsider.id) };
  const hook = (workspaceId: string, actorId: string) =>
    createWebhook(db, testBox, { workspaceId, actorId, url: 'http://127.0.0.1:9/matrix', events: ['run.completed'], secret: 'matrix-webhook-secret' }).then(
      (w) => w.id,
    );
  const webhookIds = {} as Record<Persona, string>;
  for (const p of PERSONA_LIST) {
    webhookIds[p] =
      p === 'anonymous'
        ? crypto.randomUUID()
        : p === 'outsider'
          ? await hook(fabrikam.workspace_id, outsider.id)
          : await hook(northwind.workspace_id, owner.id);
  }
  const webhooks = { contoso: await hook(northwind.workspace_id, owner.id), fabrikam: await hook(fabrikam.workspace_id, outsider.id) };
  const app = (workspaceId: string, actorId: string) =>
    createApp(db, testBox, {
      workspaceId,
      actorId,
      name: `Matrix app ${crypto.randomBytes(4).toString('hex')}`,
      clientId: crypto.randomUUID(),
      cloud: 'sandbox',
      credential: { type: 'secret', secret: 'matrix-secret', expiresAt: new Date(Date.now() + 86_400_000) },
    });
  const appIds = {} as Record<Persona, string>;
  for (const p of PERSONA_LIST) {
    appIds[p] =
      p === 'anonymous' ? crypto.randomUUID() : p === 'outsider' ? await app(fabrikam.workspace_id, outsider.id) : await app(northwind.workspace_id, owner.id);
  }
  const apps = { contoso: await app(northwind.workspace_id, owner.id), fabrikam: await app(fabrikam.workspace_id, outsider.id) };
  fixture = {
    appIds,
    apps,
    scheduleIds,
    schedules,
    bulkIds,
    tenant: 'northwind',
    connectionId: conn.id,
    deletableConnectionIds,
    spareConnectionId,
    restoreRunId: rr.id,
    restoreRunName: rr.name,
    backupItemIds,
    runId,
    notificationIds,
    onboardingSessionId: session.id,
    userIds,
    invitationIds,
    invitationToken: pending.token,
    usedInvitationToken: used.token,
    victims,
    webhookIds,
    webhooks,
  };
});
afterAll(() => closeAll(s));

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
          if (sample.relogin && persona !== 'anonymous') cookies[persona] = await login(s.base, PERSONAS[persona]);
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
      deletableConnectionIds: Object.fromEntries(PERSONA_LIST.map((p) => [p, crypto.randomUUID()])) as Record<Persona, string>,
      spareConnectionId: crypto.randomUUID(),
      restoreRunId: crypto.randomUUID(),
      restoreRunName: 'none',
      backupItemIds: [crypto.randomUUID()],
      runId: crypto.randomUUID(),
      notificationIds: fixture.notificationIds,
      onboardingSessionId: crypto.randomUUID(),
      userIds: fixture.userIds,
      invitationIds: fixture.invitationIds,
      invitationToken: fixture.invitationToken,
      usedInvitationToken: fixture.usedInvitationToken,
      victims: fixture.victims,
      webhookIds: fixture.webhookIds,
      webhooks: fixture.webhooks,
      bulkIds: fixture.bulkIds,
      scheduleIds: fixture.scheduleIds,
      schedules: fixture.schedules,
      appIds: fixture.appIds,
      apps: fixture.apps,
    };
    for (const route of ROUTES.filter((r) => r.access.kind === 'tenant')) {
      for (const sample of SAMPLES[key(route)]!(missing, 'owner')) {
        const res = await call(s.base, route.method, sample.path, { cookie: cookies.owner, body: sample.body });
        expect(res.status, `${route.method} ${sample.path}`).toBe(404);
        expect(res.text).toBe(NOT_FOUND);
      }
    }
  });

  it('a workspace that does not exist reads exactly like one the user is not a member of', async () => {
    const routes = ROUTES.filter((r) => r.access.kind === 'workspace' && r.url.includes(':ws'));
    expect(routes.length).toBeGreaterThan(5);
    for (const route of routes) {
      for (const ws of ['fabrikam-msp', 'no-such-workspace', crypto.randomUUID()]) {
        const [sample] = SAMPLES[key(route)]!(fixture, 'owner');
        const path = sample!.path.replace('/contoso-msp/', `/${ws}/`).replace(/\/contoso-msp$/, `/${ws}`);
        const res = await call(s.base, route.method, path, { cookie: cookies.owner, body: sample!.body });
        expect(res.status, `${route.method} ${path}`).toBe(404);
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
