// The admin-consent next step against Microsoft's documented parameters, and the sandbox's
// consent page that lets the whole loop run locally.
import { sql } from 'kysely';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminConsentUrl, beginAdminConsent, completeAdminConsent } from '../../src/remediation/admin-consent.ts';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { connectionOf, userByEmail } from '../helpers/seed.ts';
import { createWorkerEnv, type WorkerEnv } from '../helpers/worker-env.ts';

let env: WorkerEnv;
let ownerId: string;
let woodgrove: Awaited<ReturnType<typeof connectionOf>>;
const woodgroveTenant = DEMO_WORKSPACES[0]!.tenants.find((t) => t.slug === 'woodgrove')!;
const REDIRECT = 'http://127.0.0.1:3000/admin/consent/callback';

beforeAll(async () => {
  env = await createWorkerEnv();
  ownerId = (await userByEmail(env.tdb.db, 'owner@contoso.example')).id;
  woodgrove = await connectionOf(env.tdb.db, 'woodgrove');
});
afterAll(async () => env.close());

async function begin(session = 'browser-session-1') {
  const url = new URL(
    await beginAdminConsent(env.tdb.db, {
      userId: ownerId,
      httpSessionId: session,
      connectionId: woodgrove.id,
      authorityHost: 'https://login.microsoftonline.com',
      redirectUri: REDIRECT,
    }),
  );
  return { url, state: url.searchParams.get('state')! };
}

describe('admin-consent URL', () => {
  it("has Microsoft's documented shape: /{tenant}/adminconsent with client_id, redirect_uri and state", async () => {
    expect(
      adminConsentUrl({
        authorityHost: 'https://login.microsoftonline.com/',
        entraTenantId: 'contoso.onmicrosoft.com',
        clientId: 'abc',
        redirectUri: REDIRECT,
        state: 's1',
      }),
    ).toBe(
      'https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=abc&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fadmin%2Fconsent%2Fcallback&state=s1',
    );
    const { url, state } = await begin();
    expect(url.origin + url.pathname).toBe(`https://login.microsoftonline.com/${woodgroveTenant.entraTenantId}/adminconsent`);
    expect(url.searchParams.get('client_id')).toBe(woodgrove.client_id);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT);
    expect(state.length).toBeGreaterThanOrEqual(32);
    // Only a hash of the state is stored.
    const stored = await env.tdb.db.selectFrom('consent_requests').select('state_hash').execute();
    expect(stored.some((r) => r.state_hash === state)).toBe(false);
  });
});

