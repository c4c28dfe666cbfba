// `opsgate rotate-key`: every stored credential (connection secrets and private keys, workspace
// app credentials, webhook secrets) re-sealed under a new key in one transaction, then the new
// key is current; values from before (v1) come out bound to their row; running boxes follow;
// an interrupted rotation changes nothing and is finished by running it again.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionCredentials, newCertificateColumns } from '../../src/connections/credentials.ts';
import { describeRotation, rotateKey } from '../../src/security/rotate-key.ts';
import {
  createSecretBox,
  credentialAad,
  KEY_FILE,
  keyId,
  NEXT_KEY_FILE,
  openSecretBox,
  readKeyFile,
  SEALED_COLUMNS,
  sealedKeyId,
  type SealedTable,
  type SecretBox,
} from '../../src/security/secret-box.ts';
import { seedDemo } from '../../src/seed/demo.ts';
import { createWebhook } from '../../src/webhooks/store.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { nodeBin } from '../helpers/node.ts';
import { connectionOf, tenantBySlug, userByEmail } from '../helpers/seed.ts';
import { closeAll } from '../helpers/teardown.ts';

const run = promisify(execFile);

let tdb: TestDatabase;
let dataDir: string;
let box: SecretBox;
/** Every stored value opened before the rotation: "table.column:id" → plaintext, and whether it is bound to its row. */
const before = new Map<string, { plain: string; bound: boolean }>();
const keyOf = (s: { table: string; column: string; id: string }) => `${s.table}.${s.column}:${s.id}`;

/** Opens a stored value as its reader does: bound to its row, or (sealed without associated data) unbound. */
function openStored(b: SecretBox, s: { table: SealedTable; column: string; id: string; value: string }): string {
  return before.get(keyOf(s))!.bound ? b.open(s.value, credentialAad(s, s.column)) : b.open(s.value);
}
let legacyId: string;
let copiedId: string;

