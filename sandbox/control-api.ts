/**
 * JSON control API under /_sandbox/... so the demo, the CLI and other processes can
 * shape the cloud at runtime (tenants, apps, grants, faults) and read request counters.
 *
 * Unauthenticated on purpose: the sandbox binds to loopback and holds only fixtures.
 * App secrets are accepted and, when generated, returned once at creation; no read
 * endpoint ever returns them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { DirectoryError } from './directory.ts';
import { readBody, sendEmpty, sendJson } from './http-util.ts';
import { consentInTenant, multiTenantHomeApp } from './multi-tenant.ts';
import type { SandboxState } from './state.ts';
import { SandboxStateError } from './state.ts';

const count = z.number().int().min(0).max(100_000);

const faultsSchema = z
  .object({
    throttleNext: count.optional(),
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
    serverErrorsNext: count.optional(),
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    unauthorizedNext: count.optional(),
  })
  .strict();

const tenantCreateSchema = z
  .object({
    id: z
      .string()
      .regex(/^[0-9a-fA-F-]{36}$/, 'tenant id must be a GUID')
      .optional(),
    displayName: z.string().min(1).max(256).optional(),
    defaultDomain: z.string().min(3).max(253).optional(),
    counts: z
      .object({
        deviceConfigurations: count.optional(),
        configurationPolicies: count.optional(),
        deviceCompliancePolicies: count.optional(),
        managedDevices: count.optional(),
        groups: count.optional(),
        roleDefinitions: count.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const tenantPatchSchema = z.object({ displayName: z.string().min(1).max(256).optional() }).strict();

const appFields = {
  displayName: z.string().min(1).max(256).optional(),
  secret: z.string().min(1).max(512).optional(),
  secretExpiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  appExists: z.boolean().optional(),
  servicePrincipalExists: z.boolean().optional(),
  consentGranted: z.boolean().optional(),
  grantedRoles: z.array(z.string().min(1).max(200)).max(200).optional(),
  faults: faultsSchema.optional(),
  multiTenant: z.boolean().optional(),
  redirectUris: z
    .array(z.url({ protocol: /^https?$/ }).max(2000))
    .max(50)
    .optional(),
};
const appCreateSchema = z.object({ clientId: z.string().min(1).max(100).optional(), ...appFields }).strict();
const appPatchSchema = z.object(appFields).strict();
const latencySchema = z.object({ latencyMs: z.number().int().min(0).max(120_000) }).strict();
const certificateSchema = z.object({ pem: z.string().min(1).max(20_000) }).strict();
const servicePrincipalSchema = z
  .object({
    clientId: z.string().min(1).max(100),
    consentGranted: z.boolean().optional(),
    grantedRoles: z.array(z.string().min(1).max(200)).max(200).optional(),
  })
  .strict();
const userFields = {
  userPrincipalName: z.email().max(320),
  mail: z.email().max(320).nullable().optional(),
  displayName: z.string().min(1).max(256).optional(),
  password: z.string().min(1).max(256).optional(),
  accountEnabled: z.boolean().optional(),
  userType: z.enum(['Member', 'Guest']).optional(),
};
const userCreateSchema = z
  .object({
    id: z
      .string()
      .regex(/^[0-9a-fA-F-]{36}$/, 'user id must be a GUID')
      .optional(),
    ...userFields,
  })
  .strict();
const userPatchSchema = z.object({ ...userFields, userPrincipalName: userFields.userPrincipalName.optional() }).strict();

class BadRequest extends Error {}

async function parse<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const text = await readBody(req);
  let json: unknown = {};
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      throw new BadRequest('body is not valid JSON');
    }
  }
  const result = schema.safeParse(json);
  // prettifyError reports paths and expectations, never the submitted values.
  if (!result.success) throw new BadRequest(z.prettifyError(result.error));
  return result.data;
}

type Handler = (state: SandboxState, req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void> | void;

const T = '([^/]+)';
const routes: Array<{ method: string; pattern: RegExp; handle: Handler }> = [];
function route(method: string, path: string, handle: Handler): void {
  routes.push({ method, pattern: new RegExp(`^/_sandbox${path}$`), handle });
}

route('GET', '/health', (_s, _q, res) => sendJson(res, 200, { ok: true }));
route('GET', '/state', (s, _q, res) =>
  sendJson(res, 200, {
    globalLatencyMs: s.globalLatencyMs,
    tenants: [...s.tenants.values()].map((t) => s.tenantView(t)),
    apps: s.listApps().map((a) => s.appView(a)),
  }),
);
route('PUT', '/latency', async (s, req, res) => {
  s.globalLatencyMs = (await parse(req, latencySchema)).latencyMs;
  sendJson(res, 200, { latencyMs: s.globalLatencyMs });
});

route('GET', '/tenants', (s, _q, res) =>
  sendJson(
    res,
    200,
    [...s.tenants.values()].map((t) => s.tenantView(t)),
  ),
);
route('POST', '/tenants', async (s, req, res) => sendJson(res, 201, s.tenantView(s.addTenant(await parse(req, tenantCreateSchema)))));
route('GET', `/tenants/${T}`, (s, _q, res, [tid = '']) => sendJson(res, 200, s.tenantView(s.requireTenant(tid))));
route('PATCH', `/tenants/${T}`, async (s, req, res, [tid = '']) => sendJson(res, 200, s.tenantView(s.updateTenant(tid, await parse(req, tenantPatchSchema)))));
route('DELETE', `/tenants/${T}`, (s, _q, res, [tid = '']) => {
  s.removeTenant(tid);
  sendEmpty(res, 204);
});
route('GET', `/tenants/${T}/faults`, (s, _q, res, [tid = '']) => sendJson(res, 200, s.requireTenant(tid).faults));
route('PUT', `/tenants/${T}/faults`, async (s, req, res, [tid = '']) => sendJson(res, 200, s.setTenantFaults(tid, await parse(req, faultsSchema))));
route('GET', `/tenants/${T}/device-configurations/${T}`, (s, _q, res, [tid = '', id = '']) => {
  const tenant = s.requireTenant(tid);
  const config = tenant.data.deviceConfigurations.find((c) => c.id === id);
  if (!config) throw new SandboxStateError(404, `deviceConfiguration ${id} not found`);
  sendJson(res, 200, { ...config, assignments: tenant.data.assignments.get(id) ?? [] });
});

route('GET', `/tenants/${T}/apps`, (s, _q, res, [tid = '']) => {
  s.requireTenant(tid);
  sendJson(
    res,
    200,
    s.listApps(tid).map((a) => s.appView(a)),
  );
});
route('POST', `/tenants/${T}/apps`, async (s, req, res, [tid = '']) => {
  const { app, secret } = s.addApp(tid, await parse(req, appCreateSchema));
  // The one place a secret is returned: like the portal, shown once at creation.
  sendJson(res, 201, { ...s.appView(app), secret });
});
route('GET', `/tenants/${T}/apps/${T}`, (s, _q, res, [tid = '', cid = '']) => sendJson(res, 200, s.appView(s.requireApp(tid, cid))));
route('PATCH', `/tenants/${T}/apps/${T}`, async (s, req, res, [tid = '', cid = '']) =>
  sendJson(res, 200, s.appView(s.updateApp(tid, cid, await parse(req, appPatchSchema)))),
);
route('DELETE', `/tenants/${T}/apps/${T}`, (s, _q, res, [tid = '', cid = '']) => {
  s.removeApp(tid, cid);
  sendEmpty(res, 204);
});
route('GET', `/tenants/${T}/apps/${T}/faults`, (s, _q, res, [tid = '', cid = '']) => sendJson(res, 200, s.requireApp(tid, cid).faults));
route('PUT', `/tenants/${T}/apps/${T}/faults`, async (s, req, res, [tid = '', cid = '']) =>
  sendJson(res, 200, s.setAppFaults(tid, cid, await parse(req, faultsSchema))),
);
route('GET', `/tenants/${T}/apps/${T}/certificates`, (s, _q, res, [tid = '', cid = '']) => sendJson(res, 200, s.appView(s.requireApp(tid, cid)).certificates));
// The operator's upload of the public certificate opsgate generated; never a private key.
route('POST', `/tenants/${T}/apps/${T}/certificates`, async (s, req, res, [tid = '', cid = '']) =>
  sendJson(res, 201, s.addCertificate(tid, cid, (await parse(req, certificateSchema)).pem)),
);
route('DELETE', `/tenants/${T}/apps/${T}/certificates/${T}`, (s, _q, res, [tid = '', cid = '', thumbprint = '']) => {
  s.removeCertificate(tid, cid, thumbprint);
  sendEmpty(res, 204);
});
// What a customer admin's consent to another tenant's multi-tenant app creates, without the page:
// its service principal here, with the roles the app requests unless others are given.
route('POST', `/tenants/${T}/service-principals`, async (s, req, res, [tid = '']) => {
  const tenant = s.requireTenant(tid);
  const body = await parse(req, servicePrincipalSchema);
  const home = multiTenantHomeApp(s, body.clientId);
  if (!home) throw new SandboxStateError(404, `no multi-tenant app ${body.clientId} is registered in any tenant`);
  if (home.tenantId === tenant.id) throw new SandboxStateError(409, `app ${home.clientId} is registered in tenant ${tenant.id} itself`);
  if (s.getApp(tenant.id, home.clientId)) throw new SandboxStateError(409, `app ${home.clientId} already has a service principal in tenant ${tenant.id}`);
  sendJson(res, 201, s.appView(consentInTenant(s, tenant.id, home, body.grantedRoles ?? home.grantedRoles, body.consentGranted ?? true)));
});
route('POST', `/tenants/${T}/apps/${T}/revoke-tokens`, (s, _q, res, [tid = '', cid = '']) => sendJson(res, 200, s.appView(s.revokeTokens(tid, cid))));

// The people of a tenant, who sign in at the authorize page. A password is returned only in the
// answer that creates the user (generated when not given), like an app secret.
route('GET', `/tenants/${T}/users`, (s, _q, res, [tid = '']) => {
  const tenant = s.requireTenant(tid);
  sendJson(
    res,
    200,
    s.directory.list(tenant.id).map((u) => s.directory.view(u)),
  );
});
route('POST', `/tenants/${T}/users`, async (s, req, res, [tid = '']) => {
  const tenant = s.requireTenant(tid);
  const { user, password } = s.directory.add(tenant.id, await parse(req, userCreateSchema));
  sendJson(res, 201, { ...s.directory.view(user), password });
});
route('GET', `/tenants/${T}/users/${T}`, (s, _q, res, [tid = '', uid = '']) =>
  sendJson(res, 200, s.directory.view(s.directory.require(s.requireTenant(tid).id, uid))),
);
route('PATCH', `/tenants/${T}/users/${T}`, async (s, req, res, [tid = '', uid = '']) => {
  const tenant = s.requireTenant(tid);
  sendJson(res, 200, s.directory.view(s.directory.update(tenant.id, uid, await parse(req, userPatchSchema))));
});
route('DELETE', `/tenants/${T}/users/${T}`, (s, _q, res, [tid = '', uid = '']) => {
  s.directory.remove(s.requireTenant(tid).id, uid);
  sendEmpty(res, 204);
});

route('GET', '/counters', (s, _q, res) => {
  const byRoute = s.counters();
  sendJson(res, 200, { total: Object.values(byRoute).reduce((a, b) => a + b, 0), byRoute });
});
route('DELETE', '/counters', (s, _q, res) => {
  s.resetCounters();
  sendEmpty(res, 204);
});
route('GET', '/requests', (s, _q, res) => sendJson(res, 200, s.recent()));

export async function handleControl(state: SandboxState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  let known = false;
  for (const r of routes) {
    const match = r.pattern.exec(url.pathname);
    if (!match) continue;
    known = true;
    if (r.method !== method) continue;
    try {
      await r.handle(
        state,
        req,
        res,
        match.slice(1).map((p) => decodeURIComponent(p)),
      );
    } catch (err) {
      if (err instanceof BadRequest) return sendJson(res, 400, { error: { code: 'invalid_body', message: err.message } });
      if (err instanceof DirectoryError) return sendJson(res, err.status, { error: { code: 'sandbox_state', message: err.message } });
      if (err instanceof SandboxStateError) {
        // A value the state refuses after parsing (a PEM that is not a certificate) is still bad input.
        return sendJson(res, err.status, { error: { code: err.status === 400 ? 'invalid_body' : 'sandbox_state', message: err.message } });
      }
      throw err;
    }
    return;
  }
  sendJson(res, known ? 405 : 404, { error: { code: known ? 'method_not_allowed' : 'not_found', message: `${method} ${url.pathname}` } });
}
