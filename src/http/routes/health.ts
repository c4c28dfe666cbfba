// Liveness for load balancers and the contract: 200 when the database answers `select 1`.
// Readiness: 200 when the database answers and has every migration this code ships, so a
// process started before `opsgate migrate` (or against an older database) takes no traffic.
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../db/connect.ts';
import { migrationFiles } from '../../db/migrate.ts';
import { publicRoute, type Route } from '../route.ts';

/** A database that hangs must not hang the probe. */
const PROBE_TIMEOUT_MS = 2000;

/** The probe's answer, or null when it failed or took longer than PROBE_TIMEOUT_MS. */
async function probe<T>(fn: () => Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([fn().catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const databaseAnswers = async (fn: () => Promise<unknown>) => (await probe(() => fn().then(() => true))) === true;

export const healthRoute: Route = publicRoute({
  method: 'GET',
  url: '/healthz',
  summary: '200 when the process can reach its database, else 503.',
  tag: 'health',
  responses: {
    200: { description: 'Healthy', schema: z.strictObject({ status: z.literal('ok') }) },
    503: { description: 'The database does not answer' },
  },
  async handler({ deps }) {
    const ok = await databaseAnswers(() => sql`select 1`.execute(deps.db));
    return ok ? { status: 200, body: { status: 'ok' } } : { status: 503, body: { error: { code: 'unavailable', message: 'The database does not answer.' } } };
  },
});

let shipped: string[] | null = null;

/** Migrations this code ships that the database has not applied; throws when it cannot tell. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  shipped ??= migrationFiles().map((m) => m.id);
  const { rows } = await sql<{ id: string }>`select id from opsgate_migrations`.execute(db);
  const applied = new Set(rows.map((r) => r.id));
  return shipped.filter((id) => !applied.has(id));
}

const unavailable = (message: string) => ({ status: 503, body: { error: { code: 'unavailable', message } } });

export const readyRoute: Route = publicRoute({
  method: 'GET',
  url: '/readyz',
  summary: '200 when the database answers and every migration of this version is applied, else 503 (naming what is missing).',
  tag: 'health',
  responses: {
    200: { description: 'Ready', schema: z.strictObject({ status: z.literal('ready') }) },
    503: { description: 'The database does not answer, or migrations are missing' },
  },
  async handler({ deps }) {
    const missing = await probe(() => pendingMigrations(deps.db));
    if (!missing) return unavailable('The database does not answer (or has no migrations table).');
    if (missing.length) return unavailable(`Migrations not applied: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}. Run opsgate migrate.`);
    return { status: 200, body: { status: 'ready' } };
  },
});

export const healthRoutes: Route[] = [healthRoute, readyRoute];
