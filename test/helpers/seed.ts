// The demo fixtures in a test database, and short look-ups by slug/email.
import crypto from 'node:crypto';
import type { Db } from '../../src/db/connect.ts';
import { seedDemo } from '../../src/seed/demo.ts';
import { createSecretBox, type SecretBox } from '../../src/security/secret-box.ts';

export const testBox: SecretBox = createSecretBox(crypto.createHash('sha256').update('opsgate-test-key').digest());

export async function seedDemoData(db: Db): Promise<void> {
  await seedDemo(db, testBox);
}

export async function tenantBySlug(db: Db, slug: string) {
  return db.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirstOrThrow();
}

export async function userByEmail(db: Db, email: string) {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
}

export async function connectionOf(db: Db, slug: string, name = 'Primary') {
  return db
    .selectFrom('provider_connections as c')
    .innerJoin('tenants as t', 't.id', 'c.tenant_id')
    .selectAll('c')
    .where('t.slug', '=', slug)
    .where('c.name', '=', name)
    .executeTakeFirstOrThrow();
}

export async function countRows(db: Db): Promise<{ runs: number; jobs: number; audit: number }> {
  const { rows } = await (
    await import('kysely')
  ).sql<{ runs: number; jobs: number; audit: number }>`
    select (select count(*)::int from operation_runs) as runs,
           (select count(*)::int from graphile_worker.jobs) as jobs,
           (select count(*)::int from audit_log) as audit`.execute(db);
  return rows[0]!;
}
