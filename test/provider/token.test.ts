// The real msal-node client against the sandbox's token endpoint over HTTPS.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProviderClient } from '../../src/provider/microsoft/index.ts';
import { createTokenProvider } from '../../src/provider/microsoft/token.ts';
import type { ProviderReasonCode } from '../../src/provider/types.ts';
import type { TestCloud } from './fixture.ts';
import { ALL_READ_ROLES, ROLES, connect, expectNoSecrets, expectProviderError, startTestCloud } from './fixture.ts';

let t: TestCloud;

beforeAll(async () => {
  t = await startTestCloud();
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => {
  t.cloud.state.resetCounters();
});

describe('client-credentials token', () => {
  it('acquires a token whose roles are the granted application permissions', async () => {
    const creds = connect(t);
    const token = await createProviderClient(t.cloud.endpoints).acquireToken(creds);
    expect(token.roles.sort()).toEqual([...ALL_READ_ROLES].sort());
    expect(token.accessToken.split('.')).toHaveLength(3);
    expect(token.expiresOn.getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
  });

  it('makes exactly one token request and no discovery or metadata call', async () => {
    const urls: string[] = [];
    const provider = createTokenProvider(t.cloud.endpoints, { onNetworkRequest: (method, url) => urls.push(`${method} ${url.split('?')[0] ?? ''}`) });
    const creds = connect(t);
    await provider.acquire(creds);
    const tokenPath = `/${t.tenant.id}/oauth2/v2.0/token`;
    expect(urls).toEqual([`POST ${t.cloud.url}${tokenPath}`]);
    expect(t.cloud.state.counters()).toEqual({ [`POST ${tokenPath}`]: 1 });
    expect(t.cloud.state.countWhere((_m, path) => /well-known|discovery/.test(path))).toBe(0);
  });

  it('reuses the cached token until asked to refresh', async () => {
    const client = createProviderClient(t.cloud.endpoints);
    const creds = connect(t);
    const first = await client.acquireToken(creds);
    const second = await client.acquireToken(creds);
    expect(second.accessToken).toBe(first.accessToken);
    // A second facade instance shares the MSAL application (bounded module cache).
    await createProviderClient(t.cloud.endpoints).acquireToken(creds);
    const tokenPath = `POST /${t.tenant.id}/oauth2/v2.0/token`;
    expect(t.cloud.state.count('POST', `/${t.tenant.id}/oauth2/v2.0/token`)).toBe(1);
    await client.acquireToken(creds, { forceRefresh: true });
    expect(t.cloud.state.counters()[tokenPath]).toBe(2);
  });

  it('an app without consent gets a token without roles', async () => {
    const token = await createProviderClient(t.cloud.endpoints).acquireToken(connect(t, { consentGranted: false }));
    expect(token.roles).toEqual([]);
  });
});

describe('identity-platform failures map to reason codes', () => {
  const cases: Array<{ name: string; setup: (tc: TestCloud) => ReturnType<typeof connect>; code: ProviderReasonCode; aadsts?: string }> = [
    {
      name: 'unknown tenant (AADSTS90002)',
      setup: (tc) => ({ ...connect(tc), entraTenantId: '11111111-2222-4333-8444-555555555555' }),
      code: 'provider_tenant_not_found',
      aadsts: 'AADSTS90002',
    },
    { name: 'app deleted (AADSTS700016)', setup: (tc) => connect(tc, { appExists: false }), code: 'provider_connection_unusable', aadsts: 'AADSTS700016' },
    {
      name: 'no service principal (AADSTS7000229)',
      setup: (tc) => connect(tc, { servicePrincipalExists: false }),
      code: 'provider_connection_unusable',
      aadsts: 'AADSTS7000229',
    },
    {
      name: 'wrong secret (AADSTS7000215)',
      setup: (tc) => ({ ...connect(tc), clientSecret: 'not-the-secret-value-0123456789' }),
      code: 'provider_credentials_invalid',
      aadsts: 'AADSTS7000215',
    },
    {
      name: 'expired secret (AADSTS7000222)',
      setup: (tc) => connect(tc, { secretExpiresAt: new Date(Date.now() - 60_000).toISOString() }),
      code: 'provider_credentials_expired',
      aadsts: 'AADSTS7000222',
    },
  ];

  it.each(cases)('$name -> $code', async ({ setup, code, aadsts }) => {
    const creds = setup(t);
    const error = await expectProviderError(createProviderClient(t.cloud.endpoints).acquireToken(creds), code);
    if (aadsts) expect(error.failure.params.aadsts).toBe(aadsts);
    expectNoSecrets(error, creds.clientSecret);
  });

  it('unknown client id in an existing tenant is AADSTS700016 too', async () => {
    const creds = { ...connect(t), clientId: '99999999-0000-4000-8000-000000000000' };
    const error = await expectProviderError(createProviderClient(t.cloud.endpoints).acquireToken(creds), 'provider_connection_unusable');
    expect(error.failure.params.aadsts).toBe('AADSTS700016');
  });

  it('a rotated secret recovers without restarting (cache keyed by secret hash)', async () => {
    const client = createProviderClient(t.cloud.endpoints);
    const creds = connect(t, { secretExpiresAt: new Date(Date.now() - 1000).toISOString() });
    await expectProviderError(client.acquireToken(creds), 'provider_credentials_expired');
    t.cloud.state.updateApp(creds.entraTenantId, creds.clientId, { secret: 'rotated-secret-value-abcdefghijkl', secretExpiresAt: null });
    const token = await client.acquireToken({ ...creds, clientSecret: 'rotated-secret-value-abcdefghijkl' });
    expect(token.roles.length).toBeGreaterThan(0);
  });

  it('malformed tenant ids and empty secrets never reach the network', async () => {
    const client = createProviderClient(t.cloud.endpoints);
    const creds = connect(t);
    await expectProviderError(client.acquireToken({ ...creds, entraTenantId: '../evil' }), 'provider_tenant_not_found');
    await expectProviderError(client.acquireToken({ ...creds, clientSecret: '' }), 'provider_credentials_invalid');
    expect(t.cloud.state.counters()).toEqual({});
  });

  it('TLS is verified: without the sandbox CA the authority is unreachable', async () => {
    const creds = connect(t);
    const untrusted = createProviderClient({ authorityHost: t.cloud.url, graphBaseUrl: t.cloud.url });
    const error = await expectProviderError(untrusted.acquireToken(creds), 'provider_unavailable');
    expectNoSecrets(error, creds.clientSecret);
    expect(t.cloud.state.counters()).toEqual({});
  });

  it('a slow authority times out as provider_unavailable', async () => {
    const creds = connect(t, { faults: { latencyMs: 400 } });
    const slow = createProviderClient(t.cloud.endpoints, { tokenTimeoutMs: 100 });
    await expectProviderError(slow.acquireToken(creds), 'provider_unavailable');
  });
});

describe('operation roles checked on the token before Graph is called', () => {
  it('no roles claim -> provider_consent_missing', async () => {
    const creds = connect(t, { consentGranted: false });
    await expectProviderError(createProviderClient(t.cloud.endpoints).graph(creds, [ROLES.groupsRead]).getAll('/v1.0/groups'), 'provider_consent_missing');
    expect(t.cloud.state.count('GET', '/v1.0/groups')).toBe(0);
  });

  it('a lacking role -> provider_permission_missing naming it', async () => {
    const creds = connect(t, { grantedRoles: [ROLES.configRead] });
    const error = await expectProviderError(
      createProviderClient(t.cloud.endpoints).graph(creds, [ROLES.configRead, ROLES.devicesRead]).getAll('/beta/deviceManagement/managedDevices'),
      'provider_permission_missing',
    );
    expect(error.failure.params.missing).toEqual([ROLES.devicesRead]);
    expect(error.message).toContain(ROLES.devicesRead);
    expect(t.cloud.state.count('GET', '/beta/deviceManagement/managedDevices')).toBe(0);
  });

  it('ReadWrite satisfies a Read requirement', async () => {
    const creds = connect(t, { grantedRoles: [ROLES.configWrite] });
    const items = await createProviderClient(t.cloud.endpoints).graph(creds, [ROLES.configRead]).getAll('/beta/deviceManagement/deviceCompliancePolicies');
    expect(items).toHaveLength(80);
  });
});
