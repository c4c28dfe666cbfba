// A slug taken by another workspace's tenant answers exactly like one taken in your own, and
// like any other invalid field: nothing tells that the slug exists somewhere you cannot see.
// Racing onboardings of one slug: one wins, the others get the same answer (not a 500).
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, PERSONAS, startTestServer, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

let s: TestServer;
let contosoOwner: string;
let fabrikamOwner: string;
beforeAll(async () => {
  s = await startTestServer();
  contosoOwner = await login(s.base, PERSONAS.owner);
  fabrikamOwner = await login(s.base, PERSONAS.outsider);
});
afterAll(() => closeAll(s));

const onboard = (cookie: string, slug: string) =>
  call(s.base, 'POST', '/api/onboarding', { cookie, body: { name: `Tenant ${slug}`, slug, entraTenantId: crypto.randomUUID() } });
const NOT_AVAILABLE = { error: { code: 'invalid_request', message: 'slug: is not available' } };

describe('onboarding a slug that is taken', () => {
  it("by another workspace's tenant: 400 slug: is not available — the same answer as for your own workspace's", async () => {
    // northwind belongs to Contoso MSP; Fabrikam's owner sees nothing of it.
    expect((await call(s.base, 'GET', '/api/tenants/northwind', { cookie: fabrikamOwner })).status).toBe(404);
    const elsewhere = await onboard(fabrikamOwner, 'northwind');
    const own = await onboard(contosoOwner, 'northwind');
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body).toEqual(NOT_AVAILABLE);
    expect(own.status).toBe(400);
    expect(own.text).toBe(elsewhere.text);
    expect(elsewhere.text).not.toMatch(/another|exists|tenant|workspace|northwind/i);
    // Shaped like any other invalid field.
    const badField = await call(s.base, 'POST', '/api/onboarding', {
      cookie: fabrikamOwner,
      body: { name: 'X', slug: 'Not A Slug', entraTenantId: crypto.randomUUID() },
    });
    expect(badField.status).toBe(400);
    expect(badField.body.error.code).toBe(elsewhere.body.error.code);
    expect(badField.body.error.message).toMatch(/^slug: /);
  });

  it('creates nothing when refused', async () => {
    const before = await s.tdb.db.selectFrom('tenants').select('id').execute();
    expect((await onboard(fabrikamOwner, 'alpine')).body).toEqual(NOT_AVAILABLE);
    expect(await s.tdb.db.selectFrom('tenants').select('id').execute()).toHaveLength(before.length);
    expect(await s.tdb.db.selectFrom('audit_log').select('id').where('action', '=', 'onboarding.create').execute()).toHaveLength(0);
  });

  it('racing onboardings of one new slug from two workspaces: exactly one wins, every other gets the same 400', async () => {
    const slug = `race-${crypto.randomBytes(3).toString('hex')}`;
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => onboard(i % 2 ? fabrikamOwner : contosoOwner, slug)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 201)) {
      expect(a.status).toBe(400);
      expect(a.body).toEqual(NOT_AVAILABLE);
    }
  });
});
