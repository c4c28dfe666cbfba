// Numbered SQL migrations. The job queue's schema goes first, because the admission
// functions call into it. A session-level advisory lock keeps concurrent starters
// (several processes booting at once) from applying a file twice.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger, runMigrations } from 'graphile-worker';
import type pg from 'pg';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const MIGRATION_LOCK = 4242_0001;

export function migrationFiles(): { id: string; file: string }[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}-[a-z0-9-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ id: f.replace(/\.sql$/, ''), file: path.join(dir, f) }));
}

export async function migrate(pool: pg.Pool): Promise<string[]> {
  await runMigrations({ pgPool: pool, logger: quietLogger });
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query('create table if not exists opsgate_migrations (id text primary key, applied_at timestamptz not null default now())');
    const done = new Set((await client.query<{ id: string }>('select id from opsgate_migrations')).rows.map((r) => r.id));
    for (const m of migrationFiles()) {
      if (done.has(m.id)) continue;
      const sqlText = fs.readFileSync(m.file, 'utf8');
      await client.query('begin');
      try {
        await client.query(sqlText);
        await client.query('insert into opsgate_migrations (id) values ($1)', [m.id]);
        await client.query('commit');
        applied.push(m.id);
      } catch (err) {
        await client.query('rollback');
        throw new Error(`migration ${m.id} failed: ${(err as Error).message}`, { cause: err });
      }
    }
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
  return applied;
}

export const quietLogger = new Logger(() => (level: string, message: string) => {
  if (level === 'error') console.error(`[queue] ${message}`);
});
