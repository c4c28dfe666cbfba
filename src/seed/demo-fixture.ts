// The demo fixtures of the contract, as data. The database seed and the sandbox cloud both
// read this, so the console's stored facts and the cloud's behaviour tell the same story
// (woodgrove's app really has no consent, tailspin's secret really is expired, …).
import { ALL_PERMISSIONS } from '../operations/permissions.ts';

export const DEMO_PASSWORD = 'opsgate-demo';

export interface FixtureConnection {
  name: string;
  clientId: string;
  /** Sandbox-only credential: these apps exist nowhere but in the local sandbox cloud. */
  secret: string;
  secretExpiresInDays: number;
  isDefault: boolean;
  consent: 'granted' | 'missing';
  /** What the app registration requests; granted only once an admin consents. */
  permissions: readonly string[];
}

export interface FixtureTenant {
  slug: string;
  name: string;
  entraTenantId: string;
  status: 'active' | 'suspended';
  connections: FixtureConnection[];
  restoreRuns?: { name: string; items: number }[];
}

export interface FixtureWorkspace {
  slug: string;
  name: string;
  tenants: FixtureTenant[];
  members: { email: string; displayName: string; role: 'owner' | 'manager' | 'operator' | 'readonly' }[];
  /** Seeded schedules: each firing is a bulk start through the gate (trigger scheduled). */
  schedules?: { name: string; type: 'inventory.sync'; tenants: 'all'; cron: string; timezone: string }[];
}

const guid = (n: number, tag: number) => `${tag.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const TENANT = 0x7e4a47;
const APP = 0xa9910c;

let appSeq = 0;
const healthy = (name: string, isDefault: boolean, slug: string, permissions: readonly string[] = ALL_PERMISSIONS): FixtureConnection => ({
  name,
  clientId: guid(++appSeq, APP),
  secret: `sandbox-${slug}-${name.toLowerCase()}-secret`,
  secretExpiresInDays: 365,
  isDefault,
  consent: 'granted',
  permissions,
});

export const DEMO_WORKSPACES: FixtureWorkspace[] = [
  {
    slug: 'contoso-msp',
    name: 'Contoso MSP',
    schedules: [{ name: 'Nightly inventory', type: 'inventory.sync', tenants: 'all', cron: '0 2 * * *', timezone: 'UTC' }],
    members: [
      { email: 'owner@contoso.example', displayName: 'Olivia Owner', role: 'owner' },
      { email: 'manager@contoso.example', displayName: 'Mateo Manager', role: 'manager' },
      { email: 'operator@contoso.example', displayName: 'Omar Operator', role: 'operator' },
      { email: 'readonly@contoso.example', displayName: 'Rita Readonly', role: 'readonly' },
    ],
    tenants: [
      {
        slug: 'northwind',
        name: 'Northwind Traders',
        entraTenantId: guid(1, TENANT),
        status: 'active',
        connections: [healthy('Primary', true, 'northwind')],
        restoreRuns: [{ name: 'Baseline device configurations', items: 4 }],
      },
      {
        slug: 'contoso-lab',
        name: 'Contoso Lab',
        entraTenantId: guid(2, TENANT),
        status: 'active',
        // Secondary's secret expires in 12 days: needs attention warns before it blocks anything.
        connections: [healthy('Primary', true, 'contoso-lab'), { ...healthy('Secondary', false, 'contoso-lab'), secretExpiresInDays: 12 }],
      },
      {
        slug: 'alpine',
        name: 'Alpine Ski House',
        entraTenantId: guid(3, TENANT),
        status: 'active',
        connections: [
          healthy(
            'Primary',
            true,
            'alpine',
            ALL_PERMISSIONS.filter((p) => p !== 'Group.Read.All'),
          ),
        ],
      },
      {
        slug: 'woodgrove',
        name: 'Woodgrove Bank',
        entraTenantId: guid(4, TENANT),
        status: 'active',
        connections: [{ ...healthy('Primary', true, 'woodgrove'), consent: 'missing' }],
      },
      {
        slug: 'tailspin',
        name: 'Tailspin Toys',
        entraTenantId: guid(5, TENANT),
        status: 'active',
        connections: [{ ...healthy('Primary', true, 'tailspin'), secretExpiresInDays: -12 }],
      },
      { slug: 'adatum', name: 'Adatum Corporation', entraTenantId: guid(6, TENANT), status: 'active', connections: [] },
      {
        slug: 'litware',
        name: 'Litware Inc.',
        entraTenantId: guid(7, TENANT),
        status: 'suspended',
        connections: [healthy('Primary', true, 'litware')],
      },
    ],
  },
  {
    slug: 'fabrikam-msp',
    name: 'Fabrikam MSP',
    members: [{ email: 'outsider@fabrikam.example', displayName: 'Oscar Outsider', role: 'owner' }],
    tenants: [
      {
        slug: 'fabrikam-retail',
        name: 'Fabrikam Retail',
        entraTenantId: guid(8, TENANT),
        status: 'active',
        connections: [healthy('Primary', true, 'fabrikam-retail')],
      },
    ],
  },
];
