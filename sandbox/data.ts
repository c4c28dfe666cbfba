/**
 * Deterministic tenant content for the sandbox: the same tenant id always yields the
 * same objects (seeded PRNG), so tests and demos can assert on exact counts and names,
 * and every collection is large enough to need several Graph pages.
 */

export interface TenantCounts {
  deviceConfigurations: number;
  configurationPolicies: number;
  deviceCompliancePolicies: number;
  managedDevices: number;
  groups: number;
  roleDefinitions: number;
}

export const DEFAULT_COUNTS: TenantCounts = {
  deviceConfigurations: 250,
  configurationPolicies: 120,
  deviceCompliancePolicies: 80,
  managedDevices: 300,
  groups: 180,
  roleDefinitions: 60,
};

export type GraphObject = { id: string } & Record<string, unknown>;

export interface TenantData {
  deviceConfigurations: GraphObject[];
  configurationPolicies: GraphObject[];
  deviceCompliancePolicies: GraphObject[];
  managedDevices: GraphObject[];
  groups: GraphObject[];
  roleDefinitions: GraphObject[];
  /** deviceConfiguration id -> its assignments (written by /assign). */
  assignments: Map<string, GraphObject[]>;
}

export type Rng = () => number;

/** FNV-1a over the seed, then mulberry32: tiny, fast, good enough for fixtures. */
export function createRng(seed: string): Rng {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  let state = h >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function rngGuid(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rng() * 16).toString(16)).join('');
  // Version 4 / variant bits, so the ids look like what Graph returns.
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick from empty list');
  return item;
}

const EPOCH = Date.UTC(2024, 0, 1);
const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

function rngDate(rng: Rng, afterMs = EPOCH): string {
  return new Date(afterMs + Math.floor(rng() * YEAR_MS)).toISOString();
}

const CONFIG_TYPES = [
  ['#microsoft.graph.windows10GeneralConfiguration', 'Windows 10 general'],
  ['#microsoft.graph.windows10EndpointProtectionConfiguration', 'Endpoint protection'],
  ['#microsoft.graph.iosGeneralDeviceConfiguration', 'iOS restrictions'],
  ['#microsoft.graph.macOSGeneralDeviceConfiguration', 'macOS restrictions'],
  ['#microsoft.graph.androidWorkProfileGeneralDeviceConfiguration', 'Android work profile'],
] as const;

const COMPLIANCE_TYPES = [
  ['#microsoft.graph.windows10CompliancePolicy', 'Windows compliance'],
  ['#microsoft.graph.iosCompliancePolicy', 'iOS compliance'],
  ['#microsoft.graph.macOSCompliancePolicy', 'macOS compliance'],
  ['#microsoft.graph.androidWorkProfileCompliancePolicy', 'Android compliance'],
] as const;

const DEVICE_OS = [
  ['Windows', '10.0.22631.3880', 'Dell Inc.', 'Latitude 7440'],
  ['Windows', '10.0.19045.4651', 'Lenovo', 'ThinkPad T14'],
  ['iOS', '17.5.1', 'Apple', 'iPhone 15'],
  ['macOS', '14.5', 'Apple', 'MacBook Air'],
  ['Android', '14', 'Samsung', 'Galaxy S23'],
] as const;

// Weighted so a snapshot looks like a real fleet: mostly compliant.
const COMPLIANCE_STATES = [
  'compliant',
  'compliant',
  'compliant',
  'compliant',
  'compliant',
  'noncompliant',
  'noncompliant',
  'inGracePeriod',
  'unknown',
] as const;

const BUILT_IN_ROLES = [
  'Global Administrator',
  'Global Reader',
  'Intune Administrator',
  'User Administrator',
  'Groups Administrator',
  'Security Administrator',
  'Security Reader',
  'Helpdesk Administrator',
  'Application Administrator',
  'Cloud Application Administrator',
  'Privileged Role Administrator',
  'Exchange Administrator',
  'SharePoint Administrator',
  'Teams Administrator',
  'Compliance Administrator',
  'Billing Administrator',
  'Reports Reader',
  'Authentication Administrator',
  'Conditional Access Administrator',
  'License Administrator',
] as const;

const GROUP_TOPICS = ['Sales', 'Finance', 'Engineering', 'Support', 'Marketing', 'HR', 'Legal', 'Operations', 'Pilot', 'Kiosk'] as const;

