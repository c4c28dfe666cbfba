// A connection on a workspace app registration takes its credential facts from the app (one
// read, still no secret loaded): an expired app secret blocks every connection on it with
// provider_credentials_expired, and one rotation of the app clears them all; consent and
// permissions stay each connection's own.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDefaultsFacts } from '../../src/gate/resolve.ts';
import { start } from '../../src/gate/start.ts';
import { startMany } from '../../src/gate/start-many.ts';
import { ALL_PERMISSIONS } from '../../src/operations/permissions.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { seedDemoData, tenantBySlug } from '../helpers/seed.ts';
import { closeAll } from '../helpers/teardown.ts';

let tdb: TestDatabase;
let appId: string;
const slugs = ['northwind', 'contoso-lab', 'alpine'];

beforeAll(async () => {
  tdb = await createTestDatabase();
  await seedDemoData(tdb.db);
  const ws = await tdb.db.selectFrom('workspaces').select('id').where('slug', '=', 'contoso-msp').executeTakeFirstOrThrow();
  appId = (
    await tdb.db
      .insertInto('app_registrations')
      .values({
        workspace_id: ws.id,
        name: 'MSP app',
        client_id: crypto.randomUUID(),
        cloud: 'sandbox',
        secret_ciphertext: 'sealed',
        credential_expires_at: new Date(Date.now() + 86_400_000),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  // Each tenant's default becomes a connection on the app: no credential of its own.
  for (const slug of slugs) {
    const t = await tenantBySlug(tdb.db, slug);
    await sql`update provider_connections set is_default = false where tenant_id = ${t.id}`.execute(tdb.db);
    await tdb.db
      .insertInto('provider_connections')
      .values({
        tenant_id: t.id,
        name: 'MSP app',
        client_id: 'app',
        app_registration_id: appId,
        is_default: true,
        consent_status: 'granted',
        granted_permissions: [...ALL_PERMISSIONS],
        verification_status: 'succeeded',
      })
      .execute();
  }
});
afterAll(() => closeAll(tdb));

const reset = () =>
  sql`update operation_runs set status = 'completed', outcome = 'cancelled', completed_at = now() where status <> 'completed'`.execute(tdb.db);

describe('connections on a workspace app', () => {
  it('are ready on the app’s credential; its expiry blocks every one of them; one rotation clears them all', async () => {
    const ids = await Promise.all(slugs.map(async (s) => (await tenantBySlug(tdb.db, s)).id));
    const go = () => startMany(tdb.db, { type: 'inventory.sync', tenantIds: ids, trigger: 'system', initiatorUserId: null });
    expect((await go()).map((r) => r.outcome)).toEqual(['accepted', 'accepted', 'accepted']);
    await reset();

    await sql`update app_registrations set credential_expires_at = now() - interval '1 day' where id = ${appId}`.execute(tdb.db);
    const expired = await go();
    expect(expired.map((r) => (r.outcome === 'blocked' ? r.reason.code : r.outcome))).toEqual(Array(3).fill('provider_credentials_expired'));
    const single = await start(tdb.db, { type: 'entra_group_sync', tenantId: ids[0]!, trigger: 'system', initiatorUserId: null });
    expect(single).toMatchObject({ outcome: 'blocked', reason: { code: 'provider_credentials_expired' } });

    await sql`update app_registrations set credential_expires_at = now() + interval '1 year' where id = ${appId}`.execute(tdb.db);
    expect((await go()).map((r) => r.outcome)).toEqual(['accepted', 'accepted', 'accepted']);
    await reset();

    // No credential on the app: every connection on it lacks one.
    await sql`update app_registrations set secret_ciphertext = null where id = ${appId}`.execute(tdb.db);
    expect((await go()).map((r) => (r.outcome === 'blocked' ? r.reason.code : r.outcome))).toEqual(Array(3).fill('provider_credentials_missing'));
    await sql`update app_registrations set secret_ciphertext = 'sealed' where id = ${appId}`.execute(tdb.db);

    // Consent is per connection (per customer tenant).
    await sql`update provider_connections set consent_status = 'missing' where app_registration_id = ${appId} and tenant_id = ${ids[1]!}`.execute(tdb.db);
    expect((await go()).map((r) => (r.outcome === 'blocked' ? r.reason.code : r.outcome))).toEqual(['accepted', 'provider_consent_missing', 'accepted']);
  });
  it('come in one prepared read that joins the app and loads no secret or key, only whether one is stored', async () => {
    const ids = await Promise.all(slugs.map(async (s) => (await tenantBySlug(tdb.db, s)).id));
    await sql`update app_registrations set credential_expires_at = '2031-01-01T00:00:00Z' where id = ${appId}`.execute(tdb.db);
    // One server connection, so the statement prepared by the read is the one listed after it.
    await tdb.db.connection().execute(async (conn) => {
      const facts = await readDefaultsFacts(conn, ids);
      for (const id of ids) {
        expect(facts.get(id)?.connection).toMatchObject({
          name: 'MSP app',
          credential_kind: 'secret',
          credential_expires_at: new Date('2031-01-01T00:00:00Z'),
          has_secret: true,
        });
      }
      const { rows } = await sql<{ statement: string }>`
        select statement from pg_prepared_statements where statement like '%left join app_registrations a%' and statement like '%any($1::uuid[])%'`.execute(
        conn,
      );
      expect(rows).toHaveLength(1);
      // A stored credential is only ever tested for presence, inside coalesce(…) <> ''.
      const selected = rows[0]!.statement.replace(/coalesce\([^()]*\) <> ''/g, '');
      expect(selected).not.toMatch(/ciphertext|certificate_pem/);
      expect(selected).toContain('a.credential_expires_at');
    });
  });
});
