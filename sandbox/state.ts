/**
 * In-memory model of the sandbox cloud: tenants (with generated Intune/Entra content),
 * app registrations per tenant, injected faults and request counters.
 *
 * Faults are consumed per Graph request, app faults before tenant faults, so a test can
 * say "the next 3 calls of this connection are throttled" and observe exactly that.
 * Secrets live only here; every view handed out (control API, snapshots) omits them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AssertionReplayGuard, certificateView, matchesThumbprint, parseCertificate, type CertificateView, type SandboxCertificate } from './certificates.ts';
import type { GraphObject, TenantCounts, TenantData } from './data.ts';
import { AuthorizationCodes, SandboxDirectory } from './directory.ts';
import { DEFAULT_COUNTS, generateTenantData } from './data.ts';

export interface SandboxFaults {
  /** Number of upcoming Graph requests answered 429 before success. */
  throttleNext?: number;
  /** Retry-After sent with injected 429s (omitted when undefined: the client backs off itself). */
  retryAfterSeconds?: number;
  /** Number of upcoming Graph requests answered 503 before success. */
  serverErrorsNext?: number;
  /** Delay before answering each request (token and Graph). */
  latencyMs?: number;
  /** Number of upcoming Graph requests answered 401 (token rejected) before success. */
  unauthorizedNext?: number;
}

export interface SandboxTenant {
  id: string;
  displayName: string;
  defaultDomain: string;
  createdDateTime: string;
  faults: SandboxFaults;
  data: TenantData;
}

export interface SandboxApp {
  tenantId: string;
  clientId: string;
  displayName: string;
  secret: string;
  /** ISO timestamp; null = never expires. */
  secretExpiresAt: string | null;
  appExists: boolean;
  servicePrincipalExists: boolean;
  consentGranted: boolean;
  grantedRoles: string[];
  faults: SandboxFaults;
  /** Bumped by revokeTokens(): tokens carrying an older generation get 401. */
  tokenGeneration: number;
  /** Public certificates uploaded to the app: client assertions signed with their keys authenticate it. */
  certificates: SandboxCertificate[];
  /** Accounts in any organizational directory: other tenants' admins may consent to it (multi-tenant.ts). */
  multiTenant: boolean;
  /**
   * Set on the service principal of another tenant's multi-tenant app, created by this tenant's
   * admin consent: the app's home (publisher) tenant, whose registration holds the credentials.
   */
  homeTenantId: string | null;
  /** Where the sign-in page may send a browser back (authorize.ts); none: loopback URIs only. */
  redirectUris: string[];
}

/** What the control API shows: everything but the secret (certificates without their PEM). */
export type SandboxAppView = Omit<SandboxApp, 'secret' | 'certificates'> & { secretExpired: boolean; certificates: CertificateView[] };

export interface TenantView {
  id: string;
  displayName: string;
  defaultDomain: string;
  createdDateTime: string;
  faults: SandboxFaults;
  counts: TenantCounts;
}

export type FaultAction = { kind: 'none' } | { kind: 'throttle'; retryAfterSeconds?: number } | { kind: 'server_error' } | { kind: 'unauthorized' };

export interface RequestRecord {
  at: string;
  method: string;
  path: string;
  status: number;
}

export class SandboxStateError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'SandboxStateError';
    this.status = status;
  }
}

export interface NewTenantInput {
  id?: string;
  displayName?: string;
  defaultDomain?: string;
  counts?: Partial<TenantCounts>;
}

export type AppInput = Partial<Omit<SandboxApp, 'tenantId' | 'faults' | 'tokenGeneration' | 'certificates'>> & { faults?: SandboxFaults };

const RECENT_LIMIT = 2000;

export function newSecret(): string {
  // Shaped like an Entra secret value (has a "~" and is 40 chars) so format checks pass.
  return `sbx~${randomBytes(27).toString('base64url')}`.slice(0, 40);
}

function appKey(tenantId: string, clientId: string): string {
  return `${tenantId.toLowerCase()}|${clientId.toLowerCase()}`;
}

