// The connection lifecycle over real HTTP: deleting a connection (refused while a run holds it
// or while it is the default among others; past runs keep its name) and certificate
// credentials (generated key pair, public certificate answered, private key nowhere).
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectionSchema } from '../../src/http/routes/provider-connections.ts';
import { connectionInUseSchema } from '../../src/http/routes/connection-lifecycle.ts';
import { errorSchema, preflightAnswerSchema, runSchema } from '../../src/http/schemas.ts';
import { connectionOf, tenantBySlug, testBox, userByEmail } from '../helpers/seed.ts';
import { credentialAad } from '../../src/security/secret-box.ts';
import { call, freeAllScopes, insertCompletedRun, loginAll, startTestServer, type Persona, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

let s: TestServer;
let cookies: Record<Persona, string | null>;

beforeAll(async () => {
  s = await startTestServer();
  cookies = await loginAll(s.base);
});
afterAll(() => closeAll(s));
beforeEach(async () => freeAllScopes(s.tdb.db));

const api = (method: string, path: string, who: Persona = 'owner', body?: unknown) => call(s.base, method, path, { cookie: cookies[who], body });
const del = (id: string, who: Persona = 'owner') => api('DELETE', `/api/provider-connections/${id}`, who);

async function addSecretConnection(slug: string, name: string) {
  const r = await api('POST', `/api/tenants/${slug}/provider-connections`, 'owner', {
    name,
    clientId: crypto.randomUUID(),
    clientSecret: 'lifecycle-secret-value',
    secretExpiresAt: new Date(Date.now() + 86_400_000 * 30).toISOString(),
    isDefault: false,
  });
  expect(r.status).toBe(201);
  return connectionSchema.parse(r.body);
}

async function auditRows(action: string, connectionId: string) {
  const rows = await s.tdb.db.selectFrom('audit_log').selectAll().where('action', '=', action).execute();
  return rows.filter((r) => JSON.stringify(r.details).includes(connectionId));
}

describe('DELETE /api/provider-connections/{id}', () => {
  it('409 connection_in_use while a queued run holds it, naming and linking the run; deleted once the run ends', async () => {
    const c = await addSecretConnection('contoso-lab', 'Busy one');
    await s.tdb.db
      .updateTable('provider_connections')
      .set({ consent_status: 'granted', granted_permissions: ['DeviceManagementConfiguration.Read.All'] })
      .where('id', '=', c.id)
      .execute();
    const started = await api('POST', '/api/tenants/contoso-lab/operations', 'owner', { type: 'provider_connection.check', providerConnectionId: c.id });
    expect(started.status).toBe(202);
    const refused = await del(c.id);
    expect(refused.status).toBe(409);
    const body = connectionInUseSchema.parse(refused.body);
    expect(body.error.code).toBe('connection_in_use');
    expect(body.run).toEqual(started.body.run);
    expect(body.error.message).toContain(started.body.run.id);
    expect((await api('GET', `/api/provider-connections/${c.id}`)).status).toBe(200);

    await freeAllScopes(s.tdb.db);
    expect((await del(c.id)).status).toBe(204);
    expect((await api('GET', `/api/provider-connections/${c.id}`)).status).toBe(404);
  });

  it("409 for the tenant's default while it has other connections: make another one the default first", async () => {
    const primary = await connectionOf(s.tdb.db, 'contoso-lab', 'Primary');
    const r = await del(primary.id);
    expect(r.status).toBe(409);
    expect(errorSchema.parse(r.body).error).toMatchObject({ code: 'conflict', message: expect.stringContaining('make another one the default first') });
    expect(await s.tdb.db.selectFrom('provider_connections').select('id').where('id', '=', primary.id).executeTakeFirst()).toBeTruthy();
  });

  it('deletes, audits without a secret, and past runs keep the connection name', async () => {
    const c = await addSecretConnection('contoso-lab', 'Short-lived');
    const lab = await tenantBySlug(s.tdb.db, 'contoso-lab');
    const owner = await userByEmail(s.tdb.db, 'owner@contoso.example');
    const past = await insertCompletedRun(s.tdb.db, {
      tenantId: lab.id,
      type: 'inventory.sync',
      connectionId: c.id,
      initiatorId: owner.id,
      outcome: 'succeeded',
      connectionName: 'Short-lived',
    });
    expect((await del(c.id)).status).toBe(204);

    const run = runSchema.parse((await api('GET', `/api/operations/${past.runId}`)).body);
    expect(run.providerConnection).toEqual({ id: c.id, name: 'Short-lived', deleted: true });
    const listed = (await api('GET', '/api/operations?tenant=contoso-lab')).body.items.find((x: { id: string }) => x.id === past.runId);
    expect(listed.providerConnection).toEqual({ id: c.id, name: 'Short-lived', deleted: true });
    const note = (await api('GET', '/api/notifications')).body.items.find((n: { runId: string }) => n.runId === past.runId);
    expect(note.body).toContain('Short-lived');

    const [audit, ...more] = await auditRows('provider_connection.deleted', c.id);
    expect(more).toEqual([]);
    expect(audit).toMatchObject({ actor_user_id: owner.id, tenant_id: lab.id });
    expect(audit!.details).toMatchObject({ providerConnectionId: c.id, name: 'Short-lived', credentialKind: 'secret', wasDefault: false });
    expect(JSON.stringify(audit)).not.toContain('lifecycle-secret-value');
    expect(JSON.stringify(audit)).not.toMatch(/v1\.[\w-]+\.[\w-]+\./);
  });

  it('the only connection (the default) can go; starts are then blocked with provider_connection_missing', async () => {
    const only = await connectionOf(s.tdb.db, 'woodgrove');
    expect((await del(only.id)).status).toBe(204);
    const pre = preflightAnswerSchema.parse((await api('GET', '/api/tenants/woodgrove/operations/inventory.sync/preflight')).body);
    expect(pre).toMatchObject({ wouldBe: 'blocked', reason: { code: 'provider_connection_missing' } });
  });

  it('403 for a role without provider_connection.manage, 404 outside the tenant or when gone, 401 signed out, 400 bad id', async () => {
    const c = await addSecretConnection('contoso-lab', 'Guarded');
    expect((await del(c.id, 'operator')).status).toBe(403);
    expect((await del(c.id, 'readonly')).status).toBe(403);
    expect((await del(c.id, 'outsider')).body).toEqual({ error: { code: 'not_found', message: 'Not found.' } });
    expect((await del(c.id, 'anonymous')).status).toBe(401);
    const bad = await del('not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^id: /);
    expect((await del(c.id, 'manager')).status).toBe(204);
    expect((await del(c.id)).status).toBe(404);
  });

  it('a delete racing starts on the same connection never leaves an active run without its connection, and never a 5xx', async () => {
    const c = await addSecretConnection('contoso-lab', 'Raced');
    await s.tdb.db
      .updateTable('provider_connections')
      .set({ consent_status: 'granted', granted_permissions: ['DeviceManagementConfiguration.Read.All', 'DeviceManagementManagedDevices.Read.All'] })
      .where('id', '=', c.id)
      .execute();
    const answers = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) =>
        api('POST', '/api/tenants/contoso-lab/operations', i % 2 ? 'owner' : 'manager', {
          type: i % 3 ? 'inventory.sync' : 'provider_connection.check',
          providerConnectionId: c.id,
        }),
      ),
      del(c.id),
    ]);
    for (const a of answers) expect(a.status, a.text).toBeLessThan(500);
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from operation_runs where status in ('queued', 'running') and provider_connection_id is null`.execute(s.tdb.db);
    expect(rows[0]!.n).toBe(0);
    const deleted = answers.at(-1)!.status === 204;
    const accepted = answers.slice(0, -1).filter((a) => a.status === 202);
    // Either the delete came first (starts then resolved no connection) or a run held it.
    expect(deleted ? accepted.length : 1).toBe(deleted ? 0 : 1);
  });
});

describe('certificate credentials', () => {
  const noKey = (text: string) => {
    expect(text).not.toMatch(/PRIVATE KEY/);
    expect(text).not.toMatch(/privateKey|private_key/i);
  };

  it('POST {"credential":{"type":"certificate"}}: a generated certificate (PEM, thumbprints), never the private key', async () => {
    const r = await api('POST', '/api/tenants/adatum/provider-connections', 'manager', {
      name: 'Cert',
      clientId: crypto.randomUUID(),
      credential: { type: 'certificate' },
      cloud: 'sandbox',
    });
    expect(r.status, r.text).toBe(201);
    noKey(r.text);
    const c = connectionSchema.parse(r.body);
    expect(c).toMatchObject({ credentialKind: 'certificate', hasCredential: true, isDefault: true });
    const cert = new X509Certificate(c.certificate!.pem);
    expect(c.certificate!.thumbprintSha256).toBe(createHash('sha256').update(cert.raw).digest('base64url'));
    expect(c.certificate!.thumbprintSha1).toBe(createHash('sha1').update(cert.raw).digest('hex').toUpperCase());
    expect(c.credentialExpiresAt).toBe(new Date(cert.validTo).toISOString());
    expect(Date.parse(c.credentialExpiresAt!) - Date.now()).toBeGreaterThan(360 * 86_400_000);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);

    // At rest: the key is sealed with the secret box and matches the certificate.
    const row = await s.tdb.db.selectFrom('provider_connections').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ credential_kind: 'certificate', certificate_thumbprint: c.certificate!.thumbprintSha256, secret_ciphertext: null });
    expect(row.private_key_ciphertext).not.toContain('PRIVATE KEY');
    expect(
      cert.checkPrivateKey(
        createPrivateKey(testBox.open(row.private_key_ciphertext!, credentialAad({ table: 'provider_connections', id: row.id }, 'private_key_ciphertext'))),
      ),
    ).toBe(true);

    for (const path of [`/api/provider-connections/${c.id}`, '/api/tenants/adatum/provider-connections', '/api/provider-connections']) {
      const read = await api('GET', path, 'readonly');
      expect(read.status).toBe(200);
      noKey(read.text);
      expect(read.text).toContain(c.certificate!.thumbprintSha256);
    }
    const [audit] = await auditRows('provider_connection.created', c.id);
    expect(audit!.details).toMatchObject({ credentialKind: 'certificate', thumbprintSha256: c.certificate!.thumbprintSha256 });
    noKey(JSON.stringify(audit));
    expect(JSON.stringify(audit)).not.toContain(row.private_key_ciphertext);
  });

  it('PATCH {"credential":{"type":"certificate"}} rotates to a new key pair (from a secret too), audited without the key', async () => {
    const c = await addSecretConnection('contoso-lab', 'Rotating');
    const first = await api('PATCH', `/api/provider-connections/${c.id}`, 'owner', { credential: { type: 'certificate' } });
    expect(first.status, first.text).toBe(200);
    const second = await api('PATCH', `/api/provider-connections/${c.id}`, 'manager', { credential: { type: 'certificate' } });
    noKey(first.text + second.text);
    const a = connectionSchema.parse(first.body);
    const b = connectionSchema.parse(second.body);
    expect(a.credentialKind).toBe('certificate');
    expect(b.certificate!.thumbprintSha256).not.toBe(a.certificate!.thumbprintSha256);
    const row = await s.tdb.db.selectFrom('provider_connections').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ secret_ciphertext: null, certificate_thumbprint: b.certificate!.thumbprintSha256 });
    const rotations = await auditRows('provider_connection.credential_rotated', c.id);
    expect(rotations.map((r) => (r.details as { thumbprintSha256?: string }).thumbprintSha256)).toEqual(
      expect.arrayContaining([a.certificate!.thumbprintSha256, b.certificate!.thumbprintSha256]),
    );
    noKey(JSON.stringify(rotations));

    // And back to a secret: the certificate is gone from the answer and the row.
    const back = await api('PATCH', `/api/provider-connections/${c.id}`, 'owner', {
      clientSecret: 'back-to-a-secret',
      secretExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(connectionSchema.parse(back.body)).toMatchObject({ credentialKind: 'secret', certificate: null });
    expect((await api('PATCH', `/api/provider-connections/${c.id}`, 'operator', { credential: { type: 'certificate' } })).status).toBe(403);
  });

  it('refuses mixed or missing credentials, naming the field', async () => {
    const base = { name: 'Bad', clientId: crypto.randomUUID() };
    const both = await api('POST', '/api/tenants/adatum/provider-connections', 'owner', {
      ...base,
      credential: { type: 'certificate' },
      clientSecret: 'x',
      secretExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/clientSecret|secretExpiresAt/);
    const none = await api('POST', '/api/tenants/adatum/provider-connections', 'owner', base);
    expect(none.status).toBe(400);
    expect(none.body.error.message).toMatch(/clientSecret/);
    const otherType = await api('POST', '/api/tenants/adatum/provider-connections', 'owner', { ...base, credential: { type: 'password' } });
    expect(otherType.status).toBe(400);
    const patchBoth = await api('PATCH', `/api/provider-connections/${(await connectionOf(s.tdb.db, 'northwind')).id}`, 'owner', {
      credential: { type: 'certificate' },
      clientSecret: 'x',
      secretExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(patchBoth.status).toBe(400);
  });

  it('an expired certificate blocks starts with provider_credentials_expired, in certificate words', async () => {
    const r = await api('POST', '/api/tenants/contoso-lab/provider-connections', 'owner', {
      name: 'Old cert',
      clientId: crypto.randomUUID(),
      credential: { type: 'certificate' },
    });
    const c = connectionSchema.parse(r.body);
    await s.tdb.db
      .updateTable('provider_connections')
      .set({ credential_expires_at: new Date(Date.now() - 86_400_000) })
      .where('id', '=', c.id)
      .execute();
    const pre = preflightAnswerSchema.parse(
      (await api('GET', `/api/tenants/contoso-lab/operations/provider_connection.check/preflight?providerConnectionId=${c.id}`)).body,
    );
    expect(pre).toMatchObject({
      wouldBe: 'blocked',
      reason: { code: 'provider_credentials_expired', message: expect.stringMatching(/^The certificate expired on \d{4}-\d{2}-\d{2}\.$/) },
    });
    expect(pre.nextSteps[0]).toMatchObject({ label: 'Rotate the certificate' });
  });
});
