// The database a process uses: DATABASE_URL when given, otherwise an embedded PostgreSQL in
// the data folder (started here, stopped on shutdown). Migrations always run first.
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config.ts';
import { connectDatabase, type Database } from '../db/connect.ts';
import { startEmbeddedPostgres, withDatabase } from '../db/embedded.ts';
import { migrate } from '../db/migrate.ts';

export interface BootedDatabase extends Database {
  embedded: boolean;
  /** Stops the pool and, when embedded, the server. */
  shutdown(): Promise<void>;
}

const APP_DB = 'opsgate';
/** The embedded PostgreSQL's password, beside the encryption key (src/db/embedded.ts). */
export const PG_PASSWORD_FILE = 'postgres.password';

export async function openDatabase(config: Config, opts: { migrate?: boolean; poolSize?: number } = {}): Promise<BootedDatabase> {
  let url = config.databaseUrl;
  let stopServer: (() => Promise<void>) | null = null;
  if (!url) {
    const server = await startEmbeddedPostgres({ dir: path.join(config.dataDir, 'pg'), passwordFile: path.join(config.dataDir, PG_PASSWORD_FILE) });
    stopServer = server.stop;
    const admin = new pg.Client(server.url);
    await admin.connect();
    const exists = await admin.query('select 1 from pg_database where datname = $1', [APP_DB]);
    if (!exists.rowCount) await admin.query(`create database ${APP_DB}`);
    await admin.end();
    url = withDatabase(server.url, APP_DB);
  }
  const database = connectDatabase(url, { max: opts.poolSize ?? 20 });
  try {
    if (opts.migrate !== false) await migrate(database.pool);
  } catch (err) {
    await database.close();
    await stopServer?.();
    throw err;
  }
  return {
    ...database,
    embedded: stopServer !== null,
    shutdown: async () => {
      await database.close();
      await stopServer?.();
    },
  };
}