function nonNegative(n: number | undefined): number {
  return n !== undefined && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

export class SandboxState {
  readonly tenants = new Map<string, SandboxTenant>();
  readonly apps = new Map<string, SandboxApp>();
  /** Latency applied to every request on top of tenant/app latency. */
  globalLatencyMs = 0;
  /** Client-assertion ids already used, across every app (single use, see certificates.ts). */
  readonly assertionReplay = new AssertionReplayGuard();
  /** The people of each tenant, who sign in at the authorize page (directory.ts). */
  readonly directory = new SandboxDirectory();
  /** Authorization codes handed out by sign-ins, each redeemable once. */
  readonly authCodes = new AuthorizationCodes();
  private readonly counterMap = new Map<string, number>();
  private readonly recentLog: RequestRecord[] = [];

  // ---- tenants ----

  addTenant(input: NewTenantInput = {}): SandboxTenant {
    const id = (input.id ?? randomUUID()).toLowerCase();
    if (this.tenants.has(id)) throw new SandboxStateError(409, `tenant ${id} already exists`);
    const short = id.slice(0, 8);
    const defaultDomain = input.defaultDomain ?? `tenant-${short}.onmicrosoft.com`;
    const counts = { ...DEFAULT_COUNTS, ...input.counts };
    const tenant: SandboxTenant = {
      id,
      displayName: input.displayName ?? `Sandbox tenant ${short}`,
      defaultDomain,
      createdDateTime: new Date().toISOString(),
      faults: {},
      data: generateTenantData(id, defaultDomain, counts),
    };
    this.tenants.set(id, tenant);
    return tenant;
  }

  getTenant(id: string): SandboxTenant | undefined {
    return this.tenants.get(id.toLowerCase());
  }

  requireTenant(id: string): SandboxTenant {
    const tenant = this.getTenant(id);
    if (!tenant) throw new SandboxStateError(404, `tenant ${id} not found`);
    return tenant;
  }

  updateTenant(id: string, patch: { displayName?: string }): SandboxTenant {
    const tenant = this.requireTenant(id);
    if (patch.displayName !== undefined) tenant.displayName = patch.displayName;
    return tenant;
  }

  removeTenant(id: string): void {
    const tenant = this.requireTenant(id);
    this.tenants.delete(tenant.id);
    for (const [key, app] of this.apps) if (app.tenantId === tenant.id) this.apps.delete(key);
    this.directory.removeTenant(tenant.id);
  }

  tenantView(tenant: SandboxTenant): TenantView {
    const d = tenant.data;
    return {
      id: tenant.id,
      displayName: tenant.displayName,
      defaultDomain: tenant.defaultDomain,
      createdDateTime: tenant.createdDateTime,
      faults: { ...tenant.faults },
      counts: {
        deviceConfigurations: d.deviceConfigurations.length,
        configurationPolicies: d.configurationPolicies.length,
        deviceCompliancePolicies: d.deviceCompliancePolicies.length,
        managedDevices: d.managedDevices.length,
        groups: d.groups.length,
        roleDefinitions: d.roleDefinitions.length,
      },
    };
  }

  // ---- apps ----

  /** Registers an app in a tenant. The secret is generated when not given and returned once. */
  addApp(tenantId: string, input: AppInput = {}): { app: SandboxApp; secret: string } {
    const tenant = this.requireTenant(tenantId);
    const clientId = (input.clientId ?? randomUUID()).toLowerCase();
    const key = appKey(tenant.id, clientId);
    if (this.apps.has(key)) throw new SandboxStateError(409, `app ${clientId} already exists in tenant ${tenant.id}`);
    const secret = input.secret ?? newSecret();
    const app: SandboxApp = {
      tenantId: tenant.id,
      clientId,
      displayName: input.displayName ?? `opsgate connector ${clientId.slice(0, 8)}`,
      secret,
      secretExpiresAt: input.secretExpiresAt ?? null,
      appExists: input.appExists ?? true,
      servicePrincipalExists: input.servicePrincipalExists ?? true,
      consentGranted: input.consentGranted ?? true,
      grantedRoles: [...(input.grantedRoles ?? [])],
      faults: { ...input.faults },
      tokenGeneration: 0,
      certificates: [],
      multiTenant: input.multiTenant ?? false,
      homeTenantId: input.homeTenantId ?? null,
      redirectUris: [...(input.redirectUris ?? [])],
    };
    this.apps.set(key, app);
    return { app, secret };
  }

  getApp(tenantId: string, clientId: string): SandboxApp | undefined {
    return this.apps.get(appKey(tenantId, clientId));
  }

  requireApp(tenantId: string, clientId: string): SandboxApp {
    const app = this.getApp(tenantId, clientId);
    if (!app) throw new SandboxStateError(404, `app ${clientId} not found in tenant ${tenantId}`);
    return app;
  }

  updateApp(tenantId: string, clientId: string, patch: AppInput): SandboxApp {
    const app = this.requireApp(tenantId, clientId);
    if (patch.displayName !== undefined) app.displayName = patch.displayName;
    if (patch.secret !== undefined) app.secret = patch.secret;
    if (patch.secretExpiresAt !== undefined) app.secretExpiresAt = patch.secretExpiresAt;
    if (patch.appExists !== undefined) app.appExists = patch.appExists;
    if (patch.servicePrincipalExists !== undefined) app.servicePrincipalExists = patch.servicePrincipalExists;
    if (patch.consentGranted !== undefined) app.consentGranted = patch.consentGranted;
    if (patch.grantedRoles !== undefined) app.grantedRoles = [...patch.grantedRoles];
    if (patch.faults !== undefined) app.faults = { ...patch.faults };
    if (patch.multiTenant !== undefined) app.multiTenant = patch.multiTenant;
    if (patch.redirectUris !== undefined) app.redirectUris = [...patch.redirectUris];
    return app;
  }

  removeApp(tenantId: string, clientId: string): void {
    this.requireApp(tenantId, clientId);
    this.apps.delete(appKey(tenantId, clientId));
  }

  /** Invalidates every token already issued to the app (Graph answers 401 to them). */
  revokeTokens(tenantId: string, clientId: string): SandboxApp {
    const app = this.requireApp(tenantId, clientId);
    app.tokenGeneration++;
    return app;
  }

  listApps(tenantId?: string): SandboxApp[] {
    return [...this.apps.values()].filter((a) => tenantId === undefined || a.tenantId === tenantId.toLowerCase());
  }

  appView(app: SandboxApp, now: number = Date.now()): SandboxAppView {
    const { secret: _secret, certificates, ...rest } = app;
    return {
      ...rest,
      grantedRoles: [...app.grantedRoles],
      redirectUris: [...app.redirectUris],
      faults: { ...app.faults },
      secretExpired: isSecretExpired(app, now),
      certificates: certificates.map((c) => certificateView(c, now)),
    };
  }

  /** Uploads a public certificate (PEM) to an app, as in the portal's "Certificates & secrets". */
  addCertificate(tenantId: string, clientId: string, pem: string): CertificateView {
    const app = this.requireApp(tenantId, clientId);
    const cert = parseCertificate(pem);
    if (!cert) throw new SandboxStateError(400, 'pem: not a PEM-encoded X.509 certificate with an RSA key');
    if (app.certificates.some((c) => c.thumbprintSha256 === cert.thumbprintSha256)) {
      throw new SandboxStateError(409, `certificate ${cert.thumbprint} is already uploaded to app ${app.clientId}`);
    }
    app.certificates.push(cert);
    return certificateView(cert);
  }

  removeCertificate(tenantId: string, clientId: string, thumbprint: string): void {
    const app = this.requireApp(tenantId, clientId);
    const index = app.certificates.findIndex((c) => matchesThumbprint(c, thumbprint));
    if (index < 0) throw new SandboxStateError(404, `certificate ${thumbprint} not found on app ${app.clientId}`);
    app.certificates.splice(index, 1);
  }

  // ---- faults ----

  setTenantFaults(tenantId: string, faults: SandboxFaults): SandboxFaults {
    const tenant = this.requireTenant(tenantId);
    tenant.faults = { ...faults };
    return tenant.faults;
  }

  setAppFaults(tenantId: string, clientId: string, faults: SandboxFaults): SandboxFaults {
    const app = this.requireApp(tenantId, clientId);
    app.faults = { ...faults };
    return app.faults;
  }

  /** Latency to apply to a request from this tenant/app (largest configured wins). */
  latencyFor(tenantId?: string, clientId?: string): number {
    const tenant = tenantId ? this.getTenant(tenantId) : undefined;
    const app = tenantId && clientId ? this.getApp(tenantId, clientId) : undefined;
    return Math.max(nonNegative(this.globalLatencyMs), nonNegative(tenant?.faults.latencyMs), nonNegative(app?.faults.latencyMs));
  }

  /** Consumes one injected failure for a Graph request, app faults first. */
  takeFault(tenantId: string, clientId: string): FaultAction {
    const scopes = [this.getApp(tenantId, clientId)?.faults, this.getTenant(tenantId)?.faults];
    for (const faults of scopes) {
      if (!faults) continue;
      if (nonNegative(faults.unauthorizedNext) > 0) {
        faults.unauthorizedNext = nonNegative(faults.unauthorizedNext) - 1;
        return { kind: 'unauthorized' };
      }
      if (nonNegative(faults.throttleNext) > 0) {
        faults.throttleNext = nonNegative(faults.throttleNext) - 1;
        return faults.retryAfterSeconds === undefined ? { kind: 'throttle' } : { kind: 'throttle', retryAfterSeconds: faults.retryAfterSeconds };
      }
      if (nonNegative(faults.serverErrorsNext) > 0) {
        faults.serverErrorsNext = nonNegative(faults.serverErrorsNext) - 1;
        return { kind: 'server_error' };
      }
    }
    return { kind: 'none' };
  }

  // ---- counters ----

  /** Counts a request on arrival; the returned record gets its status when answered (0 until then). */
  record(method: string, path: string): RequestRecord {
    const key = `${method} ${path}`;
    this.counterMap.set(key, (this.counterMap.get(key) ?? 0) + 1);
    const entry: RequestRecord = { at: new Date().toISOString(), method, path, status: 0 };
    this.recentLog.push(entry);
    if (this.recentLog.length > RECENT_LIMIT) this.recentLog.splice(0, this.recentLog.length - RECENT_LIMIT);
    return entry;
  }

  /** Requests seen, keyed "METHOD /path" (query strings excluded). */
  counters(): Record<string, number> {
    return Object.fromEntries(this.counterMap);
  }

  count(method: string, path: string): number {
    return this.counterMap.get(`${method} ${path}`) ?? 0;
  }

  /** Sum over all paths matching a predicate, e.g. every discovery-style GET. */
  countWhere(predicate: (method: string, path: string) => boolean): number {
    let total = 0;
    for (const [key, n] of this.counterMap) {
      const space = key.indexOf(' ');
      if (predicate(key.slice(0, space), key.slice(space + 1))) total += n;
    }
    return total;
  }

  recent(): RequestRecord[] {
    return this.recentLog.map((r) => ({ ...r }));
  }

  resetCounters(): void {
    this.counterMap.clear();
    this.recentLog.length = 0;
  }

  // ---- restore writes ----

  createDeviceConfiguration(tenantId: string, body: Record<string, unknown>): GraphObject {
    const tenant = this.requireTenant(tenantId);
    const now = new Date().toISOString();
    const created: GraphObject = { ...body, id: randomUUID(), version: 1, createdDateTime: now, lastModifiedDateTime: now };
    tenant.data.deviceConfigurations.push(created);
    return created;
  }

  patchDeviceConfiguration(tenantId: string, id: string, body: Record<string, unknown>): GraphObject | undefined {
    const tenant = this.requireTenant(tenantId);
    const existing = tenant.data.deviceConfigurations.find((c) => c.id === id);
    if (!existing) return undefined;
    // id, type and timestamps are server-owned; the rest is replaced field by field.
    const { id: _id, '@odata.type': _type, createdDateTime: _c, lastModifiedDateTime: _m, version: _v, ...fields } = body;
    Object.assign(existing, fields, {
      version: (typeof existing.version === 'number' ? existing.version : 0) + 1,
      lastModifiedDateTime: new Date().toISOString(),
    });
    return existing;
  }

  assignDeviceConfiguration(tenantId: string, id: string, assignments: GraphObject[]): GraphObject[] | undefined {
    const tenant = this.requireTenant(tenantId);
    if (!tenant.data.deviceConfigurations.some((c) => c.id === id)) return undefined;
    tenant.data.assignments.set(id, assignments);
    return assignments;
  }
}

export function isSecretExpired(app: SandboxApp, now: number = Date.now()): boolean {
  if (app.secretExpiresAt === null) return false;
  const at = Date.parse(app.secretExpiresAt);
  return !Number.isNaN(at) && at <= now;
}
