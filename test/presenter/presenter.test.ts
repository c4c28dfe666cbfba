// The shared presenter, without a database: one vocabulary for every operation and outcome,
// the catalogue's reason and next steps on every surface, and hints instead of links for
// steps the viewer cannot take.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROLES, roleHas } from '../../src/access/capabilities.ts';
import type { OperationRun, Role } from '../../src/db/schema.ts';
import { OUTCOMES, type StartResult } from '../../src/gate/result.ts';
import { DEFINITIONS } from '../../src/operations/registry.ts';
import {
  notificationBody,
  OUTCOME_LABELS,
  presentNotification,
  presentPreflight,
  presentRun,
  presentStart,
  presentSteps,
  runTitle,
} from '../../src/presenter/index.ts';
import { CATALOGUE, explain } from '../../src/reasons/catalogue.ts';
import { BLOCKED_REASONS, REASON_CODES } from '../../src/reasons/codes.ts';

const TENANT = { id: 't-1', slug: 'northwind', name: 'Northwind Traders' };
const CONN = { id: 'c-1', name: 'Primary' };
const run = (id = 'r-1', type = 'inventory.sync') => ({ id, type, tenantId: TENANT.id });
const ctx = (viewerRole: Role | null = 'owner', runVisible = true) => ({ tenantSlug: TENANT.slug, viewerRole, runVisible });

function result(outcome: (typeof OUTCOMES)[number], type = DEFINITIONS[0]!.type): StartResult {
  const common = { type, tenantId: TENANT.id, providerConnection: CONN };
  switch (outcome) {
    case 'blocked':
      return { ...common, outcome, run: run('b-1', type), reason: { code: 'provider_consent_missing', params: {} }, reusedRecord: false };
    case 'scope_busy':
      return { ...common, outcome, run: run('h-1', 'inventory.sync') };
    default:
      return { ...common, outcome, run: run('r-1', type) };
  }
}

function storedRun(over: Partial<OperationRun> = {}): OperationRun {
  const t = new Date('2030-01-01T00:00:00Z');
  return {
    id: 'r-9',
    tenant_id: TENANT.id,
    workspace_id: 'w-1',
    type: 'inventory.sync',
    provider_connection_id: CONN.id,
    initiator_user_id: 'u-1',
    trigger: 'operator',
    status: 'completed',
    outcome: 'failed',
    reason_code: null,
    reason_params: {},
    summary_counts: {},
    context: { providerConnectionName: 'Primary' },
    dedupe_key: null,
    blocked_fingerprint: null,
    attempt_count: 1,
    last_attempt_at: t,
    lease_owner: null,
    lease_expires_at: null,
    heartbeat_at: null,
    cancel_requested_at: null,
    cancel_requested_by: null,
    created_at: t,
    started_at: t,
    completed_at: t,
    ...over,
  };
}
const runCtx = (viewerRole: Role | null = 'owner', connectionName: string | null = 'Primary') => ({
  tenant: TENANT,
  initiator: { id: 'u-1', email: 'operator@contoso.example' },
  connectionName,
  viewerRole,
});

describe('the one vocabulary', () => {
  it('labels the four outcomes as the contract says', () => {
    expect(OUTCOME_LABELS).toEqual({ accepted: 'queued', deduped: 'already running', scope_busy: 'scope busy', blocked: 'blocked' });
  });

  it('every operation keeps its verb + object, and every title carries the public wording', () => {
    for (const def of DEFINITIONS) {
      for (const outcome of OUTCOMES) {
        const a = presentStart(result(outcome, def.type), ctx());
        expect(a.action).toBe(def.action);
        expect(a.operationType).toBe(def.type);
        expect(a.label).toBe(OUTCOME_LABELS[outcome]);
        expect(a.title.startsWith(def.title)).toBe(true);
        expect(a.title.endsWith(OUTCOME_LABELS[outcome])).toBe(true);
      }
    }
    expect(presentStart(result('accepted', 'inventory.sync'), ctx()).title).toBe('Inventory sync queued');
    expect(presentStart(result('deduped', 'inventory.sync'), ctx()).title).toBe('Inventory sync already running');
    expect(presentStart(result('scope_busy', 'inventory.sync'), ctx()).title).toBe('Inventory sync: scope busy');
    expect(presentStart(result('blocked', 'inventory.sync'), ctx()).title).toBe('Inventory sync blocked');
  });

  it('run titles read the same way', () => {
    expect(runTitle('inventory.sync', 'queued', 'pending')).toBe('Inventory sync queued');
    expect(runTitle('inventory.sync', 'running', 'pending')).toBe('Inventory sync running');
    expect(runTitle('inventory.sync', 'completed', 'blocked')).toBe('Inventory sync blocked');
    expect(runTitle('inventory.sync', 'completed', 'partially_succeeded')).toBe('Inventory sync partially succeeded');
    expect(runTitle('legacy.thing', 'completed', 'failed')).toBe('legacy.thing failed');
  });
});

