// The benchmark's database and fixtures: a fresh embedded PostgreSQL in a temp folder (or a
// throwaway database on the DATABASE_URL server), migrated, with tenants and enough provider
// connections that every "accepted path" admission gets a scope of its own.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, withDatabase } from '../src/db/embedded.ts';
import { migrate } from '../src/db/migrate.ts';
import { ALL_PERMISSIONS } from '../src/operations/permissions.ts';

export interface BenchDatabase {
  url: string;
  kind: string;
  close(): Promise<void>;
}

async function adminQuery(url: string, text: string): Promise<void> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

export async function openBenchDatabase(opts: { ephemeral: boolean }): Promise<BenchDatabase> {
  const name = `opsgate_bench_${crypto.randomBytes(4).toString('hex')}`;
  const external = process.env.DATABASE_URL;
  if (external) {
    // A throwaway database beside the configured one: the benchmark never writes into it.
    await adminQuery(external, `create database ${name}`);
    const url = withDatabase(external, name);
    await migrateUrl(url);
    return {
      url,
      kind: `DATABASE_URL server (database ${name}, dropped afterwards)`,
      close: () => adminQuery(external, `drop database if exists ${name} with (force)`),
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-bench-'));
  const server = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), ephemeral: opts.ephemeral });
  await adminQuery(server.url, `create database ${name}`);
  const url = withDatabase(server.url, name);
  await migrateUrl(url);
  return {
    url,
    kind: `fresh embedded PostgreSQL in ${dir} (${opts.ephemeral ? 'ephemeral: fsync=off, synchronous_commit=off' : 'durable: fsync=on, synchronous_commit=on'})`,
    close: async () => {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function migrateUrl(url: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  pool.on('connect', (c) => c.on('error', () => undefined));
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
}

export interface Scope {
  tenantId: string;
  connectionId: string;
}

export interface Fixture {
  workspaceId: string;
  userId: string;
  /** Healthy connections, each a scope of its own; handed out once per measurement. */
  fresh: Scope[];
  /** Eight scopes for the contended measurement. */
  contended: Scope[];
  /** Four scopes held by an active run during the open-loop measurement. */
  busy: Scope[];
  /** Connections the preflight refuses, one per reason. */
  blocked: Scope[];
}

export async function createFixture(url: string, freeScopes: number): Promise<Fixture> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    const q = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await c.query<T>(text, values)).rows;
    const [ws] = await q<{ id: string }>(`insert into workspaces (slug, name) values ('bench', 'Bench MSP') returning id`);
    const [user] = await q<{ id: string }>(`insert into users (email, display_name, password_hash) values ('bench@bench.example', 'Bench', 'x') returning id`);
    await q(`insert into workspace_members (workspace_id, user_id) values ($1, $2)`, [ws!.id, user!.id]);
    // One tenant per connection: inventory syncs are deduped per tenant (the tenant's records
    // are the work), so a scope that is free for an accepted start must be its tenant's only
    // connection, as for an MSP's customer tenants.
    const make = async (prefix: string, n: number, extra = ''): Promise<Scope[]> =>
      q<{ tenantId: string; connectionId: string }>(
        `with t as (
           insert into tenants (workspace_id, slug, name, entra_tenant_id, status)
           select $1, $2 || '-' || g, 'Bench ' || $2 || ' ' || g, gen_random_uuid()::text, 'active'
             from generate_series(1, $4::int) g
           returning id, slug
         ), m as (
           insert into tenant_memberships (tenant_id, user_id, role) select id, $5, 'operator' from t
         )
         -- Secrets are never opened on the paths measured here (the worker stops at the provider).
         insert into provider_connections (tenant_id, name, cloud, client_id, secret_ciphertext, credential_expires_at,
                                           consent_status, granted_permissions, last_verified_at, verification_status, is_default)
         select t.id, t.slug, 'sandbox', gen_random_uuid()::text, 'v1.bench.bench.bench', now() + interval '1 year',
                'granted', $3::text[], now(), 'succeeded', true
           from t
         returning tenant_id as "tenantId", id as "connectionId"`,
        [ws!.id, prefix, ALL_PERMISSIONS, n, user!.id],
      ).then(async (rows) => {
        if (extra) await q(`update provider_connections set ${extra} where name like $1`, [`${prefix}-%`]);
        return rows;
      });
    const fresh = await make('fresh', freeScopes);
    const contended = await make('contended', 8);
    const busy = await make('busy', 4);
    const blocked = [
      ...(await make('noconsent', 1, `consent_status = 'missing', granted_permissions = '{}'`)),
      ...(await make('expired', 1, `credential_expires_at = now() - interval '12 days'`)),
      ...(await make('disabled', 1, `enabled = false`)),
      ...(await make('noperms', 1, `granted_permissions = '{Group.Read.All}'`)),
    ];
    await q('analyze');
    return { workspaceId: ws!.id, userId: user!.id, fresh, contended, busy, blocked };
  } finally {
    await c.end();
  }
}

