// A fresh database per test file, cloned from the migrated template.
import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/connect.ts';
import { withDatabase } from '../../src/db/embedded.ts';
// inject()'s key is declared with the global setup that provides it; imported for the type so any
// program reaching this file (the browser tests' too) sees it.
import type {} from './global-setup.ts';

export interface TestDatabase extends Database {
  name: string;
}

export async function createTestDatabase(opts: { max?: number } = {}): Promise<TestDatabase> {
  const serverUrl = inject('pgServerUrl');
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client(serverUrl);
  await admin.connect();
  try {
    await admin.query(`create database ${name} template opsgate_template`);
  } finally {
    await admin.end();
  }
  const database = connectDatabase(withDatabase(serverUrl, name), { max: opts.max ?? 10 });
  return {
    ...database,
    name,
    close: async () => {
      await database.close();
      const a = new pg.Client(serverUrl);
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await a.end();
    },
  };
}
