// The sandbox itself: TLS material, deterministic data, protocol details and the control API.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxState, ensureSandboxTls, generateTenantData } from '../../sandbox/index.ts';
import type { TestCloud } from './fixture.ts';
import { startTestCloud } from './fixture.ts';

let t: TestCloud;
let agent: Agent;

beforeAll(async () => {
  t = await startTestCloud();
  agent = new Agent({ connect: { ca: t.cloud.caPem } });
});
afterAll(async () => {
  await agent.close();
  await t.close();
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${t.cloud.url}${path}`, {
    method,
    dispatcher: agent,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

describe('TLS material', () => {
  it('issues a server certificate for 127.0.0.1 and localhost signed by a CA, and reuses it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsgate-ca-test-'));
    try {
      const first = await ensureSandboxTls(dir);
      const ca = new X509Certificate(first.caPem);
      const cert = new X509Certificate(first.certPem);
      expect(ca.ca).toBe(true);
      expect(cert.ca).toBe(false);
      expect(cert.checkIssued(ca)).toBe(true);
      expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(cert.checkHost('localhost')).toBe('localhost');
      const second = await ensureSandboxTls(dir);
      expect(second).toEqual(first);
      // Close to expiry: regenerated.
      const later = await ensureSandboxTls(dir, new Date(cert.validTo).getTime() - 24 * 3600 * 1000);
      expect(later.caPem).not.toBe(first.caPem);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('generated tenant data', () => {
  it('is deterministic per tenant id and sized for paging', () => {
    const id = '3f0c1d2e-4b5a-4c6d-8e7f-901234567890';
    const a = generateTenantData(id, 'a.onmicrosoft.com');
    const b = generateTenantData(id, 'a.onmicrosoft.com');
    expect(a.deviceConfigurations).toEqual(b.deviceConfigurations);
    expect(a.managedDevices).toEqual(b.managedDevices);
    const other = generateTenantData('00000000-0000-4000-8000-000000000001', 'b.onmicrosoft.com');
    expect(other.groups[0]?.id).not.toBe(a.groups[0]?.id);
    expect(
      [a.deviceConfigurations, a.configurationPolicies, a.deviceCompliancePolicies, a.managedDevices, a.groups, a.roleDefinitions].map((c) => c.length),
    ).toEqual([250, 120, 80, 300, 180, 60]);
    const states = new Set(a.managedDevices.map((d) => d.complianceState));
    expect([...states].sort()).toEqual(['compliant', 'inGracePeriod', 'noncompliant', 'unknown']);
  });

  it('counts can be overridden per tenant', () => {
    const state = new SandboxState();
    const tenant = state.addTenant({ counts: { groups: 3 } });
    expect(state.tenantView(tenant).counts).toMatchObject({ groups: 3, deviceConfigurations: 250 });
  });
});

describe('identity endpoints', () => {
  it('serves an OpenID configuration (for completeness) and Entra-shaped token errors', async () => {
    const config = await api('GET', `/${t.tenant.id}/v2.0/.well-known/openid-configuration`);
    expect(config.json).toMatchObject({ token_endpoint: `${t.cloud.url}/${t.tenant.id}/oauth2/v2.0/token` });

    const res = await fetch(`${t.cloud.url}/${t.tenant.id}/oauth2/v2.0/token`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'nope', client_secret: 'x', scope: `${t.cloud.url}/.default` }).toString(),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
    expect(String(body.error_description)).toMatch(/^AADSTS700016: /);
    expect(Object.keys(body)).toEqual(expect.arrayContaining(['timestamp', 'trace_id', 'correlation_id']));
  });

  it('Graph rejects a missing or forged bearer token with 401', async () => {
    const missing = await api('GET', '/v1.0/organization');
    expect(missing.status).toBe(401);
    const forged = await fetch(`${t.cloud.url}/v1.0/organization`, { dispatcher: agent, headers: { authorization: 'Bearer a.b.c' } });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
  });
});

describe('control API', () => {
  it('creates tenants and apps, returns the secret only at creation, and edits grants and faults', async () => {
    const tenant = await api('POST', '/_sandbox/tenants', { displayName: 'Fabrikam', counts: { managedDevices: 10 } });
    expect(tenant.status).toBe(201);
    const tenantId = (tenant.json as { id: string }).id;
    expect(tenant.json).toMatchObject({ displayName: 'Fabrikam', counts: { managedDevices: 10, groups: 180 } });

    const created = await api('POST', `/_sandbox/tenants/${tenantId}/apps`, { grantedRoles: ['Group.Read.All'] });
    expect(created.status).toBe(201);
    const { clientId, secret } = created.json as { clientId: string; secret: string };
    expect(secret.length).toBeGreaterThanOrEqual(32);

    const read = await api('GET', `/_sandbox/tenants/${tenantId}/apps/${clientId}`);
    expect(read.json).toMatchObject({ clientId, consentGranted: true, grantedRoles: ['Group.Read.All'], secretExpired: false });
    expect(JSON.stringify(read.json)).not.toContain(secret);
    expect(JSON.stringify((await api('GET', '/_sandbox/state')).json)).not.toContain(secret);

    const patched = await api('PATCH', `/_sandbox/tenants/${tenantId}/apps/${clientId}`, {
      consentGranted: false,
      secretExpiresAt: '2020-01-01T00:00:00Z',
    });
    expect(patched.json).toMatchObject({ consentGranted: false, secretExpired: true });

    const faults = await api('PUT', `/_sandbox/tenants/${tenantId}/faults`, { throttleNext: 2, retryAfterSeconds: 3 });
    expect(faults.json).toEqual({ throttleNext: 2, retryAfterSeconds: 3 });
    expect(t.cloud.state.getTenant(tenantId)?.faults.throttleNext).toBe(2);
    expect((await api('PUT', `/_sandbox/tenants/${tenantId}/apps/${clientId}/faults`, { serverErrorsNext: 1 })).status).toBe(200);
    expect((await api('POST', `/_sandbox/tenants/${tenantId}/apps/${clientId}/revoke-tokens`)).json).toMatchObject({ tokenGeneration: 1 });

    expect((await api('DELETE', `/_sandbox/tenants/${tenantId}/apps/${clientId}`)).status).toBe(204);
    expect((await api('GET', `/_sandbox/tenants/${tenantId}/apps/${clientId}`)).status).toBe(404);
    expect((await api('DELETE', `/_sandbox/tenants/${tenantId}`)).status).toBe(204);
  });

  it('validates bodies without echoing them', async () => {
    const bad = await api('POST', `/_sandbox/tenants/${t.tenant.id}/apps`, { secret: 42, bogus: 'super-secret-value' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).not.toContain('super-secret-value');
    expect((await api('PUT', `/_sandbox/tenants/${t.tenant.id}/faults`, { throttleNext: -1 })).status).toBe(400);
    expect((await api('GET', '/_sandbox/nothing-here')).status).toBe(404);
    expect((await api('POST', '/_sandbox/counters')).status).toBe(405);
  });

  it('counts requests per path (control calls excluded) and can reset them', async () => {
    await api('DELETE', '/_sandbox/counters');
    await api('GET', '/v1.0/groups');
    await api('GET', '/v1.0/groups?$top=5');
    const counters = (await api('GET', '/_sandbox/counters')).json as { total: number; byRoute: Record<string, number> };
    expect(counters).toEqual({ total: 2, byRoute: { 'GET /v1.0/groups': 2 } });
    const recent = (await api('GET', '/_sandbox/requests')).json as Array<{ path: string; status: number }>;
    expect(recent.map((r) => [r.path, r.status])).toEqual([
      ['/v1.0/groups', 401],
      ['/v1.0/groups', 401],
    ]);
  });
});
