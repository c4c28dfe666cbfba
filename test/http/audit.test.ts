// The audit log through its API: every change that exists today is found by its row, no
// secret or password ever appears, filters and keyset paging, CSV, and who sees which rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditPageSchema } from '../../src/http/routes/audit.ts';
import { DEMO_PASSWORD, DEMO_WORKSPACES } from '../../src/seed/demo-fixture.ts';
import { connectionOf } from '../helpers/seed.ts';
import { call, freeAllScopes, login, loginAll, PERSONAS, startTestServer, type Loose, type Persona, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

let s: TestServer;
let cookies: Record<Persona, string | null>;
const ROTATED_SECRET = 'rotated-client-secret-0f6c1d';
const WRONG_PASSWORD = 'not-the-password-9c2e';
const secrets: string[] = [ROTATED_SECRET, WRONG_PASSWORD, DEMO_PASSWORD];
const started: Record<string, string> = {};

beforeAll(async () => {
  s = await startTestServer({ authorityFor: () => 'https://login.example.test' });
  // Sign-in failure, then the sessions every test uses (each one a sign-in success).
  expect((await call(s.base, 'POST', '/api/session', { body: { email: PERSONAS.owner, password: WRONG_PASSWORD } })).status).toBe(401);
  cookies = await loginAll(s.base);
  for (const c of Object.values(cookies)) if (c) secrets.push(c.split('=')[1]!);
  const owner = cookies.owner;

  // Connection changes on contoso-lab's Secondary: default, disable/enable, rotate.
  const secondary = await connectionOf(s.tdb.db, 'contoso-lab', 'Secondary');
  const patch = (body: unknown) => call(s.base, 'PATCH', `/api/provider-connections/${secondary.id}`, { cookie: owner, body });
  expect((await patch({ isDefault: true })).status).toBe(200);
  expect((await patch({ enabled: false })).status).toBe(200);
  expect((await patch({ enabled: true })).status).toBe(200);
  expect((await patch({ clientSecret: ROTATED_SECRET, secretExpiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString() })).status).toBe(200);

  // Admin consent for woodgrove, through the browser callback.
  const woodgrove = await connectionOf(s.tdb.db, 'woodgrove');
  const begun = await call(s.base, 'POST', `/api/provider-connections/${woodgrove.id}/admin-consent`, { cookie: owner, body: {} });
  const state = new URL(begun.body.url as string).searchParams.get('state')!;
  secrets.push(state);
  const entraTenantId = DEMO_WORKSPACES[0]!.tenants.find((t) => t.slug === 'woodgrove')!.entraTenantId;
  const cb = await fetch(`${s.base}/admin/consent/callback?${new URLSearchParams({ admin_consent: 'True', tenant: entraTenantId, state })}`, {
    headers: { cookie: owner! },
    redirect: 'manual',
  });
  expect(cb.status).toBe(302);
  expect(cb.headers.get('location')).toContain('consent=granted');

  // Start attempts of all four outcomes.
  await freeAllScopes(s.tdb.db);
  const start = (slug: string, type: string) => call(s.base, 'POST', `/api/tenants/${slug}/operations`, { cookie: owner, body: { type } });
  for (const [outcome, slug, type] of [
    ['accepted', 'northwind', 'inventory.sync'],
    ['deduped', 'northwind', 'inventory.sync'],
    ['scope_busy', 'northwind', 'compliance.snapshot'],
    ['blocked', 'tailspin', 'inventory.sync'],
  ] as const) {
    const r = await start(slug, type);
    expect(r.body.outcome).toBe(outcome);
    started[outcome] = r.body.run?.id;
  }
});
afterAll(() => closeAll(s));

const audit = async (query: Record<string, string>, who: Persona = 'owner') =>
  call(s.base, 'GET', `/api/audit?${new URLSearchParams(query)}`, { cookie: cookies[who] });

async function everything(query: Record<string, string>, who: Persona = 'owner'): Promise<Loose[]> {
  const items: Loose[] = [];
  let next: string | null = null;
  do {
    const r = await audit({ ...query, limit: '7', ...(next ? { before: next } : {}) }, who);
    expect(r.status, r.text).toBe(200);
    const page = auditPageSchema.parse(r.body);
    items.push(...page.items);
    next = page.next;
  } while (next);
  return items;
}

describe('every change is audited and found through the API', () => {
  it('sign-in success and failure (workspace-level rows, no password)', async () => {
    const items = await everything({ action: 'session.sign_in', actor: PERSONAS.owner });
    expect(items.map((i) => i.outcome)).toEqual(expect.arrayContaining(['succeeded', 'failed']));
    for (const i of items) expect(i).toMatchObject({ tenant: null, actor: { email: PERSONAS.owner }, run: null });
  });

  it('connection default, enable and rotate', async () => {
    const secondary = await connectionOf(s.tdb.db, 'contoso-lab', 'Secondary');
    const items = await everything({ tenant: 'contoso-lab', action: 'provider_connection.*' });
    const actions = items
      .filter((i) => i.details.providerConnectionId === secondary.id)
      .map((i) => `${i.action}:${JSON.stringify(i.details.enabled ?? i.details.isDefault ?? null)}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'provider_connection.default_changed:true',
        'provider_connection.enabled_changed:false',
        'provider_connection.enabled_changed:true',
        'provider_connection.credential_rotated:null',
      ]),
    );
    const rotated = items.find((i) => i.action === 'provider_connection.credential_rotated')!;
    expect(rotated.details).toEqual({ providerConnectionId: secondary.id, credentialExpiresAt: expect.any(String) });
    expect(rotated).toMatchObject({ actor: { email: PERSONAS.owner }, tenant: { slug: 'contoso-lab' } });
  });

  it('consent requested and granted, and the verification it started', async () => {
    const items = await everything({ tenant: 'woodgrove' });
    const actions = items.map((i) => i.action);
    expect(actions).toEqual(expect.arrayContaining(['provider_connection.consent_requested', 'provider_connection.consent_granted']));
    expect(items.some((i) => i.action === 'operation.start' && i.operationType === 'tenant.verification')).toBe(true);
  });

  it('start attempts of all four outcomes, each with its run and reason', async () => {
    const starts = [
      ...(await everything({ tenant: 'northwind', action: 'operation.start' })),
      ...(await everything({ tenant: 'tailspin', action: 'operation.start' })),
    ];
    for (const outcome of ['accepted', 'deduped', 'scope_busy', 'blocked']) {
      const row = starts.find((i) => i.outcome === outcome && i.run?.id === started[outcome]);
      expect(row, outcome).toBeDefined();
      expect(row.run.url).toBe(`/admin/operations/${started[outcome]}`);
    }
    expect(starts.find((i) => i.outcome === 'scope_busy').reason).toEqual({
      code: 'scope_busy',
      message: 'Another operation (Inventory sync) is using this provider connection.',
    });
    const blocked = starts.find((i) => i.outcome === 'blocked');
    expect(blocked.reason.code).toBe('provider_credentials_expired');
    expect(blocked.reason.message.length).toBeGreaterThan(10);
    expect(starts.find((i) => i.outcome === 'accepted')).toMatchObject({ operationType: 'inventory.sync', reason: null, actor: { email: PERSONAS.owner } });
  });

  it('never a secret, password, session or consent state: not in the API, the CSV, nor the table', async () => {
    const json = JSON.stringify(await everything({}));
    const csv = await call(s.base, 'GET', '/api/audit.csv', { cookie: cookies.owner });
    const { rows } = await s.tdb.pool.query<{ t: string }>('select json_agg(a)::text as t from audit_log a');
    for (const text of [json, csv.text, rows[0]!.t]) {
      for (const secret of secrets) expect(text.includes(secret), secret.slice(0, 6)).toBe(false);
    }
  });
});

describe('filters and paging', () => {
  it('pages newest first without gaps or repeats', async () => {
    const all = (await audit({ limit: '500' })).body.items as Loose[];
    const paged = await everything({});
    expect(paged.map((i) => i.id)).toEqual(all.map((i) => i.id));
    const ats = paged.map((i) => Date.parse(i.at));
    expect(ats).toEqual([...ats].sort((a, b) => b - a));
    expect(new Set(paged.map((i) => i.id)).size).toBe(paged.length);
  });

  it('since (inclusive) and until (exclusive) bound the time', async () => {
    const all = (await audit({ limit: '500' })).body.items as Loose[];
    const mid = all[Math.floor(all.length / 2)]!.at as string;
    const since = (await everything({ since: mid })).map((i) => i.at as string);
    const until = (await everything({ until: mid })).map((i) => i.at as string);
    expect(since.every((a) => a >= mid)).toBe(true);
    expect(until.every((a) => a < mid)).toBe(true);
    expect(since.length + until.length).toBe(all.length);
    expect((await audit({ since: '2999-01-01' })).body.items).toEqual([]);
  });

  it('a bad filter is a 400 naming the field', async () => {
    for (const [query, field] of [
      [{ limit: '0' }, 'limit'],
      [{ limit: '501' }, 'limit'],
      [{ since: 'yesterday' }, 'since'],
      [{ until: '2026-13-45' }, 'until'],
      [{ since: '2026-02-01', until: '2026-01-01' }, 'until'],
      [{ action: 'DROP TABLE' }, 'action'],
      [{ before: 'abc' }, 'before'],
      [{ before: '99999999999999999999-1' }, 'before'],
      [{ actor: 'a\u0000b' }, 'actor'],
      [{ tenant: 'Not A Slug!' }, 'tenant'],
    ] as const) {
      const r = await audit(query);
      expect(r.status, JSON.stringify(query)).toBe(400);
      expect(r.body.error.message.startsWith(`${field}:`), r.body.error.message).toBe(true);
    }
  });

  it('an actor that is no account finds nothing', async () => {
    expect((await audit({ actor: 'nobody@nowhere.example' })).body).toEqual({ items: [], next: null });
  });
});

describe('who sees what', () => {
  it('operators and readonly members may not read it (403); signed out is 401', async () => {
    expect((await audit({}, 'operator')).status).toBe(403);
    expect((await audit({}, 'readonly')).status).toBe(403);
    expect((await audit({}, 'anonymous')).status).toBe(401);
    expect((await audit({ tenant: 'northwind' }, 'operator')).status).toBe(403);
  });

  it('a tenant the user cannot see is not found, exactly like one that does not exist', async () => {
    const foreign = await audit({ tenant: 'northwind' }, 'outsider');
    const missing = await audit({ tenant: 'no-such-tenant' }, 'outsider');
    expect(foreign.status).toBe(404);
    expect(foreign.text).toBe(missing.text);
  });

  it('the other workspace sees none of Contoso: neither its tenants nor its sign-ins', async () => {
    await login(s.base, PERSONAS.outsider);
    const items = await everything({}, 'outsider');
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.tenant === null || i.tenant.slug === 'fabrikam-retail')).toBe(true);
    expect(items.every((i) => i.actor?.email === PERSONAS.outsider)).toBe(true);
  });

  it('a manager sees the same rows as the owner', async () => {
    const mine = (await everything({}, 'owner')).map((i) => i.id);
    const theirs = (await everything({}, 'manager')).map((i) => i.id);
    expect(theirs).toEqual(mine);
  });
});

describe('CSV', () => {
  it('the same rows, quoted properly, as an attachment', async () => {
    const r = await fetch(`${s.base}/api/audit.csv?tenant=northwind`, { headers: { cookie: cookies.owner! } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="opsgate-audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    const text = await r.text();
    const lines = text.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('id,at,actor,action,tenant,outcome,operation_type,run_id,run_url,reason_code,reason_message,details');
    const json = await everything({ tenant: 'northwind' });
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(json.map((i) => i.id));
    // details is JSON: it has quotes and commas, so it is one quoted field with doubled quotes.
    expect(lines[1]).toMatch(/,"\{""[a-zA-Z]+"":.*\}"$/);
    const limited = await call(s.base, 'GET', '/api/audit.csv?tenant=northwind&limit=2', { cookie: cookies.owner });
    expect(limited.text.split('\r\n').filter(Boolean)).toHaveLength(3);
  });

  it('the same checks as the list', async () => {
    expect((await call(s.base, 'GET', '/api/audit.csv', { cookie: cookies.operator })).status).toBe(403);
    expect((await call(s.base, 'GET', '/api/audit.csv?since=bad', { cookie: cookies.owner })).status).toBe(400);
  });
});
