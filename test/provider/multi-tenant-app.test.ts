// One multi-tenant app for many customer tenants, over real HTTPS: the app is registered in the
// MSP's home tenant; a customer tenant knows it only once its admin consents (the consent page
// names the publisher, accepting creates the service principal there); tokens for the customer
// tenant are requested from its authority with the home registration's secret or certificate;
// without consent they fail with Entra's codes, which opsgate classifies for a workspace app as
// "consent missing" (the fix is "Grant admin consent"), for an own app as "unusable".
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionCredentials } from '../../src/connections/credentials.ts';
import { credentialAad } from '../../src/security/secret-box.ts';
import { createProviderClient } from '../../src/provider/microsoft/index.ts';
import type { SandboxApp, SandboxTenant } from '../../sandbox/index.ts';
import type { CertificateCredentials, SecretCredentials } from '../../src/provider/types.ts';
import { generateCertificate } from '../../src/security/certificate.ts';
import { testBox } from '../helpers/seed.ts';
import { ALL_READ_ROLES, expectNoSecrets, expectProviderError, startTestCloud, type TestCloud } from './fixture.ts';

let t: TestCloud;
let agent: Agent;
let home: SandboxTenant;
let app: SandboxApp;
const SECRET = 'msp-multi-tenant-secret-value';

beforeAll(async () => {
  t = await startTestCloud();
  agent = new Agent({ connect: { ca: t.cloud.caPem } });
  home = t.cloud.state.addTenant({ displayName: 'Contoso MSP', defaultDomain: 'contosomsp.onmicrosoft.com' });
  ({ app } = t.cloud.state.addApp(home.id, { displayName: 'Contoso MSP automation', secret: SECRET, multiTenant: true, grantedRoles: ALL_READ_ROLES }));
});
afterAll(async () => {
  await agent.close();
  await t.close();
});

const customer = (name: string) => t.cloud.state.addTenant({ displayName: name, counts: { groups: 7 } });
const secretFor = (tenant: SandboxTenant, secret = SECRET): SecretCredentials => ({
  entraTenantId: tenant.id,
  clientId: app.clientId,
  clientSecret: secret,
  workspaceApp: true,
});

