// The data-scale benchmark's API part: the console's read endpoints over real HTTP (the
// Fastify server in this process, listening on a port), signed in as the scale user with the
// same session cookie a browser gets. One client, requests one after the other, so each figure
// is a request's own latency (server + database), not a queue's.
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { connectDatabase } from '../src/db/connect.ts';
import { encodeCursor } from '../src/http/keyset.ts';
import { buildServer } from '../src/http/server.ts';
import { createSecretBox } from '../src/security/secret-box.ts';
import { SCALE_EMAIL, SCALE_PASSWORD, SCALE_WORKSPACE } from './scale-seed.ts';

export interface Endpoint {
  /** Row label. */
  name: string;
  /** Paths asked in turn (several for run detail, so no single row stays cached). */
  paths: string[];
}

export interface EndpointResult {
  name: string;
  latencies: number[];
  /** Response size of the first answer, bytes. */
  bytes: number;
  /** Items in the first answer (lists), for the table. */
  items: number | null;
}

const PAGE = 50;
const MIN_REQUESTS = 40;
const MAX_MS = 20_000;
const TENANT_SLUG = 's-00007';

/** Keys of the run at `offset` in the user's run list (newest first), as the API's cursor holds them. */
async function cursorAt(c: pg.Client, userId: string, offset: number, tenantSlug: string | null): Promise<string | null> {
  const { rows } = await c.query<{ k0: string; k1: string }>(
    `select to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as k0, r.id::text as k1
       from operation_runs r
       join tenant_memberships m on m.tenant_id = r.tenant_id and m.user_id = $1
       join tenants t on t.id = r.tenant_id
      where $3::text is null or t.slug = $3
      order by r.created_at desc, r.id desc offset $2 limit 1`,
    [userId, offset, tenantSlug],
  );
  return rows[0] ? encodeCursor('-created', [rows[0].k0, rows[0].k1]) : null;
}

/** The endpoints, with a cursor 90 % of the way into the user's history (all tenants, and one tenant's). */
export async function scaleEndpoints(url: string, userId: string): Promise<Endpoint[]> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    const {
      rows: [n],
    } = await c.query<{ all: number; one: number }>(
      `select count(*)::int as all, count(*) filter (where t.slug = $2)::int as one
         from operation_runs r join tenant_memberships m on m.tenant_id = r.tenant_id and m.user_id = $1 join tenants t on t.id = r.tenant_id`,
      [userId, TENANT_SLUG],
    );
    const deep = await cursorAt(c, userId, Math.floor(n!.all * 0.9), null);
    const deepOne = await cursorAt(c, userId, Math.floor(n!.one * 0.9), TENANT_SLUG);
    // Run detail: 50 runs spread over the history.
    const { rows: ids } = await c.query<{ id: string }>(
      `select r.id from operation_runs r join tenant_memberships m on m.tenant_id = r.tenant_id and m.user_id = $1
        order by r.id limit 50`,
      [userId],
    );
    const list = `/api/operations?limit=${PAGE}`;
    const one = `${list}&tenant=${TENANT_SLUG}`;
    return [
      { name: 'GET /api/tenants (no limit: the first 100)', paths: ['/api/tenants'] },
      { name: `GET /api/tenants?limit=${PAGE} (first page)`, paths: [`/api/tenants?limit=${PAGE}`] },
      { name: `GET /api/operations?limit=${PAGE}, first page`, paths: [list] },
      { name: `GET /api/operations, page 90 % deep (cursor, ~${Math.floor(n!.all * 0.9).toLocaleString('en-US')} runs in)`, paths: [`${list}&cursor=${deep}`] },
      { name: `GET /api/operations?tenant=…, first page`, paths: [one] },
      { name: `GET /api/operations?tenant=…, page 90 % deep (cursor)`, paths: [`${one}&cursor=${deepOne}`] },
      { name: 'GET /api/operations/{id} (run detail, 50 runs in turn)', paths: ids.map((r) => `/api/operations/${r.id}`) },
      { name: `GET /api/workspaces/{ws}/attention`, paths: [`/api/workspaces/${SCALE_WORKSPACE}/attention`] },
    ];
  } finally {
    await c.end();
  }
}

export interface ApiBench {
  measure(endpoints: Endpoint[], requests: number): Promise<EndpointResult[]>;
  close(): Promise<void>;
}

/** The server in this process on a port of its own, with its own pool (as `opsgate start` would have). */
export async function startApi(url: string): Promise<ApiBench> {
  const database = connectDatabase(url, { max: 10, applicationName: 'bench-api' });
  const box = createSecretBox(crypto.createHash('sha256').update('opsgate-bench-key').digest());
  const app = await buildServer({ db: database.db, box });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const res = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: SCALE_EMAIL, password: SCALE_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`sign-in: ${res.status} ${await res.text()}`);
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('opsgate_session='))!
    .split(';')[0]!;

  const get = async (path: string): Promise<{ ms: number; text: string }> => {
    const s = performance.now();
    const r = await fetch(base + path, { headers: { cookie } });
    const text = await r.text();
    const ms = performance.now() - s;
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${text.slice(0, 300)}`);
    return { ms, text };
  };

  return {
    async measure(endpoints, requests) {
      const out: EndpointResult[] = [];
      for (const e of endpoints) {
        // Warm-up (plans, caches), discarded.
        for (let i = 0; i < 5; i++) await get(e.paths[i % e.paths.length]!);
        const first = await get(e.paths[0]!);
        const body = JSON.parse(first.text) as { items?: unknown[] };
        const latencies: number[] = [];
        // `requests` each, but a slow endpoint stops after MAX_MS once it has MIN_REQUESTS.
        const t0 = performance.now();
        for (let i = 0; i < requests && (i < MIN_REQUESTS || performance.now() - t0 < MAX_MS); i++)
          latencies.push((await get(e.paths[i % e.paths.length]!)).ms);
        out.push({ name: e.name, latencies, bytes: Buffer.byteLength(first.text), items: Array.isArray(body.items) ? body.items.length : null });
      }
      return out;
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
}