describe('presentStart', () => {
  it('accepted and deduped point to the run with "View run"', () => {
    for (const outcome of ['accepted', 'deduped'] as const) {
      const a = presentStart(result(outcome), ctx());
      expect(a.run).toEqual({ id: 'r-1', url: '/admin/operations/r-1' });
      expect(a.reason).toBeNull();
      expect(a.nextSteps).toEqual([{ label: 'View run', url: '/admin/operations/r-1' }]);
    }
  });

  it('scope busy names the holding run only when visible', () => {
    const seen = presentStart(result('scope_busy'), ctx('operator', true));
    expect(seen.run).toEqual({ id: 'h-1', url: '/admin/operations/h-1' });
    expect(seen.reason).toEqual({ code: 'scope_busy', message: 'Another operation (Inventory sync) is using this provider connection.' });
    const hidden = presentStart(result('scope_busy'), ctx('operator', false));
    expect(hidden.run).toBeNull();
    expect(hidden.reason).toEqual({ code: 'scope_busy', message: 'Another operation is using this provider connection.' });
    expect(JSON.stringify(hidden)).not.toContain('h-1');
    expect(presentStart(result('deduped'), ctx('operator', false)).run).toBeNull();
  });

  it('every blocked reason has its catalogue message and at least one next step, for every role', () => {
    fc.assert(
      fc.property(fc.constantFrom(...BLOCKED_REASONS), fc.constantFrom<Role | null>(...ROLES, null), fc.boolean(), (code, role, withConn) => {
        const r: StartResult = {
          type: 'inventory.sync',
          tenantId: TENANT.id,
          providerConnection: withConn ? CONN : null,
          outcome: 'blocked',
          run: run('b-1'),
          reason: { code, params: { missing: ['Group.Read.All'], status: 'suspended' } },
          reusedRecord: false,
        };
        const a = presentStart(r, ctx(role));
        const ex = explain(code, r.reason.params, { tenantSlug: TENANT.slug, providerConnectionId: withConn ? CONN.id : null });
        expect(a.reason).toEqual({ code, message: ex.message });
        expect(a.nextSteps.length).toBeGreaterThanOrEqual(1);
        a.nextSteps.forEach((step, i) => {
          expect(step.label).toBe(ex.nextSteps[i]!.label);
          const cap = ex.nextSteps[i]!.capability;
          if (!cap || (role && roleHas(role, cap))) expect(step).toEqual({ label: step.label, url: ex.nextSteps[i]!.url });
          else expect(step).toMatchObject({ url: null, hint: expect.stringContaining(cap) });
        });
        expect(a.run).toEqual({ id: 'b-1', url: '/admin/operations/b-1' });
      }),
    );
  });
});

describe('next steps the viewer cannot take', () => {
  it('become a hint naming who can', () => {
    const steps = [
      { label: 'Grant admin consent', url: '/x', capability: 'provider_connection.manage' as const },
      { label: 'View operations', url: '/y' },
    ];
    expect(presentSteps(steps, 'owner')).toEqual([
      { label: 'Grant admin consent', url: '/x' },
      { label: 'View operations', url: '/y' },
    ]);
    expect(presentSteps(steps, 'readonly')).toEqual([
      { label: 'Grant admin consent', url: null, hint: 'Ask an owner or manager of this tenant (provider_connection.manage) to grant admin consent.' },
      { label: 'View operations', url: '/y' },
    ]);
    expect(presentSteps([{ label: 'Verify tenant', url: '/t', capability: 'tenant.verify' }], null)[0]).toMatchObject({
      url: null,
      hint: 'Ask an owner, manager or operator of this tenant (tenant.verify) to verify tenant.',
    });
  });
});

describe('presentPreflight', () => {
  it('answers in the same words, with nothing to point to when the start would be accepted', () => {
    const common = { type: 'inventory.sync' as const, tenantId: TENANT.id, providerConnection: CONN };
    expect(presentPreflight({ ...common, wouldBe: 'accepted', run: null }, ctx())).toMatchObject({
      wouldBe: 'accepted',
      label: 'queued',
      run: null,
      reason: null,
      nextSteps: [],
    });
    const blocked = presentPreflight({ ...common, wouldBe: 'blocked', run: null, reason: { code: 'provider_credentials_expired', params: {} } }, ctx());
    expect(blocked).toMatchObject({ wouldBe: 'blocked', title: 'Inventory sync blocked', reason: { code: 'provider_credentials_expired' } });
    expect(blocked.nextSteps.length).toBeGreaterThan(0);
    expect(blocked).not.toHaveProperty('outcome');
  });
});