async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${t.cloud.url}/_sandbox${path}`, {
    method,
    dispatcher: agent,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

/** The customer admin's walk through the consent page (v2.0 form), accepting `roles`. */
async function consent(tenant: SandboxTenant, roles: readonly string[]): Promise<{ page: string; back: URL }> {
  const q = new URLSearchParams({
    client_id: app.clientId,
    scope: 'https://graph.microsoft.com/.default',
    redirect_uri: 'http://127.0.0.1:9/admin/consent/callback',
    state: 'st',
  });
  const page = await (await fetch(`${t.cloud.url}/${tenant.id}/v2.0/adminconsent?${q}`, { dispatcher: agent })).text();
  const form = new URLSearchParams({ client_id: app.clientId, redirect_uri: q.get('redirect_uri')!, state: 'st', decision: 'accept' });
  for (const r of roles) form.append('role', r);
  const res = await fetch(`${t.cloud.url}/${tenant.id}/v2.0/adminconsent`, {
    method: 'POST',
    dispatcher: agent,
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  expect(res.status).toBe(302);
  return { page, back: new URL(res.headers.get('location')!) };
}

describe('a multi-tenant app in a customer tenant', () => {
  it('without consent: AADSTS700016 from the customer authority, "consent missing" for a workspace app, "unusable" for an own app', async () => {
    const fresh = customer('Adatum');
    const client = createProviderClient(t.cloud.endpoints);
    const error = await expectProviderError(client.acquireToken(secretFor(fresh)), 'provider_consent_missing');
    expect(error.failure.params.aadsts).toBe('AADSTS700016');
    expectNoSecrets(error, SECRET);
    const own = await expectProviderError(client.acquireToken({ ...secretFor(fresh), workspaceApp: false }), 'provider_connection_unusable');
    expect(own.failure.params.aadsts).toBe('AADSTS700016');
    expect(t.cloud.state.count('POST', `/${fresh.id}/oauth2/v2.0/token`)).toBe(2);
  });

  it('the consent page names the publisher; accepting creates the service principal; then the home secret gets tokens and Graph answers for the customer', async () => {
    const adatum = customer('Adatum Corporation');
    const { page, back } = await consent(adatum, ALL_READ_ROLES);
    expect(page).toContain('Contoso MSP automation');
    expect(page).toMatch(/published by <strong>Contoso MSP<\/strong>, contosomsp\.onmicrosoft\.com/);
    expect(page).toContain('Adatum Corporation');
    expect(Object.fromEntries(back.searchParams)).toEqual({ admin_consent: 'True', tenant: adatum.id, state: 'st' });
    const sp = (await control('GET', `/tenants/${adatum.id}/apps/${app.clientId}`)).json;
    expect(sp).toMatchObject({ homeTenantId: home.id, multiTenant: false, consentGranted: true, grantedRoles: ALL_READ_ROLES });
    expect(JSON.stringify(sp)).not.toContain(SECRET);

    const client = createProviderClient(t.cloud.endpoints);
    const token = await client.acquireToken(secretFor(adatum));
    expect(token.roles.sort()).toEqual([...ALL_READ_ROLES].sort());
    const groups = await client.graph(secretFor(adatum), ['Group.Read.All']).getAll('/v1.0/groups');
    expect(groups).toHaveLength(7);
    const org = await client.graph(secretFor(adatum)).get<{ id: string; displayName: string }>(`/v1.0/organization/${adatum.id}`);
    expect(org.displayName).toBe('Adatum Corporation');
    // The customer's token was asked of the customer's authority, never the home tenant's.
    expect(t.cloud.state.count('POST', `/${adatum.id}/oauth2/v2.0/token`)).toBeGreaterThan(0);

    // A wrong secret is still a wrong secret.
    await expectProviderError(client.acquireToken(secretFor(adatum, 'not-the-secret')), 'provider_credentials_invalid');
  });

  it('with the home registration’s uploaded certificate', async () => {
    const tenant = customer('Fourth Tenant');
    await consent(tenant, ALL_READ_ROLES);
    const cert = await generateCertificate({ commonName: 'opsgate Contoso MSP automation' });
    expect((await control('POST', `/tenants/${home.id}/apps/${app.clientId}/certificates`, { pem: cert.certificatePem })).status).toBe(201);
    const creds: CertificateCredentials = {
      kind: 'certificate',
      entraTenantId: tenant.id,
      clientId: app.clientId,
      privateKeyPem: cert.privateKeyPem,
      thumbprintSha256: cert.thumbprintSha256,
      workspaceApp: true,
    };
    const token = await createProviderClient(t.cloud.endpoints).acquireToken(creds);
    expect(token.roles.length).toBe(ALL_READ_ROLES.length);
    // A certificate uploaded to the service principal's entry counts for nothing: only the home one does.
    const other = await generateCertificate({ commonName: 'elsewhere' });
    t.cloud.state.addCertificate(tenant.id, app.clientId, other.certificatePem);
    await expectProviderError(
      createProviderClient(t.cloud.endpoints).acquireToken({ ...creds, privateKeyPem: other.privateKeyPem, thumbprintSha256: other.thumbprintSha256 }),
      'provider_credentials_invalid',
    );
  });

  it('consent withdrawn: AADSTS65001; service principal removed: AADSTS700016; both "consent missing"; the home secret expired: "credentials expired" everywhere', async () => {
    const tenant = customer('Withdrawn');
    const made = await control('POST', `/tenants/${tenant.id}/service-principals`, { clientId: app.clientId });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ homeTenantId: home.id, consentGranted: true, grantedRoles: ALL_READ_ROLES });
    expect((await control('POST', `/tenants/${tenant.id}/service-principals`, { clientId: app.clientId })).status).toBe(409);
    expect((await control('POST', `/tenants/${tenant.id}/service-principals`, { clientId: crypto.randomUUID() })).status).toBe(404);
    const client = createProviderClient(t.cloud.endpoints);
    await client.acquireToken(secretFor(tenant));

    expect((await control('PATCH', `/tenants/${tenant.id}/apps/${app.clientId}`, { consentGranted: false })).status).toBe(200);
    const withdrawn = await expectProviderError(client.acquireToken(secretFor(tenant), { forceRefresh: true }), 'provider_consent_missing');
    expect(withdrawn.failure.params.aadsts).toBe('AADSTS65001');

    expect((await control('DELETE', `/tenants/${tenant.id}/apps/${app.clientId}`)).status).toBe(204);
    const gone = await expectProviderError(client.acquireToken(secretFor(tenant), { forceRefresh: true }), 'provider_consent_missing');
    expect(gone.failure.params.aadsts).toBe('AADSTS700016');

    const again = customer('Expired');
    await consent(again, ALL_READ_ROLES);
    t.cloud.state.updateApp(home.id, app.clientId, { secretExpiresAt: new Date(Date.now() - 1000).toISOString() });
    try {
      const expired = await expectProviderError(client.acquireToken(secretFor(again), { forceRefresh: true }), 'provider_credentials_expired');
      expect(expired.failure.params.aadsts).toBe('AADSTS7000222');
    } finally {
      t.cloud.state.updateApp(home.id, app.clientId, { secretExpiresAt: null });
    }
  });

  it("a connection on a workspace app hands the app's credential and client id to the provider, for the customer tenant", () => {
    const appId = crypto.randomUUID();
    // Sealed for the app's row, as src/apps/store.ts stores it.
    const sealed = testBox.seal(SECRET, credentialAad({ table: 'app_registrations', id: appId }, 'secret_ciphertext'));
    const appRow = {
      id: appId,
      client_id: app.clientId,
      credential_kind: 'secret' as const,
      secret_ciphertext: sealed,
      certificate_thumbprint: null,
      certificate_pem: null,
      private_key_ciphertext: null,
      credential_expires_at: null,
    };
    const conn = {
      id: crypto.randomUUID(),
      client_id: app.clientId,
      app_registration_id: appId,
      credential_kind: 'secret' as const,
      secret_ciphertext: null,
      certificate_thumbprint: null,
      certificate_pem: null,
      private_key_ciphertext: null,
      credential_expires_at: null,
    };
    expect(connectionCredentials(testBox, 'customer-tenant-id', conn, appRow)).toEqual({
      entraTenantId: 'customer-tenant-id',
      clientId: app.clientId,
      clientSecret: SECRET,
      workspaceApp: true,
    });
    // The app's secret copied into another app's row does not open there.
    expect(() => connectionCredentials(testBox, 'customer-tenant-id', conn, { ...appRow, id: crypto.randomUUID() })).toThrow(/does not open/);
    // The app's row missing: an empty credential, refused without a request.
    expect(connectionCredentials(testBox, 'customer-tenant-id', conn, null)).toMatchObject({ clientSecret: '', workspaceApp: true });
  });
});