function sealV1(key: Buffer, plain: string): string {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

/** Every non-null sealed value in the database. */
async function stored(): Promise<{ table: SealedTable; column: string; id: string; value: string }[]> {
  const out: { table: SealedTable; column: string; id: string; value: string }[] = [];
  for (const { table, columns } of SEALED_COLUMNS) {
    for (const column of columns) {
      const { rows } = await sql<{
        id: string;
        v: string;
      }>`select id, ${sql.ref(column)} as v from ${sql.table(table)} where ${sql.ref(column)} is not null`.execute(tdb.db);
      for (const r of rows) out.push({ table, column, id: r.id, value: r.v });
    }
  }
  return out.sort((a, b) => `${a.table}.${a.column}:${a.id}`.localeCompare(`${b.table}.${b.column}:${b.id}`));
}

beforeAll(async () => {
  tdb = await createTestDatabase({ max: 4 });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-rotate-'));
  box = openSecretBox({ configuredKey: undefined, dataDir });
  await seedDemo(tdb.db, box);
  const northwind = await tenantBySlug(tdb.db, 'northwind');
  const owner = await userByEmail(tdb.db, 'owner@contoso.example');
  // A certificate connection (private key sealed), a webhook, a workspace app.
  const certId = crypto.randomUUID();
  await tdb.db
    .insertInto('provider_connections')
    .values({
      id: certId,
      tenant_id: northwind.id,
      name: 'Cert',
      client_id: crypto.randomUUID(),
      ...(await newCertificateColumns(box, { tenantSlug: 'northwind', connectionName: 'Cert' }, undefined, { table: 'provider_connections', id: certId })),
    })
    .execute();
  await createWebhook(tdb.db, box, {
    workspaceId: northwind.workspace_id,
    actorId: owner.id,
    url: 'https://hooks.example.test/x',
    events: ['run.completed'],
    secret: 'webhook-signing-secret',
  });
  const appId = crypto.randomUUID();
  await tdb.db
    .insertInto('app_registrations')
    .values({
      id: appId,
      workspace_id: northwind.workspace_id,
      name: 'MSP app',
      client_id: crypto.randomUUID(),
      cloud: 'sandbox',
      secret_ciphertext: box.seal('app-secret', credentialAad({ table: 'app_registrations', id: appId }, 'secret_ciphertext')),
      credential_expires_at: new Date(Date.now() + 86_400_000),
    })
    .execute();
  // A value sealed before key ids and associated data (v1), under the same key.
  const [key] = readKeyFile(path.join(dataDir, KEY_FILE));
  legacyId = (await connectionOf(tdb.db, 'alpine')).id;
  await tdb.db
    .updateTable('provider_connections')
    .set({ secret_ciphertext: sealV1(key!, 'legacy-secret') })
    .where('id', '=', legacyId)
    .execute();
  // A value copied from another row: it belongs to that row and opens nowhere else.
  const source = await connectionOf(tdb.db, 'northwind');
  const target = await connectionOf(tdb.db, 'tailspin');
  copiedId = target.id;
  await tdb.db.updateTable('provider_connections').set({ secret_ciphertext: source.secret_ciphertext }).where('id', '=', copiedId).execute();

  for (const s of await stored()) {
    if (s.id === copiedId && s.column === 'secret_ciphertext') continue;
    let v: { plain: string; bound: boolean };
    try {
      v = { plain: box.open(s.value, credentialAad(s, s.column)), bound: true };
    } catch {
      v = { plain: box.open(s.value), bound: false };
    }
    before.set(keyOf(s), v);
  }
  // Everything opsgate itself stores here is bound to its row.
  expect(before.get(`provider_connections.secret_ciphertext:${(await connectionOf(tdb.db, 'northwind')).id}`)!.bound).toBe(true);
  expect(before.get(`provider_connections.private_key_ciphertext:${certId}`)!.bound).toBe(true);
  expect(before.get(`app_registrations.secret_ciphertext:${appId}`)!.bound).toBe(true);
  expect([...before.entries()].filter(([k, v]) => k.startsWith('webhooks.') && !v.bound)).toEqual([]);
});
afterAll(async () => {
  await closeAll(tdb);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('associated data', () => {
  it('a secret copied into another connection does not open there', async () => {
    const row = await tdb.db.selectFrom('provider_connections').selectAll().where('id', '=', copiedId).executeTakeFirstOrThrow();
    expect(() => connectionCredentials(box, 'tid', row)).toThrow(/does not open/);
    const own = await connectionOf(tdb.db, 'northwind');
    expect(connectionCredentials(box, 'tid', own)).toMatchObject({ clientSecret: expect.stringMatching(/./) });
  });
});

describe('rotate-key with the key file', () => {
  it('an interrupted rotation changes nothing; the key file and every value stay as they were', async () => {
    const oldKey = readKeyFile(path.join(dataDir, KEY_FILE))[0]!;
    const snapshot = await stored();
    // The 5th re-sealed row fails: the one transaction is rolled back.
    await sql`create sequence rotate_failures`.execute(tdb.db);
    await sql`create function fail_fifth() returns trigger language plpgsql as $$
      begin
        if nextval('rotate_failures') = 5 then raise exception 'disk full'; end if;
        return new;
      end $$`.execute(tdb.db);
    await sql`create trigger fail_fifth before update on provider_connections for each row execute function fail_fifth()`.execute(tdb.db);
    try {
      await expect(rotateKey(tdb.db, { configuredKey: undefined, dataDir })).rejects.toThrow(/disk full/);
    } finally {
      await sql`drop trigger fail_fifth on provider_connections`.execute(tdb.db);
      await sql`drop function fail_fifth()`.execute(tdb.db);
      await sql`drop sequence rotate_failures`.execute(tdb.db);
    }
    expect(await stored()).toEqual(snapshot);
    expect(readKeyFile(path.join(dataDir, KEY_FILE))).toEqual([oldKey]);
    // The new keyring waits beside it; running boxes could already open its key, never seal with it.
    expect(fs.existsSync(path.join(dataDir, NEXT_KEY_FILE))).toBe(true);
    expect(box.currentKeyId()).toBe(keyId(oldKey));
  });

  it('run again: every value re-sealed under the new key in one go, bound to its row; the new key is current', async () => {
    const oldKey = readKeyFile(path.join(dataDir, KEY_FILE))[0]!;
    const pending = readKeyFile(path.join(dataDir, NEXT_KEY_FILE))[0]!;
    const report = await rotateKey(tdb.db, { configuredKey: undefined, dataDir });
    // The interrupted rotation's key is the one taken up.
    expect(report.keyId).toBe(keyId(pending));
    expect(report.retiredKeyIds).toEqual([keyId(oldKey)]);
    expect(readKeyFile(path.join(dataDir, KEY_FILE))).toEqual([pending, oldKey]);
    expect(fs.existsSync(path.join(dataDir, NEXT_KEY_FILE))).toBe(false);
    expect(fs.statSync(path.join(dataDir, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(report.resealed).toMatchObject({
      'provider_connections.secret_ciphertext': expect.any(Number),
      'provider_connections.private_key_ciphertext': expect.any(Number),
      'app_registrations.secret_ciphertext': expect.any(Number),
      'webhooks.secret_ciphertext': 1,
    });
    expect(Object.values(report.resealed).reduce((a, b) => a + b, 0)).toBe(before.size);
    expect(report.unreadable).toEqual([{ table: 'provider_connections', column: 'secret_ciphertext', id: copiedId }]);
    expect(describeRotation(report).join('\n')).toMatch(/could not open provider_connections\.secret_ciphertext/);

    const fresh = openSecretBox({ configuredKey: undefined, dataDir });
    const newOnly = createSecretBox(pending);
    for (const s of await stored()) {
      if (s.id === copiedId && s.column === 'secret_ciphertext') continue;
      expect(sealedKeyId(s.value), `${s.table}.${s.column}`).toBe(keyId(pending));
      // Opens with the new key alone, bound to its row as before, to what it was.
      expect(openStored(newOnly, s)).toBe(before.get(keyOf(s))!.plain);
      expect(openStored(fresh, s)).toBe(before.get(keyOf(s))!.plain);
      if (before.get(keyOf(s))!.bound) expect(() => newOnly.open(s.value)).toThrow();
    }
    // The v1 value is v2 now, bound to its row.
    const legacy = await tdb.db.selectFrom('provider_connections').select('secret_ciphertext').where('id', '=', legacyId).executeTakeFirstOrThrow();
    expect(legacy.secret_ciphertext!.startsWith(`v2.${keyId(pending)}.`)).toBe(true);
    expect(newOnly.open(legacy.secret_ciphertext!, credentialAad({ table: 'provider_connections', id: legacyId }, 'secret_ciphertext'))).toBe('legacy-secret');
  });

  it('a box made before the rotation (a running process) opens the new values and seals with the new key', async () => {
    const current = readKeyFile(path.join(dataDir, KEY_FILE))[0]!;
    const conn = await connectionOf(tdb.db, 'northwind');
    expect(box.open(conn.secret_ciphertext!, credentialAad({ table: 'provider_connections', id: conn.id }, 'secret_ciphertext'))).toBe(
      before.get(`provider_connections.secret_ciphertext:${conn.id}`)!.plain,
    );
    expect(sealedKeyId(box.seal('next', 'x'))).toBe(keyId(current));
  });

  it('the next rotation drops the key retired before; nothing stored used it any more', async () => {
    const [current, retired] = readKeyFile(path.join(dataDir, KEY_FILE));
    const report = await rotateKey(tdb.db, { configuredKey: undefined, dataDir });
    const keys = readKeyFile(path.join(dataDir, KEY_FILE));
    expect(keys).toHaveLength(2);
    expect(keys[1]).toEqual(current);
    expect(keys.some((k) => k.equals(retired!))).toBe(false);
    expect(report.retiredKeyIds).toEqual([keyId(current!)]);
    const fresh = openSecretBox({ configuredKey: undefined, dataDir });
    for (const s of await stored()) {
      if (s.id === copiedId && s.column === 'secret_ciphertext') continue;
      expect(openStored(fresh, s)).toBe(before.get(keyOf(s))!.plain);
    }
  });

  it('`opsgate rotate-key` as a command', async () => {
    const { stdout } = await run(nodeBin(), ['src/cli.ts', 'rotate-key'], {
      env: { ...process.env, DATABASE_URL: tdb.url, OPSGATE_DATA_DIR: dataDir, OPSGATE_ENCRYPTION_KEY: '', OPSGATE_LOG_LEVEL: 'silent' },
      timeout: 60_000,
    });
    const [current] = readKeyFile(path.join(dataDir, KEY_FILE));
    expect(stdout).toContain(`new key ${keyId(current!)} is current (key file)`);
    expect(stdout).toMatch(/webhooks\.secret_ciphertext: 1 re-sealed/);
    for (const s of await stored()) if (!(s.id === copiedId && s.column === 'secret_ciphertext')) expect(sealedKeyId(s.value)).toBe(keyId(current!));
  });
});

describe('rotate-key with OPSGATE_ENCRYPTION_KEY', () => {
  it('re-seals everything under the first key of the keyring the processes run with', async () => {
    const [fileKey] = readKeyFile(path.join(dataDir, KEY_FILE));
    const envKey = crypto.randomBytes(32);
    const configuredKey = `${envKey.toString('base64')},${fileKey!.toString('base64')}`;
    const report = await rotateKey(tdb.db, { configuredKey, dataDir });
    expect(report).toMatchObject({ source: 'env', keyId: keyId(envKey), retiredKeyIds: [keyId(fileKey!)] });
    expect(describeRotation(report).join('\n')).toMatch(/remove them from OPSGATE_ENCRYPTION_KEY/);
    const envOnly = createSecretBox(envKey);
    for (const s of await stored()) {
      if (s.id === copiedId && s.column === 'secret_ciphertext') continue;
      expect(openStored(envOnly, s)).toBe(before.get(keyOf(s))!.plain);
    }
    // Again: nothing left to do.
    const again = await rotateKey(tdb.db, { configuredKey, dataDir });
    expect(again.resealed).toEqual({});
    expect(again.current).toBeGreaterThan(5);
  });
});