describe('callback', () => {
  const who = { userId: '', httpSessionId: 'browser-session-1' };
  beforeAll(() => {
    who.userId = ownerId;
  });

  it("success for the connection's own tenant is granted, once", async () => {
    const { state } = await begin();
    const q = { admin_consent: 'True', tenant: woodgroveTenant.entraTenantId, state };
    expect(await completeAdminConsent(env.tdb.db, q, who)).toMatchObject({ kind: 'granted', connectionId: woodgrove.id });
    expect(await completeAdminConsent(env.tdb.db, q, who)).toMatchObject({ kind: 'rejected', why: 'used_state' });
  });

  it("denied consent reports Microsoft's error", async () => {
    const { state } = await begin();
    const r = await completeAdminConsent(
      env.tdb.db,
      { error: 'access_denied', error_description: 'AADSTS65004: User declined to consent to access the app.', state },
      who,
    );
    expect(r).toMatchObject({ kind: 'denied', error: 'access_denied', description: expect.stringContaining('AADSTS65004') });
  });

  it('consent given in another tenant grants nothing here', async () => {
    const { state } = await begin();
    const r = await completeAdminConsent(env.tdb.db, { admin_consent: 'True', tenant: '11111111-2222-4333-8444-555555555555', state }, who);
    expect(r).toMatchObject({ kind: 'rejected', why: 'wrong_tenant' });
  });

  it('a forged, foreign, expired or missing state is rejected', async () => {
    expect(await completeAdminConsent(env.tdb.db, { admin_consent: 'True', tenant: woodgroveTenant.entraTenantId, state: 'forged' }, who)).toMatchObject({
      kind: 'rejected',
      why: 'unknown_state',
    });
    expect(await completeAdminConsent(env.tdb.db, { admin_consent: 'True', tenant: woodgroveTenant.entraTenantId }, who)).toMatchObject({
      kind: 'rejected',
      why: 'missing_state',
    });
    const { state } = await begin();
    // Another browser (a planted link) cannot complete it, and does not burn it either.
    expect(
      await completeAdminConsent(env.tdb.db, { admin_consent: 'True', tenant: woodgroveTenant.entraTenantId, state }, { ...who, httpSessionId: 'attacker' }),
    ).toMatchObject({ kind: 'rejected', why: 'other_session' });
    await sql`update consent_requests set expires_at = now() - interval '1 second'`.execute(env.tdb.db);
    expect(await completeAdminConsent(env.tdb.db, { admin_consent: 'True', tenant: woodgroveTenant.entraTenantId, state }, who)).toMatchObject({
      kind: 'rejected',
      why: 'expired_state',
    });
  });

  it('every judged callback is audited', async () => {
    const rows = await env.tdb.db.selectFrom('audit_log').select('action').where('action', 'like', 'provider_connection.consent%').execute();
    const actions = new Set(rows.map((r) => r.action));
    expect(actions).toEqual(
      new Set([
        'provider_connection.consent_requested',
        'provider_connection.consent_granted',
        'provider_connection.consent_denied',
        'provider_connection.consent_wrong_tenant',
      ]),
    );
  });
});

describe('the sandbox consent page', () => {
  it('accept grants the app in the sandbox and redirects with admin_consent, tenant and state', async () => {
    const dispatcher = new Agent({ connect: { ca: env.sandbox.caPem } });
    const url = adminConsentUrl({
      authorityHost: env.sandbox.url,
      entraTenantId: woodgroveTenant.entraTenantId,
      clientId: woodgrove.client_id,
      redirectUri: REDIRECT,
      state: 'st-1',
    });
    const page = await undiciFetch(url, { dispatcher });
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('Permissions requested');
    expect(text).toContain('Accept');
    const form = new URLSearchParams({ client_id: woodgrove.client_id, redirect_uri: REDIRECT, state: 'st-1', decision: 'accept' });
    for (const r of woodgroveTenant.connections[0]!.permissions) form.append('role', r);
    const post = await undiciFetch(url, { method: 'POST', body: form, redirect: 'manual', dispatcher });
    expect(post.status).toBe(302);
    const back = new URL(post.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(Object.fromEntries(back.searchParams)).toEqual({ admin_consent: 'True', tenant: woodgroveTenant.entraTenantId, state: 'st-1' });
    expect(env.sandbox.state.getApp(woodgroveTenant.entraTenantId, woodgrove.client_id)).toMatchObject({ consentGranted: true });

    const cancel = await undiciFetch(url, {
      method: 'POST',
      body: new URLSearchParams({ client_id: woodgrove.client_id, redirect_uri: REDIRECT, state: 'st-2', decision: 'cancel' }),
      redirect: 'manual',
      dispatcher,
    });
    const denied = new URL(cancel.headers.get('location')!);
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe('st-2');
  });

  it('refuses a redirect away from this machine', async () => {
    const dispatcher = new Agent({ connect: { ca: env.sandbox.caPem } });
    const url = adminConsentUrl({
      authorityHost: env.sandbox.url,
      entraTenantId: woodgroveTenant.entraTenantId,
      clientId: woodgrove.client_id,
      redirectUri: 'https://evil.example/cb',
      state: 'x',
    });
    expect((await undiciFetch(url, { dispatcher })).status).toBe(400);
  });
});
