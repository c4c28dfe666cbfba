// One embedded PostgreSQL per test run, plus a migrated template database that every
// test file clones (CREATE DATABASE … TEMPLATE is a file copy: milliseconds).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, withDatabase } from '../../src/db/embedded.ts';
import { migrate } from '../../src/db/migrate.ts';

export const TEMPLATE_DB = 'opsgate_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgServerUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-test-pg-'));
  const server = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), ephemeral: true });
  const admin = new pg.Client(server.url);
  await admin.connect();
  await admin.query(`create database ${TEMPLATE_DB}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: withDatabase(server.url, TEMPLATE_DB), max: 2 });
  pool.on('error', () => undefined);
  pool.on('connect', (c) => c.on('error', () => undefined));
  await migrate(pool);
  await pool.end();
  project.provide('pgServerUrl', server.url);
  return async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
