/**
 * The sandbox's admin-consent page, shaped like Microsoft's
 * `GET /{tenant}/adminconsent?client_id&redirect_uri&state`: a tenant admin reviews the
 * application permissions and accepts or cancels; the browser is sent back to redirect_uri
 * with `admin_consent=True&tenant=…&state=…` or `error=access_denied&error_description=…&state=…`.
 *
 * The v2.0 form (`/{tenant}/v2.0/adminconsent?…&scope=…/.default`) is served too. For another
 * tenant's multi-tenant app the page names the app's publisher (its home tenant), and accepting
 * creates the app's service principal in this tenant (multi-tenant.ts).
 *
 * Sandbox-only: the page also lets the admin tick permissions the app registration does not
 * request yet (in Entra that is an edit of the app registration before consenting), so the
 * "permission missing" remediation can run end to end locally.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './http-util.ts';
import { consentInTenant, multiTenantHomeApp, registrationOf } from './multi-tenant.ts';
import type { SandboxState } from './state.ts';

/** The Graph application permissions the sandbox's endpoints enforce. */
export const KNOWN_PERMISSIONS = [
  'DeviceManagementConfiguration.Read.All',
  'DeviceManagementConfiguration.ReadWrite.All',
  'DeviceManagementManagedDevices.Read.All',
  'Group.Read.All',
  'RoleManagement.Read.Directory',
];

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Only loopback redirect targets: the sandbox has no app-registration redirect list to check against. */
function allowedRedirect(raw: string | null): URL | null {
  if (!raw) return null;
  try {
    const u = new URL(raw);
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
    return (u.protocol === 'http:' || u.protocol === 'https:') && loopback ? u : null;
  } catch {
    return null;
  }
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sandbox cloud — admin consent</title>
<style>body{font:15px system-ui,sans-serif;max-width:640px;margin:40px auto;color:#1b1f24}h1{font-size:22px}
.card{border:1px solid #d0d7de;border-radius:8px;padding:20px}label{display:block;margin:6px 0}
button{font:inherit;padding:8px 16px;border-radius:6px;border:1px solid #8c959f;background:#fff;margin-right:8px;cursor:pointer}
button.primary{background:#0b5cad;color:#fff;border-color:#0b5cad}.muted{color:#57606a;font-size:13px}</style></head>
<body><p class="muted">Sandbox cloud — stands in for Microsoft's sign-in and consent pages</p>${body}</body></html>`);
}

function redirect(res: ServerResponse, to: URL): void {
  res.writeHead(302, { location: to.toString(), 'cache-control': 'no-store' });
  res.end();
}

export async function handleAdminConsent(state: SandboxState, req: IncomingMessage, res: ServerResponse, url: URL, tenantSegment: string): Promise<void> {
  const method = req.method ?? 'GET';
  const params = method === 'POST' ? new URLSearchParams(await readBody(req)) : url.searchParams;
  const clientId = (params.get('client_id') ?? '').toLowerCase();
  const stateParam = params.get('state') ?? '';
  const redirectTo = allowedRedirect(params.get('redirect_uri'));
  const tenant = state.getTenant(tenantSegment);
  const own = tenant ? state.getApp(tenant.id, clientId) : undefined;
  // Another tenant's multi-tenant app: registered at home, consented here (its service principal).
  const home = own ? (own.homeTenantId !== null ? registrationOf(state, own) : undefined) : multiTenantHomeApp(state, clientId);
  const app = own && own.homeTenantId === null ? own : home;
  if (!redirectTo) return html(res, 400, `<h1>Invalid request</h1><p>AADSTS50011: The redirect URI is missing or not allowed.</p>`);
  if (!tenant || !app || !app.appExists) {
    return html(res, 400, `<h1>Application not found</h1><p>AADSTS700016: Application with identifier '${esc(clientId)}' was not found in the directory.</p>`);
  }
  const publisher = home ? state.getTenant(home.tenantId) : undefined;

  if (method === 'GET') {
    // What the registration requests (a multi-tenant app's, as registered in its home tenant).
    const requested = new Set(app.grantedRoles);
    const boxes = KNOWN_PERMISSIONS.map(
      (p) =>
        `<label><input type="checkbox" name="role" value="${esc(p)}"${requested.has(p) ? ' checked' : ''}> ${esc(p)}${requested.has(p) ? '' : ' <span class="muted">(not requested by the app yet)</span>'}</label>`,
    ).join('');
    const hidden = ['client_id', 'redirect_uri', 'state'].map((k) => `<input type="hidden" name="${k}" value="${esc(params.get(k) ?? '')}">`).join('');
    return html(
      res,
      200,
      `<div class="card"><h1>Permissions requested</h1>
<p><strong>${esc(app.displayName)}</strong>${publisher ? ` <span data-publisher>(published by <strong>${esc(publisher.displayName)}</strong>, ${esc(publisher.defaultDomain)})</span>` : ''} wants to access <strong>${esc(tenant.displayName)}</strong> with these application permissions:</p>
<form method="post">${hidden}${boxes}
<p class="muted">Accepting grants them for the whole organization.</p>
<button class="primary" type="submit" name="decision" value="accept">Accept</button>
<button type="submit" name="decision" value="cancel">Cancel</button></form></div>`,
    );
  }

  const back = new URL(redirectTo.toString());
  if (params.get('decision') === 'accept') {
    const roles = params.getAll('role').filter((r) => KNOWN_PERMISSIONS.includes(r));
    if (home) {
      // Creates (or updates) the app's service principal in this tenant.
      consentInTenant(state, tenant.id, home, roles);
    } else {
      state.updateApp(tenant.id, app.clientId, { consentGranted: true, grantedRoles: roles });
      // Tokens issued before the grant do not carry it, as in Entra.
      state.revokeTokens(tenant.id, app.clientId);
    }
    back.searchParams.set('admin_consent', 'True');
    back.searchParams.set('tenant', tenant.id);
  } else {
    back.searchParams.set('error', 'access_denied');
    back.searchParams.set('error_description', 'AADSTS65004: User declined to consent to access the app.');
  }
  back.searchParams.set('state', stateParam);
  return redirect(res, back);
}
