/**
 * The identity-platform half of the sandbox: the v2.0 token endpoint (client credentials,
 * with a client secret or a certificate's signed client assertion; the authorization-code
 * grant of a person's sign-in is authorize.ts) with Entra's error shapes and AADSTS codes,
 * plus the discovery documents and the id-token keys. opsgate's client is
 * configured never to ask; the counters prove it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt } from 'jose';
import { handleAuthorizationCodeGrant } from './authorize.ts';
import { aadError, authenticateClient, clientSecretOf } from './client-auth.ts';
import { publishedKeys, type IdTokenKeys } from './id-tokens.ts';
import type { TokenSigner } from './jwt.ts';
import { readBody, sendJson, sleep } from './http-util.ts';
import { credentialsOf } from './multi-tenant.ts';
import type { SandboxState, SandboxTenant } from './state.ts';

export interface IdentityContext {
  state: SandboxState;
  signer: TokenSigner;
  baseUrl: string;
  tokenLifetimeSeconds: number;
  /** RS256 key of id tokens (authorization-code sign-ins), published as the JWKS. */
  idTokenKeys: IdTokenKeys;
  /** Origin of the browser-facing pages (plain-HTTP loopback); the sign-in page is served there too. */
  pagesUrl: string;
}

export function findTenant(state: SandboxState, segment: string): SandboxTenant | undefined {
  const byId = state.getTenant(segment);
  if (byId) return byId;
  const lower = segment.toLowerCase();
  return [...state.tenants.values()].find((t) => t.defaultDomain.toLowerCase() === lower);
}

/** The client id a client assertion names (`iss`) when the form does not carry one. */
function assertionIssuer(assertion: string | null): string | undefined {
  if (!assertion) return undefined;
  try {
    const iss = decodeJwt(assertion).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

export async function handleToken(ctx: IdentityContext, req: IncomingMessage, res: ServerResponse, tenantSegment: string): Promise<void> {
  const form = new URLSearchParams(await readBody(req));
  if (form.get('grant_type') === 'authorization_code') return handleAuthorizationCodeGrant(ctx, req, res, tenantSegment, form);
  const assertion = form.get('client_assertion');
  const fromForm = clientSecretOf(req, form);
  const clientId = fromForm.clientId ?? assertionIssuer(assertion);
  const secret = fromForm.secret;
  const tenant = findTenant(ctx.state, tenantSegment);
  const app = tenant && clientId ? ctx.state.getApp(tenant.id, clientId) : undefined;
  await sleep(ctx.state.latencyFor(tenant?.id, app?.clientId));

  if (form.get('grant_type') !== 'client_credentials') {
    return aadError(res, 400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
  }
  if (!tenant) {
    return aadError(
      res,
      400,
      'invalid_request',
      90002,
      `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );
  }
  if (!clientId) {
    return aadError(res, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  }
  if (!app || !app.appExists) {
    return aadError(
      res,
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
    );
  }
  if (!app.servicePrincipalExists) {
    return aadError(res, 400, 'invalid_client', 7000229, `The client application ${app.clientId} is missing service principal in the tenant ${tenant.id}.`);
  }
  // A multi-tenant app's service principal authenticates with its home registration's credentials.
  const creds = credentialsOf(ctx.state, app);
  if (!creds) {
    return aadError(
      res,
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
    );
  }
  const authenticated = await authenticateClient(res, {
    form,
    secret,
    app,
    credentials: creds,
    tenant,
    tenantSegment,
    baseUrl: ctx.baseUrl,
    replay: ctx.state.assertionReplay,
  });
  if (!authenticated) return;
  if (app.homeTenantId !== null && !app.consentGranted) {
    // The service principal exists but this tenant's consent was withdrawn.
    return aadError(
      res,
      400,
      'invalid_grant',
      65001,
      `The user or administrator has not consented to use the application with ID '${app.clientId}' named '${app.displayName}'. Send an interactive authorization request for this user and resource.`,
    );
  }
  const scope = form.get('scope') ?? '';
  const resource = scope.replace(/\/\.default$/, '');
  if (!scope.endsWith('/.default')) {
    return aadError(
      res,
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  if (resource.replace(/\/+$/, '') !== ctx.baseUrl) {
    return aadError(res, 400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${tenant.displayName}.`);
  }

  const now = Math.floor(Date.now() / 1000);
  const roles = app.consentGranted && app.grantedRoles.length > 0 ? [...app.grantedRoles] : undefined;
  const accessToken = ctx.signer.sign({
    aud: ctx.baseUrl,
    iss: `${ctx.baseUrl}/${tenant.id}/v2.0`,
    tid: tenant.id,
    appid: app.clientId,
    azp: app.clientId,
    oid: app.clientId,
    sub: app.clientId,
    idtyp: 'app',
    ver: '2.0',
    iat: now,
    nbf: now,
    exp: now + ctx.tokenLifetimeSeconds,
    ...(roles ? { roles } : {}),
    sbx_gen: app.tokenGeneration,
  });
  sendJson(res, 200, {
    token_type: 'Bearer',
    expires_in: ctx.tokenLifetimeSeconds,
    ext_expires_in: ctx.tokenLifetimeSeconds,
    access_token: accessToken,
  });
}

export function handleOpenIdConfiguration(ctx: IdentityContext, res: ServerResponse, tenantSegment: string): void {
  const tenant = findTenant(ctx.state, tenantSegment);
  if (!tenant) {
    return aadError(res, 400, 'invalid_tenant', 90002, `Tenant '${tenantSegment}' not found.`);
  }
  const base = `${ctx.baseUrl}/${tenant.id}`;
  sendJson(res, 200, {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    // The sign-in page is a page a person's browser opens: the plain-HTTP loopback origin.
    authorization_endpoint: `${ctx.pagesUrl || ctx.baseUrl}/${tenant.id}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    issuer: `${base}/v2.0`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256', 'plain'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'nonce', 'name', 'preferred_username', 'email', 'oid', 'tid', 'ver'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    tenant_region_scope: 'EU',
    cloud_instance_name: 'sandbox',
  });
}

export function handleInstanceDiscovery(ctx: IdentityContext, res: ServerResponse): void {
  const host = new URL(ctx.baseUrl).host;
  sendJson(res, 200, {
    tenant_discovery_endpoint: `${ctx.baseUrl}/common/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  });
}

export function handleKeys(ctx: IdentityContext, res: ServerResponse): void {
  // Id tokens are RS256 with this key; access tokens for the sandbox's own Graph stay HS256
  // (see jwt.ts), which only the sandbox verifies.
  sendJson(res, 200, publishedKeys(ctx.idTokenKeys));
}
