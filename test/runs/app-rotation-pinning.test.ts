// The rule for a rotation between the click and the run (docs/ARCHITECTURE.md, "Workspace
// apps"): an accepted run keeps its connection, and its job uses the app's credential as it is
// when the job executes, not at the click. Each start here is accepted while no worker runs;
// the MSP then rotates the app, in its own tenant (the sandbox's home registration, where the
// old credential stops working) and in opsgate; only then does a worker take the run. A job
// that used the credential of the click would be refused by the cloud.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateApp } from '../../src/apps/store.ts';
import { start } from '../../src/gate/start.ts';
import { clearTokenClientCache } from '../../src/provider/microsoft/index.ts';
import { ALL_PERMISSIONS } from '../../src/operations/permissions.ts';
import { DEMO_MSP_APP, registerMspAppInSandbox } from '../../src/seed/msp-app.ts';
import { consentInTenant } from '../../sandbox/multi-tenant.ts';
import { tenantBySlug, testBox, userByEmail } from '../helpers/seed.ts';
import { createWorkerEnv, waitForRun, type WorkerEnv } from '../helpers/worker-env.ts';

let env: WorkerEnv;
let tenantId: string;
let entraTenantId: string;
let connectionId: string;
let appId: string;
let workspaceId: string;
let ownerId: string;
const DAY = 86_400_000;

beforeAll(async () => {
  env = await createWorkerEnv();
  const db = env.tdb.db;
  registerMspAppInSandbox(env.sandbox.state);
  const adatum = await tenantBySlug(db, 'adatum');
  tenantId = adatum.id;
  entraTenantId = adatum.entra_tenant_id;
  workspaceId = adatum.workspace_id;
  ownerId = (await userByEmail(db, 'owner@contoso.example')).id;
  appId = (await db.selectFrom('app_registrations').select('id').where('name', '=', DEMO_MSP_APP.name).executeTakeFirstOrThrow()).id;
  // adatum's admin has consented (the service principal exists there), and a verification
  // recorded it: what the consent loop of test/browser/workspace-app.test.ts leaves behind.
  consentInTenant(env.sandbox.state, adatum.entra_tenant_id, env.sandbox.state.requireApp(DEMO_MSP_APP.home.id, DEMO_MSP_APP.clientId), [...ALL_PERMISSIONS]);
  connectionId = (
    await db
      .insertInto('provider_connections')
      .values({
        tenant_id: tenantId,
        name: 'Automation',
        client_id: DEMO_MSP_APP.clientId,
        cloud: 'sandbox',
        app_registration_id: appId,
        is_default: true,
        consent_status: 'granted',
        granted_permissions: [...ALL_PERMISSIONS],
        verification_status: 'succeeded',
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
});
afterAll(async () => env.close());

/** Accepted now, with no worker running: the run waits in the queue. */
async function click(): Promise<string> {
  const r = await start(env.tdb.db, { type: 'inventory.sync', tenantId, trigger: 'operator', initiatorUserId: ownerId });
  expect(r).toMatchObject({ outcome: 'accepted', providerConnection: { id: connectionId } });
  return (r as { run: { id: string } }).run.id;
}

/** A worker takes the queued run to its end, then stops. */
async function execute(runId: string) {
  const worker = await env.startWorker();
  try {
    return await waitForRun(env.tdb.db, runId);
  } finally {
    await worker.stop();
  }
}

describe('a rotation of the workspace app between the click and the run', () => {
  it('a new secret: the queued run uses it (the secret of the click no longer opens the app)', async () => {
    const runId = await click();
    const next = 'contoso-msp-automation-secret-rotated-after-click';
    const expires = new Date(Date.now() + 90 * DAY);
    env.sandbox.state.updateApp(DEMO_MSP_APP.home.id, DEMO_MSP_APP.clientId, { secret: next, secretExpiresAt: expires.toISOString() });
    await updateApp(env.tdb.db, testBox, { appId, workspaceId, actorId: ownerId, credential: { type: 'secret', secret: next, expiresAt: expires } });

    const run = await execute(runId);
    expect(run).toMatchObject({ outcome: 'succeeded', provider_connection_id: connectionId });
    // From adatum's own authority, with the home registration's new secret.
    expect(env.sandbox.state.count('POST', `/${entraTenantId}/oauth2/v2.0/token`)).toBeGreaterThan(0);
  });

  it('a secret that expires after the click: the queued run fails at its token request, not at admission', async () => {
    const runId = await click();
    const past = new Date(Date.now() - 60_000);
    env.sandbox.state.updateApp(DEMO_MSP_APP.home.id, DEMO_MSP_APP.clientId, { secretExpiresAt: past.toISOString() });
    await sql`update app_registrations set credential_expires_at = ${past} where id = ${appId}`.execute(env.tdb.db);
    // A worker holding no token for adatum yet (another process, or after a restart): a token
    // issued before the expiry stays valid until its own expiry, as in Entra.
    clearTokenClientCache();

    const run = await execute(runId);
    expect(run).toMatchObject({ outcome: 'failed', reason_code: 'provider_credentials_expired', provider_connection_id: connectionId });
    // A start now is refused at admission: the gate reads the app's expiry.
    const now = await start(env.tdb.db, { type: 'inventory.sync', tenantId, trigger: 'operator', initiatorUserId: ownerId });
    expect(now).toMatchObject({ outcome: 'blocked', reason: { code: 'provider_credentials_expired' } });

    // One rotation, and the same start is accepted and succeeds.
    const next = 'contoso-msp-automation-secret-after-expiry';
    const expires = new Date(Date.now() + 90 * DAY);
    env.sandbox.state.updateApp(DEMO_MSP_APP.home.id, DEMO_MSP_APP.clientId, { secret: next, secretExpiresAt: expires.toISOString() });
    await updateApp(env.tdb.db, testBox, { appId, workspaceId, actorId: ownerId, credential: { type: 'secret', secret: next, expiresAt: expires } });
    expect(await execute(await click())).toMatchObject({ outcome: 'succeeded' });
  });

  it('to a certificate: the queued run signs its token request with the new certificate', async () => {
    const runId = await click();
    await updateApp(env.tdb.db, testBox, { appId, workspaceId, actorId: ownerId, credential: { type: 'certificate' } });
    const { certificate_pem } = await env.tdb.db.selectFrom('app_registrations').select('certificate_pem').where('id', '=', appId).executeTakeFirstOrThrow();
    // Uploaded to the home registration; the secret there is withdrawn.
    env.sandbox.state.addCertificate(DEMO_MSP_APP.home.id, DEMO_MSP_APP.clientId, certificate_pem!);
    env.sandbox.state.updateApp(DEMO_MSP_APP.home.id, DEMO_MSP_APP.clientId, { secret: 'withdrawn-secret-nobody-holds' });

    const run = await execute(runId);
    expect(run).toMatchObject({ outcome: 'succeeded', provider_connection_id: connectionId });
  });
});
