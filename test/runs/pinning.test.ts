// FR-216-006: accepted work keeps the connection chosen at the click. The default changes
// while the run waits in the queue (no worker yet); the worker then runs it on the pinned one.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { start } from '../../src/gate/start.ts';
import { DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { connectionOf, tenantBySlug, userByEmail } from '../helpers/seed.ts';
import { createWorkerEnv, waitForRun, type WorkerEnv } from '../helpers/worker-env.ts';

let env: WorkerEnv;
beforeAll(async () => {
  env = await createWorkerEnv();
});
afterAll(async () => env.close());

it('the job uses the connection pinned at admission even after the default changed', async () => {
  const db = env.tdb.db;
  const tenant = await tenantBySlug(db, 'contoso-lab');
  const primary = await connectionOf(db, 'contoso-lab', 'Primary');
  const secondary = await connectionOf(db, 'contoso-lab', 'Secondary');
  const operator = await userByEmail(db, 'operator@contoso.example');
  const r = await start(db, { type: 'inventory.sync', tenantId: tenant.id, trigger: 'operator', initiatorUserId: operator.id });
  expect(r).toMatchObject({ outcome: 'accepted', providerConnection: { id: primary.id } });

  await db.transaction().execute(async (tx) => {
    await tx.updateTable('provider_connections').set({ is_default: false }).where('id', '=', primary.id).execute();
    await tx.updateTable('provider_connections').set({ is_default: true }).where('id', '=', secondary.id).execute();
  });
  // Make the new default unusable in the cloud: had the job resolved "the default", it would fail.
  const f = DEMO_WORKSPACES[0]!.tenants.find((t) => t.slug === 'contoso-lab')!;
  env.sandbox.state.updateApp(f.entraTenantId, f.connections[1]!.clientId, { appExists: false });

  await env.startWorker();
  const done = await waitForRun(db, r.run.id);
  expect(done).toMatchObject({ outcome: 'succeeded', provider_connection_id: primary.id });
  const used = await sql<{ c: string }>`select distinct provider_connection_id as c from inventory_items where last_run_id = ${r.run.id}`.execute(db);
  expect(used.rows).toEqual([{ c: primary.id }]);
});
