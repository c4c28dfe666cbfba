// Workspace app registrations over real HTTP: create (secret, generated certificate), list with
// connection counts, connections on an app (same workspace only, client id copied, no credential
// of their own, consent unknown), one rotation clears the expiry-blocked starts of every
// connection on the app, delete refused with 409 app_in_use while connections use it, every
// change audited, needs attention names the app once, and no answer ever carries a secret or key.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appInUseSchema, appRegistrationSchema } from '../../src/http/routes/app-registrations.ts';
import { attentionItemSchema } from '../../src/http/routes/attention.ts';
import { bulkSchema } from '../../src/http/routes/bulk.ts';
import { connectionSchema } from '../../src/http/routes/provider-connections.ts';
import { ALL_PERMISSIONS } from '../../src/operations/permissions.ts';
import { DEMO_MSP_APP } from '../../src/seed/msp-app.ts';
import { call, freeAllScopes, loginAll, startTestServer, type Persona, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

let s: TestServer;
let cookies: Record<Persona, string | null>;
/** Every answer's text, to prove no secret or key ever left the server. */
const answers: string[] = [];

beforeAll(async () => {
  s = await startTestServer();
  cookies = await loginAll(s.base);
});
afterAll(() => closeAll(s));

async function api(method: string, path: string, who: Persona = 'owner', body?: unknown) {
  const r = await call(s.base, method, path, { cookie: cookies[who], body });
  answers.push(r.text);
  return r;
}
const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const SECRET = 'app-secret-value-never-returned-1';
const ROTATED = 'app-secret-value-never-returned-2';

async function createApp(name: string, credential: unknown, ws = 'contoso-msp', who: Persona = 'owner', cloud = 'sandbox') {
  const r = await api('POST', `/api/workspaces/${ws}/app-registrations`, who, { name, clientId: crypto.randomUUID(), cloud, credential });
  expect(r.status, r.text).toBe(201);
  return appRegistrationSchema.parse(r.body);
}

/** A connection on the app in `slug`, made ready the way a consent and a verification would. */
async function connectOnApp(slug: string, appId: string, name = 'MSP app') {
  const r = await api('POST', `/api/tenants/${slug}/provider-connections`, 'owner', { name, appRegistrationId: appId });
  expect(r.status, r.text).toBe(201);
  return connectionSchema.parse(r.body);
}

describe('app registrations', () => {
  it('lists the demo app with no connection; creates secret and certificate apps (never a secret or key)', async () => {
    const list = await api('GET', '/api/workspaces/contoso-msp/app-registrations');
    expect(list.status).toBe(200);
    const demo = list.body.items.map((a: unknown) => appRegistrationSchema.parse(a)).find((a: { name: string }) => a.name === DEMO_MSP_APP.name);
    expect(demo).toMatchObject({
      clientId: DEMO_MSP_APP.clientId,
      cloud: 'sandbox',
      credentialType: 'secret',
      hasCredential: true,
      connectionCount: 0,
      tenants: [],
    });
    expect(demo.certificate).toBeUndefined();

    const secretApp = await createApp('Secret app', { type: 'secret', secret: SECRET, expiresAt: future(90) });
    expect(secretApp).toMatchObject({ credentialType: 'secret', hasCredential: true, connectionCount: 0 });
    expect(Date.parse(secretApp.credentialExpiresAt!)).toBeGreaterThan(Date.now() + 89 * 86_400_000);

    const certApp = await createApp('Certificate app', { type: 'certificate' });
    expect(certApp.credentialType).toBe('certificate');
    expect(certApp.certificate?.pem).toContain('BEGIN CERTIFICATE');
    expect(certApp.certificate?.subject).toContain('Certificate app');
    expect(certApp.credentialExpiresAt).toBe(certApp.certificate?.notAfter);
  });

  it('refuses a taken name or client id (409), a bad credential (400 naming it), and other roles (403)', async () => {
    const taken = await api('POST', '/api/workspaces/contoso-msp/app-registrations', 'owner', {
      name: DEMO_MSP_APP.name,
      clientId: crypto.randomUUID(),
      credential: { type: 'certificate' },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toMatch(/^name:/);
    const sameClient = await api('POST', '/api/workspaces/contoso-msp/app-registrations', 'owner', {
      name: 'Another name',
      clientId: DEMO_MSP_APP.clientId,
      credential: { type: 'certificate' },
    });
    expect(sameClient.status).toBe(409);
    expect(sameClient.body.error.message).toMatch(/^clientId:/);
    const bad = await api('POST', '/api/workspaces/contoso-msp/app-registrations', 'owner', {
      name: 'Bad',
      clientId: crypto.randomUUID(),
      credential: { type: 'secret', secret: 'x' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^credential\.expiresAt: is required/);
    const past = await api('POST', '/api/workspaces/contoso-msp/app-registrations', 'owner', {
      name: 'Bad',
      clientId: crypto.randomUUID(),
      credential: { type: 'secret', secret: 'x', expiresAt: future(-1) },
    });
    expect(past.body.error.message).toBe('credential.expiresAt: must be in the future');
    for (const who of ['operator', 'readonly'] as const) {
      expect((await api('GET', '/api/workspaces/contoso-msp/app-registrations', who)).status).toBe(403);
    }
    expect((await api('GET', '/api/workspaces/contoso-msp/app-registrations', 'manager')).status).toBe(200);
  });
});

describe('connections on a workspace app', () => {
  it('take the app’s client id, cloud and credential facts; consent starts unknown; only the workspace’s own apps', async () => {
    const app = await createApp('Connect app', { type: 'secret', secret: SECRET, expiresAt: future(60) });
    const c = await connectOnApp('adatum', app.id, 'Automation');
    expect(c).toMatchObject({
      kind: 'workspace_app',
      appRegistration: { id: app.id, name: 'Connect app' },
      clientId: app.clientId,
      cloud: 'sandbox',
      credentialKind: 'secret',
      hasCredential: true,
      credentialExpiresAt: app.credentialExpiresAt,
      certificate: null,
      consentStatus: 'unknown',
      verificationStatus: 'never',
      isDefault: true,
    });
    const stored = await s.tdb.db.selectFrom('provider_connections').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
    expect([stored.secret_ciphertext, stored.certificate_thumbprint, stored.private_key_ciphertext, stored.credential_expires_at]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    const listed = await api('GET', '/api/tenants/adatum/provider-connections');
    expect(listed.body.items.map((x: { kind: string }) => x.kind)).toEqual(['workspace_app']);
    const own = (await api('GET', '/api/tenants/northwind/provider-connections')).body.items[0];
    expect(own).toMatchObject({ kind: 'own_app', appRegistration: null });

    // A start on it is blocked on consent, with "Grant admin consent" first.
    const blocked = await api('POST', '/api/tenants/adatum/operations', 'owner', { type: 'inventory.sync' });
    expect(blocked.body).toMatchObject({ outcome: 'blocked', reason: { code: 'provider_consent_missing' } });
    expect(blocked.body.nextSteps[0]).toMatchObject({ label: 'Grant admin consent', url: `/admin/provider-connections/${c.id}#consent` });

    // Fabrikam's app is not Contoso's: read like an unknown id, naming the field.
    const fabApp = await createApp('Fabrikam app', { type: 'certificate' }, 'fabrikam-msp', 'outsider');
    for (const appRegistrationId of [fabApp.id, crypto.randomUUID()]) {
      const r = await api('POST', '/api/tenants/adatum/provider-connections', 'owner', { name: 'Foreign', appRegistrationId });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(/^appRegistrationId: /);
    }
    const both = await api('POST', '/api/tenants/adatum/provider-connections', 'owner', {
      name: 'Both',
      appRegistrationId: app.id,
      clientId: crypto.randomUUID(),
    });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/^clientId: cannot be given with appRegistrationId/);
    // Its credential is the app's: rotating it per connection is refused, pointing at the app.
    const rotate = await api('PATCH', `/api/provider-connections/${c.id}`, 'owner', { clientSecret: 'x', secretExpiresAt: future(10) });
    expect(rotate.status).toBe(400);
    expect(rotate.body.error.message).toContain(`/api/app-registrations/${app.id}`);
  });

  it('one rotation clears the expiry-blocked starts of every connection on the app; delete is 409 app_in_use while connections use it', async () => {
    const app = await createApp('Fleet app', { type: 'secret', secret: SECRET, expiresAt: future(30) });
    const slugs = ['northwind', 'contoso-lab', 'alpine'];
    const conns: { id: string }[] = [];
    for (const slug of slugs) {
      const c = await connectOnApp(slug, app.id, 'Fleet');
      // What an admin's consent and a verification would record.
      await s.tdb.db
        .updateTable('provider_connections')
        .set({ consent_status: 'granted', granted_permissions: [...ALL_PERMISSIONS], verification_status: 'succeeded' })
        .where('id', '=', c.id)
        .execute();
      conns.push(c);
    }
    const listed = appRegistrationSchema.parse(
      (await api('GET', '/api/workspaces/contoso-msp/app-registrations')).body.items.find((a: { id: string }) => a.id === app.id),
    );
    expect(listed.connectionCount).toBe(3);
    expect(listed.tenants.map((t) => t.slug).sort()).toEqual([...slugs].sort());

    const startAll = async () => {
      await freeAllScopes(s.tdb.db);
      const out = [];
      for (const [i, slug] of slugs.entries()) {
        const r = await api('POST', `/api/tenants/${slug}/operations`, 'owner', { type: 'inventory.sync', providerConnectionId: conns[i]!.id });
        out.push(r.body.outcome === 'blocked' ? r.body.reason.code : r.body.outcome);
      }
      return out;
    };
    expect(await startAll()).toEqual(['accepted', 'accepted', 'accepted']);
    await sql`update app_registrations set credential_expires_at = now() - interval '1 day' where id = ${app.id}`.execute(s.tdb.db);
    expect(await startAll()).toEqual(Array(3).fill('provider_credentials_expired'));
    const expiredView = connectionSchema.parse((await api('GET', `/api/provider-connections/${conns[0]!.id}`)).body);
    expect(Date.parse(expiredView.credentialExpiresAt!)).toBeLessThan(Date.now());

    const rotated = await api('PATCH', `/api/app-registrations/${app.id}`, 'manager', {
      credential: { type: 'secret', secret: ROTATED, expiresAt: future(365) },
    });
    expect(rotated.status, rotated.text).toBe(200);
    expect(appRegistrationSchema.parse(rotated.body).connectionCount).toBe(3);
    expect(await startAll()).toEqual(['accepted', 'accepted', 'accepted']);

    // To a generated certificate, and a rename: the answer carries the public certificate only.
    const cert = await api('PATCH', `/api/app-registrations/${app.id}`, 'owner', { name: 'Fleet app (cert)', credential: { type: 'certificate' } });
    expect(appRegistrationSchema.parse(cert.body)).toMatchObject({ name: 'Fleet app (cert)', credentialType: 'certificate' });
    expect((await api('GET', `/api/provider-connections/${conns[1]!.id}`)).body).toMatchObject({
      credentialKind: 'certificate',
      appRegistration: { name: 'Fleet app (cert)' },
    });

    await freeAllScopes(s.tdb.db);
    const refused = await api('DELETE', `/api/app-registrations/${app.id}`, 'owner', {});
    expect(refused.status).toBe(409);
    expect(appInUseSchema.parse(refused.body)).toMatchObject({ error: { code: 'app_in_use' }, connectionCount: 3 });
    expect(refused.body.error.message).toContain('3 connections');
    for (const c of conns) await api('DELETE', `/api/provider-connections/${c.id}`, 'owner', {});
    expect((await api('DELETE', `/api/app-registrations/${app.id}`, 'owner', {})).status).toBe(204);
    expect((await api('PATCH', `/api/app-registrations/${app.id}`, 'owner', { name: 'gone' })).status).toBe(404);

    const audit = await s.tdb.db.selectFrom('audit_log').select(['action', 'details', 'tenant_id']).where('action', 'like', 'app_registration.%').execute();
    const mine = audit.filter((a) => JSON.stringify(a.details).includes(app.id));
    expect(mine.map((a) => a.action).sort()).toEqual([
      'app_registration.created',
      'app_registration.deleted',
      'app_registration.renamed',
      'app_registration.rotated',
      'app_registration.rotated',
    ]);
    expect(mine.every((a) => a.tenant_id === null)).toBe(true);
    expect(JSON.stringify(mine)).not.toContain(SECRET);
  });

  it('needs attention names an expiring app once, with the number of tenants on it', async () => {
    const app = await createApp('Expiring app', { type: 'secret', secret: SECRET, expiresAt: future(12.5) });
    for (const slug of ['northwind', 'woodgrove']) await connectOnApp(slug, app.id, 'Expiring');
    const r = await api('GET', '/api/workspaces/contoso-msp/attention', 'manager');
    const items = r.body.items.map((i: unknown) => attentionItemSchema.parse(i));
    const about = items.filter((i: { appRegistration: { id: string } | null }) => i.appRegistration?.id === app.id);
    expect(about).toHaveLength(1);
    expect(about[0]).toMatchObject({
      tenant: null,
      providerConnection: null,
      code: 'provider_credentials_expiring',
      severity: 'warning',
      appRegistration: { name: 'Expiring app', tenantCount: 2 },
    });
    expect(about[0].message).toContain('expires in 12 days — 2 tenants');
    expect(about[0].nextSteps).toEqual([{ label: "Rotate the app's client secret", url: `/admin/settings/app-registrations#app-${app.id}` }]);
    // An operator sees the same item, with the fix as a hint (apps are managed by owners and managers).
    const op = (await api('GET', '/api/workspaces/contoso-msp/attention', 'operator')).body.items.find(
      (i: { appRegistration: { id: string } | null }) => i.appRegistration?.id === app.id,
    );
    expect(op.nextSteps[0]).toMatchObject({ url: null });
    // Consent is each tenant's own: per connection, not folded into the app's item.
    expect(
      items.filter(
        (i: { providerConnection: { name: string } | null; code: string }) =>
          i.providerConnection?.name === 'Expiring' && i.code === 'provider_consent_missing',
      ),
    ).toHaveLength(2);
  });

  it('an expired app blocks every tenant on it in preflight, single starts, bulk starts and needs attention; one rotation clears them all; own-app connections beside it keep working', async () => {
    const app = await createApp('Bulk app', { type: 'secret', secret: SECRET, expiresAt: future(90) });
    const slugs = ['northwind', 'contoso-lab'];
    const own: Record<string, string> = {};
    for (const slug of slugs) {
      own[slug] = (await api('GET', `/api/tenants/${slug}/provider-connections`)).body.items.find((x: { isDefault: boolean }) => x.isDefault).id;
      const c = await connectOnApp(slug, app.id, 'Bulk');
      await s.tdb.db
        .updateTable('provider_connections')
        .set({ consent_status: 'granted', granted_permissions: [...ALL_PERMISSIONS], verification_status: 'succeeded' })
        .where('id', '=', c.id)
        .execute();
      // The tenant moves to the workspace app: its default from now on.
      expect((await api('PATCH', `/api/provider-connections/${c.id}`, 'owner', { isDefault: true })).status).toBe(200);
    }
    // A tenant with both kinds, and the list says which is which.
    const listed = (await api('GET', '/api/tenants/northwind/provider-connections')).body.items.map((x: { name: string; kind: string; isDefault: boolean }) => [
      x.name,
      x.kind,
      x.isDefault,
    ]);
    expect(listed).toContainEqual(['Bulk', 'workspace_app', true]);
    expect(listed).toContainEqual(['Primary', 'own_app', false]);

    const bulkStart = async () => {
      await freeAllScopes(s.tdb.db);
      const r = await api('POST', '/api/workspaces/contoso-msp/bulk-operations', 'owner', { type: 'inventory.sync', tenants: slugs });
      expect(r.status, r.text).toBe(200);
      return bulkSchema.parse(r.body);
    };
    const appItems = async () =>
      (await api('GET', '/api/workspaces/contoso-msp/attention', 'manager')).body.items
        .map((i: unknown) => attentionItemSchema.parse(i))
        .filter((i: { appRegistration: { id: string } | null }) => i.appRegistration?.id === app.id);
    expect((await bulkStart()).counts).toMatchObject({ accepted: 2, blocked: 0 });
    expect(await appItems()).toEqual([]);

    await sql`update app_registrations set credential_expires_at = now() - interval '1 hour' where id = ${app.id}`.execute(s.tdb.db);
    const blocked = await bulkStart();
    expect(blocked.counts).toMatchObject({ accepted: 0, blocked: 2 });
    expect(blocked.blockedByReason.map((g) => [g.code, g.count])).toEqual([['provider_credentials_expired', 2]]);
    const preflights = async () => {
      await freeAllScopes(s.tdb.db);
      const out = [];
      for (const slug of slugs) {
        const r = (await api('GET', `/api/tenants/${slug}/operations/inventory.sync/preflight`)).body;
        out.push(r.wouldBe === 'blocked' ? r.reason.code : r.wouldBe);
      }
      return out;
    };
    // The readiness the console shows before a click says the same.
    expect(await preflights()).toEqual(Array(2).fill('provider_credentials_expired'));
    for (const slug of slugs) {
      const single = await api('POST', `/api/tenants/${slug}/operations`, 'owner', { type: 'inventory.sync' });
      expect(single.body).toMatchObject({ outcome: 'blocked', reason: { code: 'provider_credentials_expired' } });
      // The tenant's own app registration is not the workspace app's: its starts go on.
      const onOwn = await api('POST', `/api/tenants/${slug}/operations`, 'owner', { type: 'inventory.sync', providerConnectionId: own[slug] });
      expect(onOwn.body.outcome, onOwn.text).toBe('accepted');
    }
    const expiredItems = await appItems();
    expect(expiredItems).toHaveLength(1);
    expect(expiredItems[0]).toMatchObject({
      tenant: null,
      code: 'provider_credentials_expired',
      severity: 'critical',
      appRegistration: { name: 'Bulk app', tenantCount: 2 },
    });
    expect(expiredItems[0].message).toContain('expired');
    expect(expiredItems[0].message).toContain('— 2 tenants');

    const rotated = await api('PATCH', `/api/app-registrations/${app.id}`, 'owner', {
      credential: { type: 'secret', secret: ROTATED, expiresAt: future(365) },
    });
    expect(rotated.status, rotated.text).toBe(200);
    expect(await preflights()).toEqual(['accepted', 'accepted']);
    expect((await bulkStart()).counts).toMatchObject({ accepted: 2, blocked: 0 });
    expect(await appItems()).toEqual([]);
    await freeAllScopes(s.tdb.db);
  });

  it('an app with no credential stored is one item in needs attention, not one per connection', async () => {
    const app = await createApp('Keyless app', { type: 'secret', secret: SECRET, expiresAt: future(90) });
    const conns = [];
    for (const slug of ['woodgrove', 'alpine']) conns.push(await connectOnApp(slug, app.id, 'Keyless'));
    // What a lost credential looks like in the database (the API never stores an app without one).
    await sql`update app_registrations set secret_ciphertext = null where id = ${app.id}`.execute(s.tdb.db);
    const items = (await api('GET', '/api/workspaces/contoso-msp/attention', 'manager')).body.items.map((i: unknown) => attentionItemSchema.parse(i));
    const ids = new Set(conns.map((c) => c.id));
    expect(
      items.filter(
        (i: { providerConnection: { id: string } | null; code: string }) =>
          i.code === 'provider_credentials_missing' && ids.has(i.providerConnection?.id ?? ''),
      ),
    ).toEqual([]);
    const about = items.filter((i: { appRegistration: { id: string } | null }) => i.appRegistration?.id === app.id);
    expect(about).toHaveLength(1);
    expect(about[0]).toMatchObject({
      tenant: null,
      providerConnection: null,
      code: 'provider_credentials_missing',
      severity: 'critical',
      appRegistration: { name: 'Keyless app', tenantCount: 2 },
    });
    expect(about[0].message).toContain('has no client secret stored — 2 tenants');
    expect(about[0].nextSteps).toEqual([{ label: "Add the app's client secret", url: `/admin/settings/app-registrations#app-${app.id}` }]);
  });

  it('"Grant admin consent" is the multi-tenant v2.0 consent URL for the customer tenant', async () => {
    const app = await createApp('Global app', { type: 'secret', secret: SECRET, expiresAt: future(30) }, 'contoso-msp', 'owner', 'global');
    const c = await connectOnApp('litware', app.id, 'Global');
    const r = await api('POST', `/api/provider-connections/${c.id}/admin-consent`, 'owner', {});
    expect(r.status, r.text).toBe(200);
    const u = new URL(r.body.url);
    const litware = await s.tdb.db.selectFrom('tenants').select('entra_tenant_id').where('slug', '=', 'litware').executeTakeFirstOrThrow();
    expect(`${u.origin}${u.pathname}`).toBe(`https://login.microsoftonline.com/${litware.entra_tenant_id}/v2.0/adminconsent`);
    expect(u.searchParams.get('client_id')).toBe(app.clientId);
    expect(u.searchParams.get('scope')).toBe('https://graph.microsoft.com/.default');
    expect(u.searchParams.get('state')).toBeTruthy();
  });

  it('onboarding takes {"name", "appRegistrationId"}: no secret at all', async () => {
    const created = await api('POST', '/api/onboarding', 'owner', { name: 'Tailwind', slug: 'tailwind-app', entraTenantId: crypto.randomUUID() });
    expect(created.status).toBe(201);
    const list = await api('GET', '/api/workspaces/contoso-msp/app-registrations');
    const demo = list.body.items.find((a: { name: string }) => a.name === DEMO_MSP_APP.name);
    const r = await api('POST', `/api/onboarding/${created.body.id}/connection`, 'owner', { name: 'Primary', appRegistrationId: demo.id });
    expect(r.status, r.text).toBe(200);
    expect(r.body.providerConnection).toMatchObject({
      kind: 'workspace_app',
      appRegistration: { id: demo.id, name: DEMO_MSP_APP.name },
      clientId: DEMO_MSP_APP.clientId,
      consentStatus: 'unknown',
    });
    const missing = await api('POST', `/api/onboarding/${created.body.id}/connection`, 'owner', { name: 'Primary' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/^clientId: is required/);
  });

  it('no answer carried a secret, a private key or a sealed value', async () => {
    const sealed = await s.tdb.db.selectFrom('app_registrations').select(['secret_ciphertext', 'private_key_ciphertext']).execute();
    const all = answers.join('\n');
    expect(answers.length).toBeGreaterThan(20);
    for (const needle of [
      SECRET,
      ROTATED,
      DEMO_MSP_APP.secret,
      'PRIVATE KEY',
      ...sealed.flatMap((r) => [r.secret_ciphertext, r.private_key_ciphertext]).filter((v): v is string => !!v),
    ]) {
      expect(all).not.toContain(needle);
    }
  });
});
