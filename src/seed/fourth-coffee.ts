// Fourth Coffee: the customer tenant the demo's sandbox cloud holds but the console does not.
// Its admin has already consented to an app registration with every permission the covered
// operations need, so a new user can walk the onboarding wizard end to end against it
// (README, "Install and start"). Deliberately not in DEMO_WORKSPACES: the database seed must
// never create it; onboarding does.
import { ALL_PERMISSIONS } from '../operations/permissions.ts';
import type { TenantCounts } from '../../sandbox/index.ts';

export const FOURTH_COFFEE = {
  name: 'Fourth Coffee',
  slug: 'fourth-coffee',
  // Same shape as the seeded fixtures' ids (demo-fixture.ts), with a number none of them use.
  entraTenantId: '007e4a47-0000-4000-8000-0000000000fc',
  defaultDomain: 'fourthcoffee.onmicrosoft.com',
  connection: {
    name: 'Primary',
    clientId: '00a9910c-0000-4000-8000-0000000000fc',
    /** Sandbox-only credential: this app exists nowhere but in the local sandbox cloud. */
    secret: 'sandbox-fourth-coffee-primary-secret',
    secretExpiresInDays: 365,
    permissions: ALL_PERMISSIONS,
  },
  // A small chain of cafés: smaller than the seeded tenants, so the demo's first syncs finish
  // quickly, yet every collection still needs more than one Graph page.
  counts: {
    deviceConfigurations: 140,
    configurationPolicies: 60,
    deviceCompliancePolicies: 24,
    managedDevices: 180,
    groups: 120,
    roleDefinitions: 40,
  } satisfies TenantCounts,
} as const;
