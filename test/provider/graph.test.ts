// The real Graph client (paging, retries, classification, writes) against the sandbox.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGraphClient } from '../../src/provider/microsoft/graph.ts';
import { createProviderClient } from '../../src/provider/microsoft/index.ts';
import type { GraphObject } from '../../sandbox/index.ts';
import type { TestCloud } from './fixture.ts';
import { ROLES, connect, expectNoSecrets, expectProviderError, recordingSleep, startTestCloud } from './fixture.ts';

let t: TestCloud;

beforeAll(async () => {
  t = await startTestCloud();
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => {
  t.cloud.state.resetCounters();
  t.cloud.state.setTenantFaults(t.tenant.id, {});
});

type Page = { value: GraphObject[]; '@odata.nextLink'?: string };

function graph(roles: string[] = [ROLES.configRead], extra: Partial<Parameters<typeof createGraphClient>[0]> = {}) {
  const credentials = connect(t, { grantedRoles: [...roles, ROLES.configWrite, ROLES.devicesRead, ROLES.groupsRead, ROLES.rolesRead] });
  const rec = recordingSleep();
  const client = createGraphClient({ endpoints: t.cloud.endpoints, credentials, requiredRoles: roles, sleep: rec.sleep, random: () => 0.5, ...extra });
  return { client, credentials, delays: rec.delays };
}

describe('paging', () => {
  it('follows @odata.nextLink across pages and returns every item', async () => {
    const { client } = graph();
    const items = await client.getAll<GraphObject>('/beta/deviceManagement/deviceConfigurations');
    expect(items).toHaveLength(250);
    expect(new Set(items.map((i) => i.id)).size).toBe(250);
    expect(items.map((i) => i.id)).toEqual(t.tenant.data.deviceConfigurations.map((c) => c.id));
    // 100 + 100 + 50: three requests to the same path.
    expect(t.cloud.state.count('GET', '/beta/deviceManagement/deviceConfigurations')).toBe(3);
  });

  it('honours $top and keeps other query options on nextLinks', async () => {
    const { client } = graph([ROLES.devicesRead]);
    const first = await client.get<Page>('/beta/deviceManagement/managedDevices?$top=40&$select=deviceName,complianceState');
    expect(first.value).toHaveLength(40);
    expect(Object.keys(first.value[0] ?? {}).sort()).toEqual(['complianceState', 'deviceName', 'id']);
    expect(first['@odata.nextLink']).toMatch(new RegExp(`^${t.cloud.url}/beta/deviceManagement/managedDevices\\?\\$top=40&\\$select=.*&\\$skiptoken=`));
    const all = await client.getAll<GraphObject>('/beta/deviceManagement/managedDevices?$top=40');
    expect(all).toHaveLength(300);
    expect(t.cloud.state.count('GET', '/beta/deviceManagement/managedDevices')).toBe(1 + 8);
  });

  it('reads every collection an operation needs', async () => {
    const { client } = graph([ROLES.configRead, ROLES.devicesRead, ROLES.groupsRead, ROLES.rolesRead]);
    expect(await client.getAll('/beta/deviceManagement/configurationPolicies')).toHaveLength(120);
    expect(await client.getAll('/v1.0/groups')).toHaveLength(180);
    expect(await client.getAll('/v1.0/roleManagement/directory/roleDefinitions')).toHaveLength(60);
    const summary = await client.get<Record<string, number>>('/beta/deviceManagement/deviceCompliancePolicyDeviceStateSummary');
    expect(
      (summary.compliantDeviceCount ?? 0) + (summary.nonCompliantDeviceCount ?? 0) + (summary.inGracePeriodCount ?? 0) + (summary.unknownDeviceCount ?? 0),
    ).toBe(300);
    const org = await client.get<{ id: string; displayName: string }>(`/v1.0/organization/${t.tenant.id}`);
    expect(org).toMatchObject({ id: t.tenant.id, displayName: 'Contoso Test' });
  });

  it('refuses a nextLink (or any URL) on another origin, before sending the token there', async () => {
    const { client } = graph();
    const error = await expectProviderError(client.get('https://attacker.example/v1.0/groups'), 'provider_unavailable');
    expect(error.failure.params.reason).toBe('foreign_next_link');
  });
});

describe('throttling and transient failures', () => {
  it('429 with Retry-After: waits exactly the server-given delay, then succeeds', async () => {
    const { client, delays } = graph();
    t.cloud.state.setTenantFaults(t.tenant.id, { throttleNext: 2, retryAfterSeconds: 7 });
    const items = await client.getAll('/beta/deviceManagement/deviceCompliancePolicies');
    expect(items).toHaveLength(80);
    expect(delays).toEqual([7000, 7000]);
    expect(t.cloud.state.count('GET', '/beta/deviceManagement/deviceCompliancePolicies')).toBe(3);
  });

  it('caps a huge Retry-After and backs off exponentially without one', async () => {
    const capped = graph();
    t.cloud.state.setTenantFaults(t.tenant.id, { throttleNext: 1, retryAfterSeconds: 3600 });
    await capped.client.get(`/v1.0/organization/${t.tenant.id}`);
    expect(capped.delays).toEqual([30_000]);

    const backoff = graph();
    t.cloud.state.setTenantFaults(t.tenant.id, { throttleNext: 3 });
    await backoff.client.get(`/v1.0/organization/${t.tenant.id}`);
    // base 500 ms doubling, jitter fixed at 0.75 of the ceiling by random() = 0.5
    expect(backoff.delays).toEqual([375, 750, 1500]);
  });

  it('429 beyond the retry budget -> provider_throttled', async () => {
    const { client, delays } = graph([ROLES.configRead], { maxRetries: 4 });
    t.cloud.state.setTenantFaults(t.tenant.id, { throttleNext: 50, retryAfterSeconds: 1 });
    const error = await expectProviderError(client.get('/beta/deviceManagement/deviceConfigurations'), 'provider_throttled');
    expect(error.failure.httpStatus).toBe(429);
    expect(delays).toHaveLength(4);
    expect(t.cloud.state.count('GET', '/beta/deviceManagement/deviceConfigurations')).toBe(5);
  });

  it('5xx then success is retried transparently', async () => {
    const { client, delays } = graph();
    t.cloud.state.setTenantFaults(t.tenant.id, { serverErrorsNext: 2 });
    expect(await client.getAll('/beta/deviceManagement/deviceCompliancePolicies')).toHaveLength(80);
    expect(delays).toHaveLength(2);
  });

  it('5xx beyond the retry budget -> provider_unavailable', async () => {
    const { client } = graph([ROLES.configRead], { maxRetries: 3 });
    t.cloud.state.setTenantFaults(t.tenant.id, { serverErrorsNext: 50 });
    const error = await expectProviderError(client.get('/beta/deviceManagement/deviceConfigurations'), 'provider_unavailable');
    expect(error.failure.httpStatus).toBe(503);
    expect(t.cloud.state.count('GET', '/beta/deviceManagement/deviceConfigurations')).toBe(4);
  });

  it('timeouts are retried, then provider_unavailable', async () => {
    const { client, credentials, delays } = graph([ROLES.configRead], { maxRetries: 1, fetchTimeoutMs: 150 });
    await createProviderClient(t.cloud.endpoints).acquireToken(credentials); // token first, so latency hits Graph only
    t.cloud.state.setAppFaults(credentials.entraTenantId, credentials.clientId, { latencyMs: 600 });
    const error = await expectProviderError(client.get('/beta/deviceManagement/deviceConfigurations'), 'provider_unavailable');
    expect(error.failure.params.reason).toBe('timeout');
    expect(delays).toHaveLength(1);
  });

  it('app-level faults apply to that connection only', async () => {
    const a = graph();
    const b = graph();
    t.cloud.state.setAppFaults(a.credentials.entraTenantId, a.credentials.clientId, { throttleNext: 1, retryAfterSeconds: 2 });
    await b.client.get(`/v1.0/organization/${t.tenant.id}`);
    await a.client.get(`/v1.0/organization/${t.tenant.id}`);
    expect(b.delays).toEqual([]);
    expect(a.delays).toEqual([2000]);
  });
});

describe('authorization answers from Graph', () => {
  it('403 Authorization_RequestDenied -> provider_permission_missing naming the scope', async () => {
    // Required roles say nothing about groups, so the client calls Graph and Graph refuses.
    const credentials = connect(t, { grantedRoles: [ROLES.configRead] });
    const client = createGraphClient({ endpoints: t.cloud.endpoints, credentials, requiredRoles: [] });
    const error = await expectProviderError(client.getAll('/v1.0/groups'), 'provider_permission_missing');
    expect(error.failure.params.missing).toEqual([ROLES.groupsRead]);
    expect(error.failure.httpStatus).toBe(403);
    expect(t.cloud.state.count('GET', '/v1.0/groups')).toBe(1);
  });

  it('401 once (token revoked) -> re-acquires the token and succeeds', async () => {
    const { client, credentials } = graph();
    await client.get(`/v1.0/organization/${t.tenant.id}`);
    t.cloud.state.revokeTokens(credentials.entraTenantId, credentials.clientId);
    await client.get(`/v1.0/organization/${t.tenant.id}`);
    expect(t.cloud.state.count('POST', `/${t.tenant.id}/oauth2/v2.0/token`)).toBe(2);
  });

  it('401 again after a fresh token -> provider_consent_missing', async () => {
    const { client, credentials } = graph();
    t.cloud.state.setAppFaults(credentials.entraTenantId, credentials.clientId, { unauthorizedNext: 5 });
    const error = await expectProviderError(client.get(`/v1.0/organization/${t.tenant.id}`), 'provider_consent_missing');
    expect(error.failure.httpStatus).toBe(401);
    expect(t.cloud.state.count('GET', `/v1.0/organization/${t.tenant.id}`)).toBe(2);
  });
});

describe('restore-style writes mutate the sandbox', () => {
  it('POST creates, PATCH updates, assign replaces assignments', async () => {
    const { client } = graph([ROLES.configWrite]);
    const before = t.tenant.data.deviceConfigurations.length;
    const created = await client.post<GraphObject>('/beta/deviceManagement/deviceConfigurations', {
      '@odata.type': '#microsoft.graph.windows10GeneralConfiguration',
      displayName: 'Restored baseline',
      passwordRequired: true,
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.tenant.data.deviceConfigurations).toHaveLength(before + 1);

    const patched = await client.patch<GraphObject>(`/beta/deviceManagement/deviceConfigurations/${created.id}`, {
      displayName: 'Restored baseline v2',
      id: 'ignored',
    });
    expect(patched).toMatchObject({ id: created.id, displayName: 'Restored baseline v2', version: 2 });

    const groupId = t.tenant.data.groups[0]?.id ?? '';
    const assigned = await client.post<{ value: GraphObject[] }>(
      `/beta/deviceManagement/deviceConfigurations/${created.id}/assign`,
      { assignments: [{ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId } }] },
      { idempotent: true },
    );
    expect(assigned.value).toHaveLength(1);
    expect(t.tenant.data.assignments.get(created.id)?.[0]).toMatchObject({ target: { groupId } });

    const reread = await client.get<GraphObject>(`/beta/deviceManagement/deviceConfigurations/${created.id}?$expand=assignments`);
    expect(reread).toMatchObject({ displayName: 'Restored baseline v2', assignments: [{ target: { groupId } }] });
  });

  it('Graph-rejected writes are provider_request_rejected, not unavailable', async () => {
    const { client } = graph([ROLES.configWrite]);
    const bad = await expectProviderError(client.post('/beta/deviceManagement/deviceConfigurations', { displayName: 'no type' }), 'provider_request_rejected');
    expect(bad.failure.params).toEqual({ status: 400, graphCode: 'BadRequest' });
    const missing = await expectProviderError(
      client.patch('/beta/deviceManagement/deviceConfigurations/00000000-0000-4000-8000-000000000000', { displayName: 'x' }),
      'provider_request_rejected',
    );
    expect(missing.failure.httpStatus).toBe(404);
  });

  it('writes need ReadWrite: a read-only token is refused by Graph with the scope named', async () => {
    const credentials = connect(t, { grantedRoles: [ROLES.configRead] });
    const client = createGraphClient({ endpoints: t.cloud.endpoints, credentials });
    const error = await expectProviderError(
      client.post('/beta/deviceManagement/deviceConfigurations', { '@odata.type': '#microsoft.graph.x', displayName: 'x' }),
      'provider_permission_missing',
    );
    expect(error.failure.params.missing).toEqual([ROLES.configWrite]);
  });

  it('a create that timed out is not retried (it may have been applied)', async () => {
    const { client, credentials, delays } = graph([ROLES.configWrite], { fetchTimeoutMs: 150 });
    await createProviderClient(t.cloud.endpoints).acquireToken(credentials);
    t.cloud.state.setAppFaults(credentials.entraTenantId, credentials.clientId, { latencyMs: 500 });
    await expectProviderError(
      client.post('/beta/deviceManagement/deviceConfigurations', { '@odata.type': '#microsoft.graph.x', displayName: 'slow' }),
      'provider_unavailable',
    );
    expect(delays).toEqual([]);
    expect(t.cloud.state.count('POST', '/beta/deviceManagement/deviceConfigurations')).toBe(1);
  });
});

describe('secrets never leak through errors', () => {
  it('neither the client secret nor the access token appears in any rendering of a failure', async () => {
    const { client, credentials } = graph([ROLES.configRead], { maxRetries: 1 });
    const { accessToken } = await createProviderClient(t.cloud.endpoints).acquireToken(credentials);
    const failures = [];
    t.cloud.state.setTenantFaults(t.tenant.id, { throttleNext: 5 });
    failures.push(await expectProviderError(client.get('/beta/deviceManagement/deviceConfigurations'), 'provider_throttled'));
    t.cloud.state.setTenantFaults(t.tenant.id, { serverErrorsNext: 5 });
    failures.push(await expectProviderError(client.get('/beta/deviceManagement/deviceConfigurations'), 'provider_unavailable'));
    t.cloud.state.setTenantFaults(t.tenant.id, {});
    failures.push(await expectProviderError(client.getAll('/v1.0/nope'), 'provider_request_rejected'));
    t.cloud.state.updateApp(credentials.entraTenantId, credentials.clientId, { secretExpiresAt: new Date(0).toISOString() });
    failures.push(
      await expectProviderError(createProviderClient(t.cloud.endpoints).acquireToken(credentials, { forceRefresh: true }), 'provider_credentials_expired'),
    );
    for (const error of failures) expectNoSecrets(error, credentials.clientSecret, accessToken);
    // The sandbox's request log holds paths and statuses only.
    expect(JSON.stringify(t.cloud.state.recent())).not.toContain(accessToken);
    expect(JSON.stringify(t.cloud.state.recent())).not.toContain(credentials.clientSecret);
  });
});
