// The DB-only preflight as a pure table: for every combination of failing facts, the one
// dominant reason is the first failing check in the fixed order below (what the operator
// fixes first), and verification-type operations are never blocked by the facts they refresh.
import { describe, expect, it } from 'vitest';
import { readiness, type GateConnection, type GateTenant } from '../../src/gate/readiness.ts';
import { REGISTRY } from '../../src/operations/registry.ts';

const NOW = new Date('2030-06-01T00:00:00Z');
const tenant: GateTenant = { id: 't', workspace_id: 'w', status: 'active' };
const healthy: GateConnection = {
  id: 'c',
  name: 'Primary',
  enabled: true,
  credential_kind: 'secret',
  credential_expires_at: new Date('2031-01-01T00:00:00Z'),
  verification_status: 'succeeded',
  verification_reason_code: null,
  consent_status: 'granted',
  granted_permissions: [...REGISTRY['inventory.sync'].requiredPermissions, ...REGISTRY.entra_group_sync.requiredPermissions],
  has_secret: true,
  has_thumbprint: false,
};

/** Each failing fact, in the order the preflight checks them, with the reason it produces. */
const FAULTS: { reason: string; tenant?: Partial<GateTenant>; connection?: Partial<GateConnection> | null; refreshable: boolean }[] = [
  { reason: 'tenant_not_operable', tenant: { status: 'suspended' }, refreshable: false },
  { reason: 'provider_connection_missing', connection: null, refreshable: false },
  { reason: 'provider_connection_disabled', connection: { enabled: false }, refreshable: false },
  { reason: 'provider_credentials_missing', connection: { has_secret: false }, refreshable: false },
  { reason: 'provider_credentials_expired', connection: { credential_expires_at: new Date('2030-05-01T00:00:00Z') }, refreshable: false },
  { reason: 'provider_connection_unusable', connection: { verification_status: 'unusable' }, refreshable: true },
  { reason: 'provider_consent_missing', connection: { consent_status: 'missing' }, refreshable: true },
  { reason: 'provider_permission_missing', connection: { granted_permissions: [] }, refreshable: true },
];

function apply(mask: number) {
  let t = { ...tenant };
  let c: GateConnection | null = { ...healthy };
  FAULTS.forEach((f, i) => {
    if (!(mask & (1 << i))) return;
    if (f.tenant) t = { ...t, ...f.tenant };
    if (f.connection === null) c = null;
    else if (f.connection && c) c = { ...c, ...f.connection };
  });
  return { t, c };
}

describe('readiness ordering', () => {
  it('every combination of failing facts leads with the first failing check (256 cases × 2 kinds of operation)', () => {
    for (let mask = 0; mask < 1 << FAULTS.length; mask++) {
      const { t, c } = apply(mask);
      const first = FAULTS.findIndex((_, i) => mask & (1 << i));
      const sync = readiness(REGISTRY['inventory.sync'], t, c, { fromOnboarding: false, now: NOW });
      expect([mask, sync.ready ? 'ready' : sync.reason.code]).toEqual([mask, first === -1 ? 'ready' : FAULTS[first]!.reason]);
      // A verification ignores the facts it refreshes; the others still lead in the same order.
      const verify = readiness(REGISTRY['tenant.verification'], t, c, { fromOnboarding: false, now: NOW });
      const firstBlocking = FAULTS.findIndex((f, i) => mask & (1 << i) && !f.refreshable);
      expect([mask, verify.ready ? 'ready' : verify.reason.code]).toEqual([mask, firstBlocking === -1 ? 'ready' : FAULTS[firstBlocking]!.reason]);
    }
  });

  it('an onboarding tenant operates only for its onboarding operations, from its onboarding session', () => {
    const onboarding = { ...tenant, status: 'onboarding' as const };
    const code = (r: ReturnType<typeof readiness>) => (r.ready ? 'ready' : r.reason.code);
    expect(code(readiness(REGISTRY['onboarding.verification'], onboarding, healthy, { fromOnboarding: true, now: NOW }))).toBe('ready');
    expect(code(readiness(REGISTRY['inventory.sync'], onboarding, healthy, { fromOnboarding: true, now: NOW }))).toBe(
      REGISTRY['inventory.sync'].allowedDuringOnboarding ? 'ready' : 'tenant_not_operable',
    );
    expect(code(readiness(REGISTRY['inventory.sync'], onboarding, healthy, { fromOnboarding: false, now: NOW }))).toBe('tenant_not_operable');
  });
});
