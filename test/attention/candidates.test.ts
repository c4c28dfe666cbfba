// Needs attention reads only the candidate tenants (src/attention/facts.ts, `candidates`): the
// tenants whose stored facts could give an item, decided in SQL. That reading must derive
// exactly the items of reading every tenant, on the demo (which has every kind of item) and
// on the edge cases the SQL is conservative about; and it must actually leave healthy tenants
// out, or it saves nothing.
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareItems } from '../../src/attention/index.ts';
import { readAttentionFacts, type AttentionScope, type FactsFilter } from '../../src/attention/facts.ts';
import { attentionItems, COVERED_PERMISSIONS } from '../../src/attention/items.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { connectionOf, seedDemoData, tenantBySlug, userByEmail } from '../helpers/seed.ts';
import { closeAll } from '../helpers/teardown.ts';

let tdb: TestDatabase;
const NOW = new Date();
const DAYS = 30;
const DAY_MS = 86_400_000;

/** A new tenant in northwind's workspace whose default connection is northwind's Primary with `patch` applied. */
async function tenantLike(slug: string, patch: Record<string, unknown>, extra: Record<string, unknown>[] = []): Promise<string> {
  const northwind = await tenantBySlug(tdb.db, 'northwind');
  const source = await connectionOf(tdb.db, 'northwind');
  const { rows } = await sql<{ id: string }>`
    insert into tenants (workspace_id, slug, name, entra_tenant_id, status)
    values (${northwind.workspace_id}, ${slug}, ${`Edge ${slug}`}, gen_random_uuid()::text, 'active') returning id`.execute(tdb.db);
  const tenantId = rows[0]!.id;
  for (const p of [patch, ...extra]) {
    const row = { tenant_id: tenantId, id: crypto.randomUUID(), name: `c-${crypto.randomUUID().slice(0, 8)}`, is_default: p === patch, ...p };
    await sql`insert into provider_connections
      select (jsonb_populate_record(null::provider_connections, to_jsonb(c) || ${JSON.stringify(row)}::jsonb)).*
        from provider_connections c where c.id = ${source.id}`.execute(tdb.db);
  }
  return tenantId;
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  await seedDemoData(tdb.db);
  const days = (n: number) => new Date(NOW.getTime() + n * DAY_MS).toISOString();
  await tenantLike('edge-healthy', {});
  await tenantLike('edge-healthy-2', {});
  // Conservative in SQL, nothing to say in items.ts: ReadWrite stands in for Read, names in another case.
  await tenantLike('edge-readwrite', {
    granted_permissions: COVERED_PERMISSIONS.map((p) => p.replace('DeviceManagementConfiguration.Read.All', 'DeviceManagementConfiguration.ReadWrite.All')),
  });
  await tenantLike('edge-lowercase', { granted_permissions: COVERED_PERMISSIONS.map((p) => p.toLowerCase()) });
  await tenantLike('edge-expiring', { credential_expires_at: days(DAYS - 1) });
  await tenantLike('edge-not-yet-expiring', { credential_expires_at: days(DAYS + 1) });
  await tenantLike('edge-expired', { credential_expires_at: days(-1) });
  await tenantLike('edge-no-secret', { secret_ciphertext: '' });
  await tenantLike('edge-certificate-no-thumbprint', { credential_kind: 'certificate', certificate_thumbprint: null });
  await tenantLike('edge-disabled-default', { enabled: false });
  await tenantLike('edge-verification-failed', { verification_status: 'failed', verification_reason_code: 'provider_throttled' });
  await tenantLike('edge-unusable', { verification_status: 'unusable' });
  await tenantLike('edge-no-consent', { consent_status: 'missing' });
  await tenantLike('edge-missing-permission', { granted_permissions: COVERED_PERMISSIONS.filter((p) => p !== 'Group.Read.All') });
  // A disabled connection that is not the default is parked on purpose: nothing to say.
  await tenantLike('edge-parked', {}, [{ enabled: false, secret_ciphertext: '' }]);
  // A failed scheduled run followed by a succeeded one: a candidate, but no item.
  const recovered = await tenantLike('edge-recovered', {});
  const failing = await tenantLike('edge-scheduled-failed', {});
  for (const [tenantId, outcomes] of [
    [recovered, ['failed', 'succeeded']],
    [failing, ['succeeded', 'failed']],
  ] as const) {
    for (const [i, outcome] of outcomes.entries()) {
      await sql`insert into operation_runs (tenant_id, type, trigger, status, outcome, reason_code, created_at, completed_at)
        values (${tenantId}, 'inventory.sync', 'scheduled', 'completed', ${outcome}, ${outcome === 'failed' ? 'provider_unavailable' : null},
                now() - make_interval(mins => ${10 - i}), now() - make_interval(mins => ${9 - i}))`.execute(tdb.db);
    }
  }
});
afterAll(() => closeAll(tdb));

async function derive(scope: AttentionScope, filter: FactsFilter) {
  const tenants = await readAttentionFacts(tdb.db, scope, filter);
  return { slugs: tenants.map((t) => t.slug), items: attentionItems(tenants, { now: NOW, expiryWarningDays: DAYS }).sort(compareItems) };
}
const candidates: FactsFilter = { kind: 'candidates', now: NOW, expiryWarningDays: DAYS, coveredPermissions: COVERED_PERMISSIONS };

describe('needs attention, candidate tenants only', () => {
  it('derives exactly the items of reading every tenant, for every workspace and for a member', async () => {
    const workspaces = await tdb.db.selectFrom('workspaces').select('id').execute();
    const owner = await userByEmail(tdb.db, 'owner@contoso.example');
    let compared = 0;
    for (const w of workspaces) {
      for (const userId of [null, owner.id]) {
        const scope = { workspaceId: w.id, userId };
        const all = await derive(scope, { kind: 'all' });
        const some = await derive(scope, candidates);
        expect(some.items, `workspace ${w.id}, user ${userId}`).toEqual(all.items);
        compared += all.items.length;
      }
    }
    expect(compared).toBeGreaterThan(10);
  });

  it('reads the tenants that could have something to say and leaves the healthy ones out', async () => {
    const northwind = await tenantBySlug(tdb.db, 'northwind');
    const scope = { workspaceId: northwind.workspace_id, userId: null };
    const all = await derive(scope, { kind: 'all' });
    const some = await derive(scope, candidates);
    for (const slug of ['northwind', 'edge-healthy', 'edge-healthy-2', 'edge-not-yet-expiring', 'edge-parked']) {
      expect(all.slugs).toContain(slug);
      expect(some.slugs, slug).not.toContain(slug);
    }
    for (const slug of [
      'edge-readwrite',
      'edge-lowercase',
      'edge-expiring',
      'edge-expired',
      'edge-no-secret',
      'edge-certificate-no-thumbprint',
      'edge-disabled-default',
      'edge-verification-failed',
      'edge-unusable',
      'edge-no-consent',
      'edge-missing-permission',
      'edge-recovered',
      'edge-scheduled-failed',
      'adatum',
      'litware',
    ]) {
      expect(some.slugs, slug).toContain(slug);
    }
    const itemSlugs = new Set(all.items.map((i) => i.tenant?.slug));
    for (const slug of ['edge-readwrite', 'edge-lowercase', 'edge-recovered']) expect(itemSlugs.has(slug), slug).toBe(false);
    for (const slug of ['edge-expiring', 'edge-expired', 'edge-no-secret', 'edge-scheduled-failed', 'edge-missing-permission'])
      expect(itemSlugs.has(slug), slug).toBe(true);
  });
});
