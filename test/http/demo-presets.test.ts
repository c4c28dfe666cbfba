// GET /api/onboarding/demo-presets: the wizard's "Use the sandbox's Fourth Coffee" exists only
// where a sandbox cloud holds Fourth Coffee. A server without a sandbox (production) answers an
// empty list; a member who may not onboard never receives the preset's (sandbox) secret.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownSandboxPresets, remoteSandboxPresets } from '../../src/onboarding/demo-presets.ts';
import { SandboxState, startSandboxCloud, type SandboxCloud } from '../../sandbox/index.ts';
import { FOURTH_COFFEE } from '../../src/seed/fourth-coffee.ts';
import { registerDemoInSandbox } from '../../src/seed/sandbox-demo.ts';
import { call, login, PERSONAS, startTestServer, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

const F = FOURTH_COFFEE;
const PATH = '/api/onboarding/demo-presets';

describe('without a sandbox (production)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => closeAll(s));

  it('offers nothing, even to an owner', async () => {
    const res = await call(s.base, 'GET', PATH, { cookie: await login(s.base, PERSONAS.owner) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [] });
  });

  it('is for signed-in users only', async () => {
    expect((await call(s.base, 'GET', PATH)).status).toBe(401);
  });
});

describe("with the demo's own sandbox", () => {
  let s: TestServer;
  const state = new SandboxState();
  beforeAll(async () => {
    registerDemoInSandbox(state);
    s = await startTestServer({ demoPresets: ownSandboxPresets(state) });
  });
  afterAll(() => closeAll(s));

  it('offers Fourth Coffee, on the sandbox cloud, with the app its admin consented to', async () => {
    const res = await call(s.base, 'GET', PATH, { cookie: await login(s.base, PERSONAS.owner) });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    const [p] = res.body.items;
    expect(p).toMatchObject({
      key: 'fourth-coffee',
      label: "Use the sandbox's Fourth Coffee",
      tenant: { name: 'Fourth Coffee', slug: 'fourth-coffee', entraTenantId: F.entraTenantId },
      connection: { name: 'Primary', cloud: 'sandbox', clientId: F.connection.clientId, clientSecret: F.connection.secret },
    });
    expect(Date.parse(p.connection.secretExpiresAt)).toBeGreaterThan(Date.now() + 300 * 86_400_000);
    // Fourth Coffee is the cloud's, not the console's.
    const tenants = await s.tdb.db.selectFrom('tenants').select('slug').where('entra_tenant_id', '=', F.entraTenantId).execute();
    expect(tenants).toEqual([]);
  });

  it('gives a member who may not onboard nothing (the preset carries a secret)', async () => {
    for (const who of [PERSONAS.operator, PERSONAS.readonly]) {
      const res = await call(s.base, 'GET', PATH, { cookie: await login(s.base, who) });
      expect(res.body, who).toEqual({ items: [] });
    }
  });

  it('moves to a free slug once fourth-coffee is taken', async () => {
    const ws = await s.tdb.db.selectFrom('workspaces').select('id').where('slug', '=', 'contoso-msp').executeTakeFirstOrThrow();
    await s.tdb.db
      .insertInto('tenants')
      .values({ workspace_id: ws.id, slug: 'fourth-coffee', name: 'Fourth Coffee', entra_tenant_id: F.entraTenantId, status: 'active' })
      .execute();
    const res = await call(s.base, 'GET', PATH, { cookie: await login(s.base, PERSONAS.owner) });
    expect(res.body.items[0].tenant.slug).toBe('fourth-coffee-2');
  });

  it('follows the sandbox: an expired or removed app is no longer offered', async () => {
    const cookie = await login(s.base, PERSONAS.owner);
    state.updateApp(F.entraTenantId, F.connection.clientId, { secretExpiresAt: new Date(Date.now() - 1000).toISOString() });
    expect((await call(s.base, 'GET', PATH, { cookie })).body).toEqual({ items: [] });
    state.removeTenant(F.entraTenantId);
    expect((await call(s.base, 'GET', PATH, { cookie })).body).toEqual({ items: [] });
  });
});

describe('with a sandbox in another process (OPSGATE_SANDBOX_URL)', () => {
  let cloud: SandboxCloud;
  const dir = mkdtempSync(join(tmpdir(), 'opsgate-presets-'));
  beforeAll(async () => {
    cloud = await startSandboxCloud({ dir });
  });
  afterAll(async () => {
    await closeAll(cloud);
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks that sandbox over HTTPS whether it holds Fourth Coffee', async () => {
    expect(await remoteSandboxPresets(cloud.endpoints)()).toEqual([]);
    registerDemoInSandbox(cloud.state);
    // A fresh source: answers are cached briefly per source.
    const presets = await remoteSandboxPresets(cloud.endpoints)();
    expect(presets.map((p) => [p.tenant.entraTenantId, p.connection.clientId, p.connection.clientSecret])).toEqual([
      [F.entraTenantId, F.connection.clientId, F.connection.secret],
    ]);
  });

  it('offers nothing when the sandbox cannot be reached', async () => {
    expect(await remoteSandboxPresets({ ...cloud.endpoints, authorityHost: 'https://127.0.0.1:1' })()).toEqual([]);
  });
});