/** Ends every active run and empties the queues, so every scope is free again. Not timed. */
export async function freeAllScopes(pool: pg.Pool): Promise<void> {
  await pool.query(
    `update operation_runs set status = 'completed', outcome = 'cancelled', completed_at = now(), lease_expires_at = null
      where status <> 'completed'`,
  );
  await pool.query('delete from graphile_worker._private_jobs');
  // Each measurement starts from a vacuumed, analysed table, as autovacuum would keep it in
  // steady state: otherwise the planner costs the admission's look-ups on the statistics of
  // an empty table while the last measurement left tens of thousands of rows.
  await pool.query('vacuum analyze operation_runs, audit_log, graphile_worker._private_jobs');
}

/**
 * A workspace of `n` tenants for the bulk-start rows, each with one default connection; every
 * tenth has no admin consent (blocked: provider_consent_missing), the rest are healthy. The
 * bench user is a member with the operator role on each tenant (so the service's "all"
 * selection picks exactly these). Set-based: one statement per workspace, whatever `n`.
 */
export interface BulkWorkspace {
  workspaceId: string;
  /** Tenant ids in slug order (the order a bulk start of "all" answers in). */
  tenantIds: string[];
  /** How many of them have no consent. */
  blocked: number;
}

export const BULK_BLOCKED_EVERY = 10;

export async function createBulkWorkspace(url: string, userId: string, n: number): Promise<BulkWorkspace> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    const slug = `bulk-${n}`;
    const {
      rows: [ws],
    } = await c.query<{ id: string }>(`insert into workspaces (slug, name) values ($1, $2) returning id`, [slug, `Bench bulk ${n}`]);
    await c.query(`insert into workspace_members (workspace_id, user_id) values ($1, $2)`, [ws!.id, userId]);
    const { rows } = await c.query<{ tenant_id: string; slug: string }>(
      `with t as (
         insert into tenants (workspace_id, slug, name, entra_tenant_id, status)
         select $1, 'b' || $4::int || '-' || lpad(g::text, 5, '0'), 'Bulk tenant ' || g, gen_random_uuid()::text, 'active'
           from generate_series(1, $4::int) g
         returning id, slug
       ), m as (
         insert into tenant_memberships (tenant_id, user_id, role) select id, $2, 'operator' from t
       )
       insert into provider_connections (tenant_id, name, cloud, client_id, secret_ciphertext, credential_expires_at,
                                         consent_status, granted_permissions, last_verified_at, verification_status, is_default)
       select t.id, t.slug, 'sandbox', gen_random_uuid()::text, 'v1.bench.bench.bench', now() + interval '1 year',
              case when right(t.slug, 5)::int % $5::int = 0 then 'missing' else 'granted' end,
              case when right(t.slug, 5)::int % $5::int = 0 then '{}'::text[] else $3::text[] end,
              now(), 'succeeded', true
         from t
       returning tenant_id, name as slug`,
      [ws!.id, userId, ALL_PERMISSIONS, n, BULK_BLOCKED_EVERY],
    );
    rows.sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
    return { workspaceId: ws!.id, tenantIds: rows.map((r) => r.tenant_id), blocked: Math.floor(n / BULK_BLOCKED_EVERY) };
  } finally {
    await c.end();
  }
}
