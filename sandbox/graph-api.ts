/**
 * The Microsoft Graph half of the sandbox: bearer validation, injected faults, role
 * enforcement with Graph's 403 shape, server-driven paging and the restore writes.
 *
 * Roles are enforced from the token (as Graph does): revoking a grant in the sandbox
 * affects new tokens only, unless the app's tokens are revoked too.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxTokenClaims, TokenSigner } from './jwt.ts';
import type { GraphObject, TenantData } from './data.ts';
import { complianceSummary } from './data.ts';
import { graphError, readBody, sendJson, sleep } from './http-util.ts';
import type { SandboxState, SandboxTenant } from './state.ts';
import { assertNever, hasPermission } from '../src/provider/types.ts';

export interface GraphContext {
  state: SandboxState;
  signer: TokenSigner;
  baseUrl: string;
}

const READ_CONFIG = ['DeviceManagementConfiguration.Read.All'];
const WRITE_CONFIG = ['DeviceManagementConfiguration.ReadWrite.All'];
const READ_DEVICES = ['DeviceManagementManagedDevices.Read.All'];
// Graph accepts any of these; the 403 names the first (least privileged).
const READ_GROUPS = ['Group.Read.All', 'Directory.Read.All'];
const READ_ROLES = ['RoleManagement.Read.Directory', 'Directory.Read.All'];

type CollectionName = Exclude<keyof TenantData, 'assignments'>;

interface Call {
  state: SandboxState;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  tenant: SandboxTenant;
  claims: SandboxTokenClaims;
  params: string[];
}

interface Route {
  method: 'GET' | 'POST' | 'PATCH';
  pattern: RegExp;
  /** Any one of these roles suffices; undefined = any valid token. */
  anyOf?: readonly string[];
  handle: (call: Call) => Promise<void> | void;
}

const V = String.raw`^/(?:v1\.0|beta)`;
const ID = String.raw`([^/]+)`;

function collection(name: CollectionName, odataPath: string, anyOf: readonly string[], version = V): Route {
  return {
    method: 'GET',
    pattern: new RegExp(`${version}/${odataPath.replace(/\//g, '\\/')}$`),
    anyOf,
    handle: (call) => sendPage(call, call.tenant.data[name], odataPath),
  };
}