describe('presentRun and presentNotification', () => {
  it('an execution-time failure reads exactly like the blocked start of the same problem (FR-216-010)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...BLOCKED_REASONS), fc.constantFrom<Role>(...ROLES), (code, role) => {
        const params = { missing: ['Group.Read.All'], expiredAt: '2030-01-01T00:00:00.000Z' };
        const start = presentStart(
          {
            type: 'inventory.sync',
            tenantId: TENANT.id,
            providerConnection: CONN,
            outcome: 'blocked',
            run: run('b-1'),
            reason: { code, params },
            reusedRecord: false,
          },
          ctx(role),
        );
        const view = presentRun(storedRun({ reason_code: code, reason_params: params }), runCtx(role));
        expect(view.reason).toEqual(start.reason);
        expect(view.nextSteps).toEqual(start.nextSteps);
        const n = presentNotification({ id: 'n-1', created_at: new Date(), read_at: null }, view);
        // The notification names the tenant and the connection the run used (FR-216-006).
        expect(n.title).toBe('Inventory sync failed: Northwind Traders');
        expect(n.body).toBe(`Ran on the connection “Primary”. ${start.reason!.message} Next step: ${start.nextSteps[0]!.label}.`);
        expect(n.providerConnection).toEqual(CONN);
      }),
    );
  });

  it('every reason code of the catalogue renders on a run', () => {
    for (const code of REASON_CODES) {
      const v = presentRun(storedRun({ reason_code: code }), runCtx());
      expect(v.reason?.message).toBe(CATALOGUE[code].message({}));
      expect(v.nextSteps.length).toBeGreaterThan(0);
    }
  });

  it('the contract fields of a run', () => {
    const v = presentRun(
      storedRun({
        status: 'completed',
        outcome: 'succeeded',
        summary_counts: { items: 3 },
        context: { providerConnectionName: 'Old name', restoreRunId: 'rr-1' },
      }),
      runCtx('readonly', null),
    );
    expect(v).toMatchObject({
      id: 'r-9',
      type: 'inventory.sync',
      title: 'Inventory sync succeeded',
      url: '/admin/operations/r-9',
      tenant: TENANT,
      status: 'completed',
      outcome: 'succeeded',
      trigger: 'operator',
      initiator: { id: 'u-1', email: 'operator@contoso.example' },
      reason: null,
      nextSteps: [],
      summaryCounts: { items: 3 },
      // The connection row is gone: the name recorded at the click is used.
      providerConnection: { id: CONN.id, name: 'Old name' },
      target: { restoreRunId: 'rr-1' },
      createdAt: '2030-01-01T00:00:00.000Z',
      completedAt: '2030-01-01T00:00:00.000Z',
    });
    expect(presentRun(storedRun({ provider_connection_id: null }), runCtx()).providerConnection).toBeNull();
  });

  it('notification bodies without a reason are plain sentences', () => {
    const view = presentRun(storedRun({ outcome: 'succeeded' }), runCtx());
    expect(notificationBody(view)).toBe('Ran on the connection “Primary”. Finished successfully.');
    expect(notificationBody(presentRun(storedRun({ outcome: 'succeeded', provider_connection_id: null }), runCtx()))).toBe('Finished successfully.');
    const unknown = presentRun(storedRun({ reason_code: 'brand_new_code' }), runCtx());
    expect(unknown.reason).toEqual({ code: 'brand_new_code', message: CATALOGUE.execution_error.message({}) });
  });
});

describe('a failed run points to the fix of its cause, never to itself', () => {
  const checks = ['tenant.verification', 'provider_connection.check', 'onboarding.verification'] as const;
  it('a failed verification or connection check offers no verification again (no loop)', () => {
    for (const type of checks) {
      for (const code of [
        'provider_consent_missing',
        'provider_permission_missing',
        'provider_credentials_expired',
        'provider_credentials_invalid',
        'provider_connection_unusable',
      ] as const) {
        for (const role of ROLES) {
          const v = presentRun(storedRun({ type, reason_code: code, reason_params: { missing: ['Group.Read.All'] } }), runCtx(role));
          const labels = v.nextSteps.map((s) => s.label);
          expect([type, code, labels.includes('Verify tenant') || labels.includes('Check connection')]).toEqual([type, code, false]);
          expect(v.nextSteps.length).toBeGreaterThan(0);
        }
      }
    }
    const consent = presentRun(storedRun({ type: 'tenant.verification', reason_code: 'provider_consent_missing' }), runCtx('owner'));
    expect(consent.nextSteps).toEqual([{ label: 'Grant admin consent', url: `/admin/provider-connections/${CONN.id}#consent` }]);
  });

  it('other runs still offer the re-check after the fix, the fix first', () => {
    const v = presentRun(storedRun({ type: 'inventory.sync', reason_code: 'provider_consent_missing' }), runCtx('owner'));
    expect(v.nextSteps.map((s) => s.label)).toEqual(['Grant admin consent', 'Verify tenant']);
  });
});
