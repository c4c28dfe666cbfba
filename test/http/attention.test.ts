// GET /api/workspaces/{ws}/attention over the demo: every kind of item from stored facts, the
// gate's reasons and next steps (presented for the viewer's role), only tenants the user may
// see, archived left out, critical first then oldest.
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attentionItemSchema } from '../../src/http/routes/attention.ts';
import { items } from '../../src/http/schemas.ts';
import { hashPassword } from '../../src/security/passwords.ts';
import { connectionOf, tenantBySlug, userByEmail } from '../helpers/seed.ts';
import { call, insertCompletedRun, login, loginAll, startTestServer, type Loose, type Persona, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

let s: TestServer;
let cookies: Record<Persona, string | null>;
const URL = '/api/workspaces/contoso-msp/attention';

beforeAll(async () => {
  s = await startTestServer();
  cookies = await loginAll(s.base);
});
afterAll(() => closeAll(s));

const summary = (list: Loose[]) => list.map((i) => `${i.severity} ${i.tenant.slug}${i.providerConnection ? `/${i.providerConnection.name}` : ''} ${i.code}`);

describe('needs attention on the demo', () => {
  it('shows every kind the demo has, critical first, in the gate’s words', async () => {
    const r = await call(s.base, 'GET', URL, { cookie: cookies.owner });
    expect(r.status).toBe(200);
    expect(() => items(attentionItemSchema).parse(r.body)).not.toThrow();
    const list = r.body.items as Loose[];
    expect(new Set(summary(list))).toEqual(
      new Set([
        'critical adatum provider_connection_missing',
        'critical woodgrove/Primary provider_consent_missing',
        'critical tailspin/Primary provider_credentials_expired',
        'warning alpine/Primary provider_permission_missing',
        'warning litware tenant_not_operable',
        'warning contoso-lab/Secondary provider_credentials_expiring',
      ]),
    );
    // Critical first, then the oldest.
    const severities = list.map((i) => i.severity);
    expect(severities).toEqual([...severities].sort((a, b) => (a === b ? 0 : a === 'critical' ? -1 : 1)));
    for (const group of ['critical', 'warning']) {
      const since = list.filter((i) => i.severity === group).map((i) => Date.parse(i.since));
      expect(since).toEqual([...since].sort((a, b) => a - b));
    }
    const expiring = list.find((i) => i.code === 'provider_credentials_expiring');
    expect(expiring.message).toMatch(/^The client secret expires in 1[12] days on \d{4}-\d{2}-\d{2}; starts will be blocked from then on\.$/);
    expect(expiring.nextSteps[0]).toEqual({
      label: 'Rotate the client secret',
      url: `/admin/provider-connections/${expiring.providerConnection.id}#credentials`,
    });
    expect(list.find((i) => i.code === 'provider_permission_missing').message).toBe('The connection lacks the Graph permission Group.Read.All.');
  });

  it('reads exactly like the blocked start of the same problem', async () => {
    const list = (await call(s.base, 'GET', URL, { cookie: cookies.operator })).body.items as Loose[];
    const woodgrove = await tenantBySlug(s.tdb.db, 'woodgrove');
    const start = await call(s.base, 'POST', '/api/tenants/woodgrove/operations', { cookie: cookies.operator, body: { type: 'inventory.sync' } });
    expect(start.body.outcome).toBe('blocked');
    const item = list.find((i) => i.tenant.slug === 'woodgrove');
    expect(item.message).toBe(start.body.reason.message);
    expect(item.nextSteps).toEqual(start.body.nextSteps);
    expect(item.tenant).toEqual({ slug: 'woodgrove', name: woodgrove.name });
  });

  it('presents next steps for the viewer’s role: a step they cannot take is a hint', async () => {
    const list = (await call(s.base, 'GET', URL, { cookie: cookies.readonly })).body.items as Loose[];
    const consent = list.find((i) => i.code === 'provider_consent_missing');
    expect(consent.nextSteps[0]).toMatchObject({ label: 'Grant admin consent', url: null, hint: expect.stringContaining('provider_connection.manage') });
    const owner = (await call(s.base, 'GET', URL, { cookie: cookies.owner })).body.items as Loose[];
    expect(owner.find((i) => i.code === 'provider_consent_missing').nextSteps[0]).toMatchObject({
      label: 'Grant admin consent',
      url: expect.stringMatching(/#consent$/),
    });
  });

  it('another workspace, or one that does not exist, is not found; each workspace lists only its own', async () => {
    for (const path of ['/api/workspaces/fabrikam-msp/attention', '/api/workspaces/no-such-ws/attention', `/api/workspaces/${crypto.randomUUID()}/attention`]) {
      const r = await call(s.base, 'GET', path, { cookie: cookies.owner });
      expect(r.status).toBe(404);
    }
    expect((await call(s.base, 'GET', URL, { cookie: cookies.outsider })).status).toBe(404);
    expect((await call(s.base, 'GET', URL)).status).toBe(401);
    const own = await call(s.base, 'GET', '/api/workspaces/fabrikam-msp/attention', { cookie: cookies.outsider });
    expect(own.status).toBe(200);
    expect(own.body.items).toEqual([]);
  });
});

describe('needs attention from changed facts', () => {
  it('lists only tenants the member holds', async () => {
    const db = s.tdb.db;
    const ws = await db.selectFrom('workspaces').select('id').where('slug', '=', 'contoso-msp').executeTakeFirstOrThrow();
    const user = await db
      .insertInto('users')
      .values({ email: 'partial@contoso.example', display_name: 'Partial', password_hash: await hashPassword('a long enough password') })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('workspace_members').values({ workspace_id: ws.id, user_id: user.id, role: 'operator', all_tenants: false }).execute();
    for (const slug of ['northwind', 'woodgrove']) {
      await db
        .insertInto('tenant_memberships')
        .values({ tenant_id: (await tenantBySlug(db, slug)).id, user_id: user.id, role: 'operator' })
        .execute();
    }
    const cookie = await login(s.base, 'partial@contoso.example', 'a long enough password');
    const list = (await call(s.base, 'GET', URL, { cookie })).body.items as Loose[];
    expect(summary(list)).toEqual(['critical woodgrove/Primary provider_consent_missing']);
  });

  it('disabled default, failed verification, failed scheduled run, archived tenant, expiry window', async () => {
    const db = s.tdb.db;
    const northwind = await connectionOf(db, 'northwind');
    const lab = await connectionOf(db, 'contoso-lab');
    const alpine = await tenantBySlug(db, 'alpine');
    const owner = await userByEmail(db, 'owner@contoso.example');
    try {
      await db
        .updateTable('provider_connections')
        .set({ enabled: false, updated_at: sql<Date>`now()` })
        .where('id', '=', northwind.id)
        .execute();
      await db
        .updateTable('provider_connections')
        .set({ verification_status: 'failed', verification_reason_code: 'provider_credentials_invalid' })
        .where('id', '=', lab.id)
        .execute();
      await db.updateTable('tenants').set({ status: 'archived' }).where('id', '=', alpine.id).execute();
      const labTenant = await tenantBySlug(db, 'contoso-lab');
      // The newest scheduled run of a type counts: an older success does not hide a newer failure.
      await insertCompletedRun(db, { tenantId: labTenant.id, type: 'inventory.sync', connectionId: lab.id, initiatorId: null, outcome: 'succeeded' });
      const { runId } = await insertCompletedRun(db, {
        tenantId: labTenant.id,
        type: 'inventory.sync',
        connectionId: lab.id,
        initiatorId: null,
        outcome: 'failed',
        reasonCode: 'provider_throttled',
      });
      // An operator's own failed run is not a scheduled one.
      await insertCompletedRun(db, {
        tenantId: labTenant.id,
        type: 'compliance.snapshot',
        connectionId: lab.id,
        initiatorId: owner.id,
        outcome: 'failed',
        reasonCode: 'provider_throttled',
        notify: false,
      });

      const list = (await call(s.base, 'GET', URL, { cookie: cookies.owner })).body.items as Loose[];
      const lines = summary(list);
      expect(lines).toContain('critical northwind/Primary provider_connection_disabled');
      expect(lines).toContain('warning contoso-lab/Primary provider_verification_failed');
      expect(lines).toContain('warning contoso-lab/Primary scheduled_run_failed');
      expect(lines.filter((l) => l.includes('scheduled_run_failed'))).toHaveLength(1);
      expect(lines.some((l) => l.includes('alpine'))).toBe(false);

      const failed = list.find((i) => i.code === 'scheduled_run_failed');
      expect(failed.message).toBe('The last scheduled inventory sync failed. Microsoft Graph kept throttling requests, so the operation gave up.');
      expect(failed.nextSteps.map((st: Loose) => st.label)).toEqual(['Try again in a few minutes', 'View the run']);
      expect(failed.nextSteps[1].url).toBe(`/admin/operations/${runId}`);
      const verification = list.find((i) => i.code === 'provider_verification_failed');
      expect(verification.message).toBe(
        'The last verification of this connection failed. Microsoft rejected the client secret: it is not valid for this app registration.',
      );
      expect(verification.nextSteps.map((st: Loose) => st.label)).toEqual(['Rotate the client secret', 'Check connection']);

      // A shorter warning window: 12 days away is not yet attention.
      const narrow = await startTestServer({ expiryWarningDays: 5 });
      try {
        const c = await login(narrow.base, 'owner@contoso.example');
        const l = summary((await call(narrow.base, 'GET', URL, { cookie: c })).body.items);
        expect(l.some((x) => x.includes('provider_credentials_expiring'))).toBe(false);
        expect(l).toContain('critical tailspin/Primary provider_credentials_expired');
      } finally {
        await narrow.close();
      }
    } finally {
      // The shared fixture back the way the demo seeds it, whatever failed above.
      await db.updateTable('provider_connections').set({ enabled: northwind.enabled }).where('id', '=', northwind.id).execute();
      await db
        .updateTable('provider_connections')
        .set({ verification_status: lab.verification_status, verification_reason_code: lab.verification_reason_code })
        .where('id', '=', lab.id)
        .execute();
      await db.updateTable('tenants').set({ status: alpine.status }).where('id', '=', alpine.id).execute();
    }
  });
});