const ROUTES: Route[] = [
  {
    method: 'GET',
    pattern: new RegExp(`${V}/organization$`),
    handle: (call) => sendJson(call.res, 200, { '@odata.context': `${callBase(call)}/$metadata#organization`, value: [organization(call.tenant)] }),
  },
  {
    method: 'GET',
    pattern: new RegExp(`${V}/organization/${ID}$`),
    handle: (call) =>
      call.params[0]?.toLowerCase() === call.tenant.id
        ? sendJson(call.res, 200, organization(call.tenant))
        : notFound(call, `Resource '${call.params[0] ?? ''}' does not exist or one of its queried reference-property objects are not present.`),
  },
  collection('deviceConfigurations', 'deviceManagement/deviceConfigurations', READ_CONFIG),
  {
    method: 'GET',
    pattern: new RegExp(`${V}/deviceManagement/deviceConfigurations/${ID}$`),
    anyOf: READ_CONFIG,
    handle: (call) => {
      const config = call.tenant.data.deviceConfigurations.find((c) => c.id === call.params[0]);
      if (!config) return notFound(call, `Resource not found: deviceConfiguration ${call.params[0] ?? ''}`);
      sendJson(call.res, 200, withExpand(call, config));
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`${V}/deviceManagement/deviceConfigurations/${ID}/assignments$`),
    anyOf: READ_CONFIG,
    handle: (call) => {
      const id = call.params[0] ?? '';
      if (!call.tenant.data.deviceConfigurations.some((c) => c.id === id)) return notFound(call, `Resource not found: deviceConfiguration ${id}`);
      sendJson(call.res, 200, { value: call.tenant.data.assignments.get(id) ?? [] });
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${V}/deviceManagement/deviceConfigurations$`),
    anyOf: WRITE_CONFIG,
    handle: async (call) => {
      const body = await jsonBody(call);
      if (!body) return;
      if (typeof body['@odata.type'] !== 'string' || typeof body.displayName !== 'string') {
        return badRequest(call, "A deviceConfiguration requires '@odata.type' and 'displayName'.");
      }
      sendJson(call.res, 201, call.state.createDeviceConfiguration(call.tenant.id, body));
    },
  },
  {
    method: 'PATCH',
    pattern: new RegExp(`${V}/deviceManagement/deviceConfigurations/${ID}$`),
    anyOf: WRITE_CONFIG,
    handle: async (call) => {
      const body = await jsonBody(call);
      if (!body) return;
      const updated = call.state.patchDeviceConfiguration(call.tenant.id, call.params[0] ?? '', body);
      if (!updated) return notFound(call, `Resource not found: deviceConfiguration ${call.params[0] ?? ''}`);
      sendJson(call.res, 200, updated);
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${V}/deviceManagement/deviceConfigurations/${ID}/assign$`),
    anyOf: WRITE_CONFIG,
    handle: async (call) => {
      const body = await jsonBody(call);
      if (!body) return;
      const raw = body.assignments;
      if (!Array.isArray(raw) || raw.some((a) => typeof a !== 'object' || a === null)) {
        return badRequest(call, "The 'assignments' parameter must be an array of deviceConfigurationAssignment.");
      }
      const id = call.params[0] ?? '';
      // An assignment id is of its configuration ({configurationId}_{target}): one naming another
      // configuration (a captured id re-posted onto a re-created one) is refused, not stored.
      const foreign = (raw as Record<string, unknown>[]).find((a) => a.id !== undefined && (typeof a.id !== 'string' || !a.id.startsWith(`${id}_`)));
      if (foreign) return badRequest(call, `The assignment id '${String(foreign.id)}' does not belong to deviceConfiguration ${id}.`);
      const assignments = (raw as Record<string, unknown>[]).map((a, i): GraphObject => ({ ...a, id: typeof a.id === 'string' ? a.id : `${id}_${i}` }));
      const stored = call.state.assignDeviceConfiguration(call.tenant.id, id, assignments);
      if (!stored) return notFound(call, `Resource not found: deviceConfiguration ${id}`);
      sendJson(call.res, 200, { value: stored });
    },
  },
  collection('configurationPolicies', 'deviceManagement/configurationPolicies', READ_CONFIG, String.raw`^/beta`),
  collection('deviceCompliancePolicies', 'deviceManagement/deviceCompliancePolicies', READ_CONFIG),
  collection('managedDevices', 'deviceManagement/managedDevices', READ_DEVICES),
  {
    method: 'GET',
    pattern: new RegExp(`${V}/deviceManagement/deviceCompliancePolicyDeviceStateSummary$`),
    anyOf: READ_CONFIG,
    handle: (call) => sendJson(call.res, 200, complianceSummary(call.tenant.data.managedDevices)),
  },
  collection('groups', 'groups', READ_GROUPS),
  collection('roleDefinitions', 'roleManagement/directory/roleDefinitions', READ_ROLES),
];

function callBase(call: Call): string {
  return `${call.url.origin}${call.url.pathname.startsWith('/beta') ? '/beta' : '/v1.0'}`;
}

function organization(tenant: SandboxTenant): GraphObject {
  return {
    id: tenant.id,
    displayName: tenant.displayName,
    tenantType: 'AAD',
    countryLetterCode: 'DE',
    createdDateTime: tenant.createdDateTime,
    verifiedDomains: [{ name: tenant.defaultDomain, isDefault: true, isInitial: true, type: 'Managed', capabilities: 'Email, OfficeCommunicationsOnline' }],
  };
}

function clientRequestId(call: Call): string | undefined {
  const v = call.req.headers['client-request-id'];
  return typeof v === 'string' ? v : undefined;
}

function notFound(call: Call, message: string): void {
  sendJson(call.res, 404, graphError('ResourceNotFound', message, clientRequestId(call)));
}

function badRequest(call: Call, message: string): void {
  sendJson(call.res, 400, graphError('BadRequest', message, clientRequestId(call)));
}

async function jsonBody(call: Call): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readBody(call.req));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  badRequest(call, 'Invalid JSON body.');
  return undefined;
}

function withExpand(call: Call, item: GraphObject): GraphObject {
  const expand = call.url.searchParams.get('$expand') ?? '';
  return /\bassignments\b/.test(expand) ? { ...item, assignments: call.tenant.data.assignments.get(item.id) ?? [] } : item;
}

function project(call: Call, item: GraphObject): GraphObject {
  const select = call.url.searchParams.get('$select');
  const expanded = withExpand(call, item);
  if (!select) return expanded;
  const fields = new Set(['id', '@odata.type', 'assignments', ...select.split(',').map((f) => f.trim())]);
  return Object.fromEntries(Object.entries(expanded).filter(([k]) => fields.has(k))) as GraphObject;
}

const DEFAULT_PAGE = 100;
const MAX_PAGE = 999;

/** Opaque to clients, like Graph's: base64url of the next offset. */
function encodeSkipToken(offset: number): string {
  return Buffer.from(`sbx:${offset}`).toString('base64url');
}