export function generateTenantData(tenantId: string, domain: string, counts: TenantCounts = DEFAULT_COUNTS): TenantData {
  // Separate streams per collection: changing one count does not reshuffle the others.
  const stream = (name: string): Rng => createRng(`${tenantId.toLowerCase()}:${name}`);

  let rng = stream('groups');
  const groups: GraphObject[] = [];
  for (let i = 1; i <= counts.groups; i++) {
    const topic = pick(rng, GROUP_TOPICS);
    const unified = rng() < 0.3;
    groups.push({
      id: rngGuid(rng),
      displayName: `${topic} ${unified ? 'Team' : 'Devices'} ${String(i).padStart(3, '0')}`,
      description: `${topic} group generated by the sandbox`,
      mailNickname: `${topic.toLowerCase()}-${i}`,
      mailEnabled: unified,
      securityEnabled: !unified,
      groupTypes: unified ? ['Unified'] : [],
      createdDateTime: rngDate(rng),
    });
  }

  rng = stream('deviceConfigurations');
  const deviceConfigurations: GraphObject[] = [];
  const assignments = new Map<string, GraphObject[]>();
  for (let i = 1; i <= counts.deviceConfigurations; i++) {
    const [odataType, label] = pick(rng, CONFIG_TYPES);
    const created = rngDate(rng);
    const id = rngGuid(rng);
    deviceConfigurations.push({
      '@odata.type': odataType,
      id,
      displayName: `${label} ${String(i).padStart(3, '0')}`,
      description: `Baseline ${label.toLowerCase()} profile`,
      version: 1 + Math.floor(rng() * 5),
      createdDateTime: created,
      lastModifiedDateTime: rngDate(rng, Date.parse(created)),
      roleScopeTagIds: ['0'],
      passwordRequired: rng() < 0.8,
      passwordMinimumLength: 6 + Math.floor(rng() * 8),
    });
    const group = groups.length > 0 && rng() < 0.5 ? pick(rng, groups) : undefined;
    if (group) {
      assignments.set(id, [{ id: `${id}_${group.id}`, target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: group.id } }]);
    }
  }

  rng = stream('configurationPolicies');
  const configurationPolicies: GraphObject[] = [];
  for (let i = 1; i <= counts.configurationPolicies; i++) {
    const platform = pick(rng, ['windows10', 'macOS', 'iOS'] as const);
    const created = rngDate(rng);
    configurationPolicies.push({
      id: rngGuid(rng),
      name: `Settings catalog ${platform} ${String(i).padStart(3, '0')}`,
      description: '',
      platforms: platform,
      technologies: 'mdm',
      settingCount: 1 + Math.floor(rng() * 40),
      createdDateTime: created,
      lastModifiedDateTime: rngDate(rng, Date.parse(created)),
      roleScopeTagIds: ['0'],
    });
  }

  rng = stream('deviceCompliancePolicies');
  const deviceCompliancePolicies: GraphObject[] = [];
  for (let i = 1; i <= counts.deviceCompliancePolicies; i++) {
    const [odataType, label] = pick(rng, COMPLIANCE_TYPES);
    const created = rngDate(rng);
    deviceCompliancePolicies.push({
      '@odata.type': odataType,
      id: rngGuid(rng),
      displayName: `${label} ${String(i).padStart(3, '0')}`,
      description: '',
      version: 1 + Math.floor(rng() * 3),
      createdDateTime: created,
      lastModifiedDateTime: rngDate(rng, Date.parse(created)),
    });
  }

  rng = stream('managedDevices');
  const managedDevices: GraphObject[] = [];
  for (let i = 1; i <= counts.managedDevices; i++) {
    const [os, osVersion, manufacturer, model] = pick(rng, DEVICE_OS);
    managedDevices.push({
      id: rngGuid(rng),
      deviceName: `${os.slice(0, 3).toUpperCase()}-${String(i).padStart(4, '0')}`,
      operatingSystem: os,
      osVersion,
      manufacturer,
      model,
      complianceState: pick(rng, COMPLIANCE_STATES),
      managementAgent: 'mdm',
      userPrincipalName: `user${String(1 + Math.floor(rng() * 250)).padStart(3, '0')}@${domain}`,
      serialNumber: Math.floor(rng() * 1e10)
        .toString(36)
        .toUpperCase(),
      enrolledDateTime: rngDate(rng),
      lastSyncDateTime: rngDate(rng, EPOCH + YEAR_MS),
    });
  }

  rng = stream('roleDefinitions');
  const roleDefinitions: GraphObject[] = [];
  for (let i = 0; i < counts.roleDefinitions; i++) {
    const builtIn = BUILT_IN_ROLES[i];
    const id = rngGuid(rng);
    roleDefinitions.push({
      id,
      displayName: builtIn ?? `Custom role ${String(i + 1).padStart(3, '0')}`,
      description: builtIn ? `Built-in role: ${builtIn}` : 'Custom directory role',
      isBuiltIn: builtIn !== undefined,
      isEnabled: true,
      templateId: id,
      version: '1',
      rolePermissions: [
        { allowedResourceActions: [`microsoft.directory/${pick(rng, ['users', 'groups', 'devices', 'applications'] as const)}/standard/read`] },
      ],
    });
  }

  return { deviceConfigurations, configurationPolicies, deviceCompliancePolicies, managedDevices, groups, roleDefinitions, assignments };
}

/** Intune's tenant-wide compliance summary, derived from the devices' states. */
export function complianceSummary(devices: readonly GraphObject[]): GraphObject {
  const count = (state: string): number => devices.filter((d) => d.complianceState === state).length;
  return {
    id: 'deviceCompliancePolicyDeviceStateSummary',
    compliantDeviceCount: count('compliant'),
    nonCompliantDeviceCount: count('noncompliant'),
    inGracePeriodCount: count('inGracePeriod'),
    unknownDeviceCount: count('unknown'),
    notApplicableDeviceCount: 0,
    remediatedDeviceCount: 0,
    errorDeviceCount: count('error'),
    conflictDeviceCount: count('conflict'),
    configManagerCount: 0,
  };
}
