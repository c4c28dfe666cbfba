// A real server on a real port over a fresh demo database, and a tiny fetch client that
// keeps a session cookie.
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { buildServer, type ServerDeps } from '../../src/http/server.ts';
import { DEMO_PASSWORD } from '../../src/seed/demo-fixture.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { seedDemoData, testBox } from '../helpers/seed.ts';

export interface TestServer {
  base: string;
  app: FastifyInstance;
  tdb: TestDatabase;
  close(): Promise<void>;
}

/** `seed: false` leaves the database without any user (first-run setup tests). */
export async function startTestServer({ seed = true, ...opts }: Partial<ServerDeps> & { seed?: boolean } = {}): Promise<TestServer> {
  const tdb = await createTestDatabase();
  if (seed) await seedDemoData(tdb.db);
  const app = await buildServer({ db: tdb.db, box: testBox, ...opts });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    app,
    tdb,
    close: async () => {
      await app.close();
      await tdb.close();
    },
  };
}

// Answers are inspected loosely in tests and checked strictly with the zod answer schemas.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

export interface Res<T = Loose> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface CallOptions {
  cookie?: string | null;
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  raw?: string;
  contentType?: string | null;
  headers?: Record<string, string>;
}

export async function call<T = Loose>(base: string, method: string, path: string, o: CallOptions = {}): Promise<Res<T>> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.cookie) headers.cookie = o.cookie;
  const hasBody = o.body !== undefined || o.raw !== undefined;
  const stateChanging = !['GET', 'HEAD'].includes(method);
  const contentType = o.contentType === undefined ? (stateChanging ? 'application/json' : null) : o.contentType;
  if (contentType) headers['content-type'] = contentType;
  const res = await fetch(base + path, {
    method,
    headers,
    body: hasBody ? (o.raw ?? JSON.stringify(o.body)) : undefined,
  });
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, body: body as T, text, headers: res.headers };
}

/** Signs in and returns the Cookie header for later calls. */
export async function login(base: string, email: string, password = DEMO_PASSWORD): Promise<string> {
  const res = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
  const set = res.headers.getSetCookie().find((c) => c.startsWith('opsgate_session='));
  if (!set) throw new Error('no session cookie');
  return set.split(';')[0]!;
}

export const PERSONAS = {
  owner: 'owner@contoso.example',
  manager: 'manager@contoso.example',
  operator: 'operator@contoso.example',
  readonly: 'readonly@contoso.example',
  outsider: 'outsider@fabrikam.example',
} as const;
export type Persona = keyof typeof PERSONAS | 'anonymous';

export async function loginAll(base: string): Promise<Record<Persona, string | null>> {
  const entries = await Promise.all(Object.entries(PERSONAS).map(async ([p, email]) => [p, await login(base, email)] as const));
  return { ...Object.fromEntries(entries), anonymous: null } as Record<Persona, string | null>;
}

/** Ends every active run and drops queued jobs, so each test starts with free scopes. */
export async function freeAllScopes(db: TestDatabase['db']): Promise<void> {
  const { sql } = await import('kysely');
  await sql`update operation_runs set status = 'completed', outcome = 'cancelled', completed_at = now() where status <> 'completed'`.execute(db);
  await sql`delete from graphile_worker._private_jobs`.execute(db);
}

/** What the worker does when a run ends: complete it and notify its initiator (simulated here). */
export async function insertCompletedRun(
  db: TestDatabase['db'],
  r: {
    tenantId: string;
    type: string;
    connectionId: string | null;
    initiatorId: string | null;
    outcome: 'succeeded' | 'partially_succeeded' | 'failed';
    reasonCode?: string | null;
    reasonParams?: Record<string, unknown>;
    summaryCounts?: Record<string, number>;
    connectionName?: string;
    notify?: boolean;
  },
): Promise<{ runId: string; notificationId: string | null }> {
  const run = await db
    .insertInto('operation_runs')
    .values({
      tenant_id: r.tenantId,
      type: r.type,
      provider_connection_id: r.connectionId,
      initiator_user_id: r.initiatorId,
      trigger: r.initiatorId ? 'operator' : 'scheduled',
      status: 'completed',
      outcome: r.outcome,
      reason_code: r.reasonCode ?? null,
      reason_params: JSON.stringify(r.reasonParams ?? {}),
      summary_counts: JSON.stringify(r.summaryCounts ?? {}),
      context: JSON.stringify(r.connectionName ? { providerConnectionName: r.connectionName } : {}),
      started_at: new Date(Date.now() - 5000),
      completed_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  let notificationId: string | null = null;
  if (r.notify !== false && r.initiatorId) {
    const n = await db.insertInto('notifications').values({ user_id: r.initiatorId, run_id: run.id }).returning('id').executeTakeFirstOrThrow();
    notificationId = n.id;
  }
  return { runId: run.id, notificationId };
}