function decodeSkipToken(token: string): number | undefined {
  const m = /^sbx:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}

function sendPage(call: Call, items: readonly GraphObject[], odataPath: string): void {
  const q = call.url.searchParams;
  for (const unsupported of ['$filter', '$search', '$orderby']) {
    if (q.has(unsupported)) return badRequest(call, `The sandbox does not implement ${unsupported}.`);
  }
  const topRaw = q.get('$top');
  const top = topRaw === null ? DEFAULT_PAGE : Math.min(MAX_PAGE, Math.max(1, Number.parseInt(topRaw, 10) || DEFAULT_PAGE));
  const skipRaw = q.get('$skiptoken');
  const offset = skipRaw === null ? 0 : decodeSkipToken(skipRaw);
  if (offset === undefined) return badRequest(call, 'Invalid $skiptoken.');
  const slice = items.slice(offset, offset + top).map((item) => project(call, item));
  const body: Record<string, unknown> = { '@odata.context': `${callBase(call)}/$metadata#${odataPath}`, value: slice };
  if (offset + top < items.length) {
    // Absolute link carrying every query option but the skiptoken, as Graph does.
    const keep = [...q.entries()].filter(([k]) => k !== '$skiptoken' && k !== '$top');
    const parts = [`$top=${top}`, ...keep.map(([k, v]) => `${k}=${encodeURIComponent(v)}`), `$skiptoken=${encodeSkipToken(offset + top)}`];
    body['@odata.nextLink'] = `${call.url.origin}${call.url.pathname}?${parts.join('&')}`;
  }
  sendJson(call.res, 200, body);
}

function unauthorized(res: ServerResponse, message: string): void {
  sendJson(res, 401, graphError('InvalidAuthenticationToken', message), {
    'www-authenticate':
      'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
  });
}

const UNAUTHORIZED_REASONS = {
  malformed: 'IDX14100: JWT is not well formed.',
  bad_signature: 'Access token validation failure. Invalid signature.',
  expired: 'Lifetime validation failed, the token is expired.',
  wrong_audience: 'Access token validation failure. Invalid audience.',
} as const;

export async function handleGraph(ctx: GraphContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const auth = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
  if (!bearer) {
    await sleep(ctx.state.latencyFor());
    return unauthorized(res, 'Access token is empty.');
  }
  const verified = ctx.signer.verify(bearer, ctx.baseUrl);
  if (!verified.ok) {
    await sleep(ctx.state.latencyFor());
    return unauthorized(res, UNAUTHORIZED_REASONS[verified.reason]);
  }
  const { claims } = verified;
  await sleep(ctx.state.latencyFor(claims.tid, claims.appid));

  const tenant = ctx.state.getTenant(claims.tid);
  const app = ctx.state.getApp(claims.tid, claims.appid);
  if (!tenant) return unauthorized(res, 'Access token validation failure. Tenant does not exist.');
  if (app && claims.sbx_gen !== app.tokenGeneration) return unauthorized(res, 'Continuous access evaluation resulted in challenge: token revoked.');

  const fault = ctx.state.takeFault(tenant.id, claims.appid);
  switch (fault.kind) {
    case 'none':
      break;
    case 'unauthorized':
      return unauthorized(res, 'Access token validation failure (injected by sandbox).');
    case 'throttle':
      return sendJson(
        res,
        429,
        graphError('TooManyRequests', 'Too many requests, please retry later (injected by sandbox).'),
        fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
      );
    case 'server_error':
      return sendJson(res, 503, graphError('ServiceUnavailable', 'The service is temporarily unavailable (injected by sandbox).'));
    default:
      return assertNever(fault, 'fault');
  }

  const method = req.method ?? 'GET';
  let methodMismatch = false;
  for (const route of ROUTES) {
    const match = route.pattern.exec(url.pathname);
    if (!match) continue;
    if (route.method !== method) {
      methodMismatch = true;
      continue;
    }
    const roles = claims.roles ?? [];
    if (route.anyOf && !route.anyOf.some((role) => hasPermission(roles, role))) {
      return sendJson(
        res,
        403,
        graphError('Authorization_RequestDenied', `Insufficient privileges to complete the operation. Missing role(s): ${route.anyOf[0] ?? ''}`),
      );
    }
    const params = match.slice(1).map((p) => decodeURIComponent(p));
    return route.handle({ state: ctx.state, req, res, url, tenant, claims, params });
  }
  if (methodMismatch) return sendJson(res, 405, graphError('MethodNotAllowed', `${method} is not supported on ${url.pathname}.`));
  return sendJson(res, 400, graphError('BadRequest', `Resource not found for the segment '${url.pathname.split('/').pop() ?? ''}'.`));
}
