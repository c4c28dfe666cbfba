// Certificate credentials end to end over HTTPS: a key pair and certificate generated the way
// opsgate generates them, the public certificate uploaded to the sandbox app through the
// control API, tokens requested with signed client assertions by the real msal-node client.
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProviderClient } from '../../src/provider/microsoft/index.ts';
import { signClientAssertion } from '../../src/provider/microsoft/client-assertion.ts';
import { JWT_BEARER } from '../../sandbox/certificates.ts';
import type { CertificateCredentials } from '../../src/provider/types.ts';
import { generateCertificate, type GeneratedCertificate } from '../../src/security/certificate.ts';
import type { TestCloud } from './fixture.ts';
import { ALL_READ_ROLES, expectNoSecrets, expectProviderError, startTestCloud } from './fixture.ts';

let t: TestCloud;
let agent: Agent;
let cert: GeneratedCertificate;
let other: GeneratedCertificate;

beforeAll(async () => {
  t = await startTestCloud();
  agent = new Agent({ connect: { ca: t.cloud.caPem } });
  [cert, other] = await Promise.all([generateCertificate({ commonName: 'opsgate test' }), generateCertificate({ commonName: 'someone else' })]);
});
afterAll(async () => {
  await agent.close();
  await t.close();
});
beforeEach(() => t.cloud.state.resetCounters());

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${t.cloud.url}/_sandbox${path}`, {
    method,
    dispatcher: agent,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

/** A sandbox app holding `uploaded` (if any), and credentials signing with `signWith`. */
async function appWith(uploaded: GeneratedCertificate | null, signWith: GeneratedCertificate = cert): Promise<CertificateCredentials> {
  const { app } = t.cloud.state.addApp(t.tenant.id, { grantedRoles: ALL_READ_ROLES });
  if (uploaded) {
    const up = await control('POST', `/tenants/${t.tenant.id}/apps/${app.clientId}/certificates`, { pem: uploaded.certificatePem });
    expect(up.status).toBe(201);
    expect(up.json).toMatchObject({
      thumbprintSha256: uploaded.thumbprintSha256,
      thumbprint: uploaded.thumbprintSha1,
      expired: uploaded.notAfter.getTime() < Date.now(),
    });
  }
  return {
    kind: 'certificate',
    entraTenantId: t.tenant.id,
    clientId: app.clientId,
    privateKeyPem: signWith.privateKeyPem,
    thumbprintSha256: signWith.thumbprintSha256,
  };
}

const tokenUrl = () => `${t.cloud.url}/${t.tenant.id}/oauth2/v2.0/token`;

async function postAssertion(clientId: string, assertion: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(tokenUrl(), {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      scope: `${t.cloud.url}/.default`,
      client_assertion_type: JWT_BEARER,
      client_assertion: assertion,
    }).toString(),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('certificate credentials', () => {
  it('a token with a signed client assertion once the certificate is uploaded; no secret sent', async () => {
    const creds = await appWith(cert);
    const token = await createProviderClient(t.cloud.endpoints).acquireToken(creds);
    expect(token.roles.sort()).toEqual([...ALL_READ_ROLES].sort());
    expect(t.cloud.state.counters()).toEqual({ [`POST /${t.tenant.id}/oauth2/v2.0/token`]: 1 });
  });

  it('every token request carries a new assertion: a forced refresh is not a replay', async () => {
    const creds = await appWith(cert);
    const client = createProviderClient(t.cloud.endpoints);
    const first = await client.acquireToken(creds);
    const again = await client.acquireToken(creds, { forceRefresh: true });
    const parallel = await Promise.all([1, 2, 3].map(() => client.acquireToken(creds, { forceRefresh: true })));
    expect(again.accessToken).not.toBe('');
    expect(parallel).toHaveLength(3);
    expect(first.roles.length).toBeGreaterThan(0);
    expect(t.cloud.state.count('POST', `/${t.tenant.id}/oauth2/v2.0/token`)).toBe(5);
  });

  it('the certificate is not on the app: AADSTS700027, provider_credentials_invalid; no key material in the error', async () => {
    const creds = await appWith(other, cert);
    const error = await expectProviderError(createProviderClient(t.cloud.endpoints).acquireToken(creds), 'provider_credentials_invalid');
    expect(error.failure.params.aadsts).toBe('AADSTS700027');
    expectNoSecrets(error, cert.privateKeyPem, cert.privateKeyPem.split('\n')[1]!);
  });

  it('an assertion naming the uploaded certificate but signed with another key: AADSTS700027', async () => {
    const creds = await appWith(cert);
    const forged = await signClientAssertion({ ...creds, privateKeyPem: other.privateKeyPem }, tokenUrl());
    const res = await postAssertion(creds.clientId, forged);
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: 'invalid_client', error_codes: [700027] });
    expect(String(res.json.error_description)).toContain('signature value did not match');
  });

  it('a replayed assertion (same jti) is refused; an expired one is AADSTS700024', async () => {
    const creds = await appWith(cert);
    const assertion = await signClientAssertion(creds, tokenUrl());
    expect((await postAssertion(creds.clientId, assertion)).status).toBe(200);
    const replay = await postAssertion(creds.clientId, assertion);
    expect(replay.status).toBe(401);
    expect(replay.json).toMatchObject({ error: 'invalid_client', error_codes: [700027] });
    expect(String(replay.json.error_description)).toContain('already used');
    const stale = await signClientAssertion(creds, tokenUrl(), Date.now() - 20 * 60_000);
    expect((await postAssertion(creds.clientId, stale)).json).toMatchObject({ error_codes: [700024] });
  });

  it('an assertion for another audience or another client is refused', async () => {
    const creds = await appWith(cert);
    const elsewhere = await signClientAssertion(creds, 'https://login.microsoftonline.com/x/oauth2/v2.0/token');
    expect((await postAssertion(creds.clientId, elsewhere)).json).toMatchObject({ error_codes: [700023] });
    const { app: second } = t.cloud.state.addApp(t.tenant.id, {});
    t.cloud.state.addCertificate(t.tenant.id, second.clientId, cert.certificatePem);
    expect((await postAssertion(second.clientId, await signClientAssertion(creds, tokenUrl()))).json).toMatchObject({ error_codes: [700021] });
  });

  it('an expired uploaded certificate: 700027 "the key used is expired", classified as expired', async () => {
    const old = await generateCertificate({ commonName: 'old', now: new Date(Date.now() - 400 * 86_400_000) });
    const creds = await appWith(old, old);
    const error = await expectProviderError(createProviderClient(t.cloud.endpoints).acquireToken(creds), 'provider_credentials_expired');
    expect(error.failure.params.aadsts).toBe('AADSTS700027');
  });

  it('the control API lists and removes certificates, refuses non-certificates and duplicates', async () => {
    const creds = await appWith(cert);
    const base = `/tenants/${t.tenant.id}/apps/${creds.clientId}/certificates`;
    expect((await control('POST', base, { pem: cert.certificatePem })).status).toBe(409);
    const bad = await control('POST', base, { pem: cert.privateKeyPem });
    expect(bad).toMatchObject({ status: 400, json: { error: { code: 'invalid_body' } } });
    expect(JSON.stringify(bad.json)).not.toContain('PRIVATE KEY');
    expect((await control('GET', base)).json).toEqual([expect.objectContaining({ thumbprint: cert.thumbprintSha1 })]);
    const view = await control('GET', `/tenants/${t.tenant.id}/apps/${creds.clientId}`);
    expect(view.json).toMatchObject({ certificates: [{ thumbprintSha256: cert.thumbprintSha256 }] });
    expect((await control('DELETE', `${base}/${cert.thumbprintSha1}`)).status).toBe(204);
    await expectProviderError(createProviderClient(t.cloud.endpoints).acquireToken(creds), 'provider_credentials_invalid');
  });
});
