/**
 * Pure mapping from what Microsoft says (AADSTS codes, token claims, Graph responses) to
 * the reason catalogue. No I/O here, so every rule is unit-tested on its own.
 *
 * Only classified facts leave this file: AADSTS numbers, permission names matched by a
 * strict pattern, status codes and sanitised Graph error codes. Raw upstream text never
 * does, because it may echo request details we must not log.
 */
import type { ProviderFailure } from '../types.ts';
import { missingPermissions } from '../types.ts';

// ---- identity platform (token endpoint) ----------------------------------------------

const AADSTS_PATTERN = /AADSTS(\d{5,8})/;

/** The first AADSTS code found in any of the given texts, as "AADSTS7000222". */
export function findAadstsCode(...texts: ReadonlyArray<string | number | undefined | null>): string | undefined {
  for (const text of texts) {
    if (text === undefined || text === null) continue;
    const s = String(text);
    const m = AADSTS_PATTERN.exec(s);
    if (m) return `AADSTS${m[1]}`;
    // MSAL exposes error_codes[0] as a bare number ("7000222") in ServerError.errorNo.
    if (/^\d{5,8}$/.test(s.trim())) return `AADSTS${s.trim()}`;
  }
  return undefined;
}

const CONSENT_MISSING = new Set(['65001']);
const CREDENTIALS_EXPIRED = new Set(['7000222']);
// 7000218: no secret/assertion sent at all; for an operator it is the same fix as a wrong secret.
// Certificates: 700027 the assertion's certificate is not on the app or its signature does not
// verify, 700024 the assertion is outside its validity window, 7000214 certificate revoked.
const CREDENTIALS_INVALID = new Set(['7000215', '7000218', '700027', '700024', '7000214']);
// App deleted, no service principal in the tenant, app disabled, resource principal missing.
const CONNECTION_UNUSABLE = new Set(['700016', '7000229', '7000112', '500011']);
// Tenant unknown / tenant identifier malformed.
const TENANT_NOT_FOUND = new Set(['90002', '900023']);
// Documented transient AAD-side failures.
const TRANSIENT = new Set(['90033', '90055', '50196']);

// A workspace's multi-tenant app (registered in the MSP's tenant) exists in a customer tenant only
// as the service principal an admin's consent creates there. So for such an app, "application
// not found in the directory" (700016) and "missing service principal" (7000229) mean that this
// tenant never consented (or the consent was removed): what the operator is told is "Grant admin
// consent", the one step that fixes it. For an app registered in the customer tenant itself they
// mean the registration is gone or the client id is wrong: unusable, review the registration.
const NOT_CONSENTED_HERE = new Set(['700016', '7000229']);

/** What the caller knows about the app: only a workspace app changes what a code means. */
export interface ClassifyContext {
  workspaceApp?: boolean;
}

/** Classify an AADSTS code ("AADSTS7000222" or "7000222"). */
export function classifyAadsts(aadsts: string, httpStatus?: number, context: ClassifyContext = {}): ProviderFailure {
  const num = aadsts.replace(/^AADSTS/i, '');
  const code = `AADSTS${num}`;
  const withStatus = (f: ProviderFailure): ProviderFailure => (httpStatus === undefined ? f : { ...f, httpStatus });
  if (CONSENT_MISSING.has(num)) return withStatus({ code: 'provider_consent_missing', params: { aadsts: code } });
  if (context.workspaceApp && NOT_CONSENTED_HERE.has(num)) return withStatus({ code: 'provider_consent_missing', params: { aadsts: code } });
  if (CREDENTIALS_EXPIRED.has(num)) return withStatus({ code: 'provider_credentials_expired', params: { aadsts: code } });
  if (CREDENTIALS_INVALID.has(num)) return withStatus({ code: 'provider_credentials_invalid', params: { aadsts: code } });
  if (CONNECTION_UNUSABLE.has(num)) return withStatus({ code: 'provider_connection_unusable', params: { aadsts: code } });
  if (TENANT_NOT_FOUND.has(num)) return withStatus({ code: 'provider_tenant_not_found', params: { aadsts: code } });
  if (TRANSIENT.has(num) || (httpStatus !== undefined && httpStatus >= 500)) {
    return withStatus({ code: 'provider_unavailable', params: { aadsts: code } });
  }
  if (httpStatus === 429) return withStatus({ code: 'provider_throttled', params: { aadsts: code } });
  // Any other AADSTS on a 4xx is a hard, non-transient refusal of this app in this tenant.
  return withStatus({ code: 'provider_connection_unusable', params: { aadsts: code } });
}

/** MSAL client-side error codes that mean "could not reach / understand the authority". */
const MSAL_TRANSPORT_CODES = new Set([
  'network_error',
  'endpoints_resolution_error',
  'openid_config_error',
  'token_parsing_error',
  'request_timeout',
  'unable_to_get_openid_config_error',
]);

function field(err: unknown, name: string): string | number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const v = (err as Record<string, unknown>)[name];
  return typeof v === 'string' || typeof v === 'number' ? v : undefined;
}

function certificateExpired(...texts: ReadonlyArray<string | number | undefined>): boolean {
  return texts.some((t) => typeof t === 'string' && /the key used is expired/i.test(t));
}

/**
 * Classify whatever MSAL threw. Duck-typed on AuthError/ServerError fields
 * (errorCode, errorMessage, subError, errorNo, status) so this stays pure.
 */
export function classifyTokenError(err: unknown, context: ClassifyContext = {}): ProviderFailure {
  const errorCode = field(err, 'errorCode');
  const status = field(err, 'status');
  const httpStatus = typeof status === 'number' ? status : undefined;
  const aadsts = findAadstsCode(
    field(err, 'errorNo'),
    field(err, 'errorMessage'),
    field(err, 'subError'),
    errorCode,
    err instanceof Error ? err.message : undefined,
  );
  if (aadsts === 'AADSTS700027' && certificateExpired(field(err, 'errorMessage'), err instanceof Error ? err.message : undefined)) {
    // Entra reports an expired certificate as 700027 "The key used is expired": the fix is a
    // new certificate, like an expired secret, not a hunt for a wrong upload.
    return { code: 'provider_credentials_expired', params: { aadsts }, ...(httpStatus === undefined ? {} : { httpStatus }) };
  }
  if (aadsts) return classifyAadsts(aadsts, httpStatus, context);

  const withStatus = (f: ProviderFailure): ProviderFailure => (httpStatus === undefined ? f : { ...f, httpStatus });
  if (httpStatus === 429) return withStatus({ code: 'provider_throttled', params: {} });
  if (httpStatus !== undefined && httpStatus >= 500) return withStatus({ code: 'provider_unavailable', params: {} });
  if (errorCode === 'invalid_client') return withStatus({ code: 'provider_credentials_invalid', params: {} });
  if (errorCode === 'unauthorized_client') {
    if (context.workspaceApp) return withStatus({ code: 'provider_consent_missing', params: {} });
    return withStatus({ code: 'provider_connection_unusable', params: { aadsts: 'unknown' } });
  }
  if (typeof errorCode === 'string' && MSAL_TRANSPORT_CODES.has(errorCode)) {
    return withStatus({ code: 'provider_unavailable', params: { reason: 'network' } });
  }
  // Unknown client-side MSAL failure: treat as transient rather than blaming the connection.
  return withStatus({ code: 'provider_unavailable', params: {} });
}

// ---- access token claims ---------------------------------------------------------------

/** Payload of a JWT, decoded without verification (the resource server verifies it). */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The `roles` claim (application permissions); [] when absent or malformed. */
export function rolesFromAccessToken(token: string): string[] {
  const roles = decodeJwtPayload(token)?.roles;
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
}

/**
 * Are the token's roles enough for an operation? null when they are.
 * No roles at all means admin consent was never granted (Entra omits the claim).
 * With nothing required (token-only operations) any valid token is enough.
 */
export function assessTokenRoles(roles: readonly string[], required: readonly string[]): ProviderFailure | null {
  if (required.length === 0) return null;
  if (roles.length === 0) return { code: 'provider_consent_missing', params: {} };
  const missing = missingPermissions(roles, required);
  return missing.length > 0 ? { code: 'provider_permission_missing', params: { missing } } : null;
}

// ---- Graph responses -------------------------------------------------------------------

const PERMISSION = String.raw`[A-Z][A-Za-z0-9]*(?:\.[A-Z][A-Za-z0-9]*){1,3}`;
const PERMISSION_LIST = new RegExp(String.raw`^[\s:=]*(${PERMISSION}(?:\s*(?:,|;|\band\b|\bor\b)\s*${PERMISSION})*)`);
const PERMISSION_ONLY = new RegExp(PERMISSION, 'g');
const MARKERS =
  /(missing\s+(?:application\s+)?(?:role\(s\)|roles?|scopes?|permissions?)|following\s+(?:scopes|roles|permissions)|required\s+(?:scopes?|roles?|permissions?))/gi;

/**
 * Permission names a Graph 403 message says are missing, e.g.
 * "Insufficient privileges ... Missing role(s): Group.Read.All" or Intune's
 * "Application must have one of the following scopes: X.Read.All, X.ReadWrite.All".
 * For "one of" lists only the least-privileged (first) entry is reported.
 */
export function parseMissingPermissions(message: string): string[] {
  const found: string[] = [];
  for (const marker of message.matchAll(MARKERS)) {
    const after = message.slice(marker.index + marker[0].length);
    const list = PERMISSION_LIST.exec(after)?.[1];
    if (!list) continue;
    const names = list.match(PERMISSION_ONLY) ?? [];
    const before = message.slice(Math.max(0, marker.index - 20), marker.index);
    const oneOf = /one\s+of\s+(?:the\s+)?$/i.test(before);
    for (const name of oneOf ? names.slice(0, 1) : names) if (!found.includes(name)) found.push(name);
  }
  return found;
}

export interface GraphErrorInfo {
  graphCode: string;
  message: string;
}

/** `{ error: { code, message } }` from a Graph error body (parsed JSON or raw text). */
export function readGraphError(body: unknown): GraphErrorInfo {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body) as unknown;
    } catch {
      return { graphCode: 'unknown', message: body };
    }
  }
  const error = typeof value === 'object' && value !== null ? (value as { error?: unknown }).error : undefined;
  if (typeof error !== 'object' || error === null) return { graphCode: 'unknown', message: '' };
  const code = (error as { code?: unknown }).code;
  const message = (error as { message?: unknown }).message;
  return {
    graphCode: typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : 'unknown',
    message: typeof message === 'string' ? message : '',
  };
}

export interface GraphFailureInput {
  status: number;
  body: unknown;
  tokenRoles: readonly string[];
  requiredRoles: readonly string[];
}

/** Final classification of a non-2xx Graph response (after retries were spent). */
export function classifyGraphResponse(input: GraphFailureInput): ProviderFailure {
  const { status } = input;
  if (status === 403) {
    const { message } = readGraphError(input.body);
    let missing = parseMissingPermissions(message);
    if (missing.length === 0) missing = missingPermissions(input.tokenRoles, input.requiredRoles);
    // The token claims every required role yet Graph refuses: the grant was revoked
    // after the token was issued, so the required roles are what is missing now.
    if (missing.length === 0) missing = [...input.requiredRoles];
    return { code: 'provider_permission_missing', params: { missing }, httpStatus: status };
  }
  if (status === 401) return { code: 'provider_consent_missing', params: {}, httpStatus: status };
  if (status === 429) return { code: 'provider_throttled', params: {}, httpStatus: status };
  if (status >= 500) return { code: 'provider_unavailable', params: {}, httpStatus: status };
  const { graphCode } = readGraphError(input.body);
  return { code: 'provider_request_rejected', params: { status, graphCode }, httpStatus: status };
}

/** 5xx and 408 are worth retrying; 429 is handled separately (Retry-After). */
export function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 408;
}

/**
 * Retry-After in milliseconds: delta-seconds or an HTTP-date. undefined when absent
 * or unparsable, so the caller falls back to exponential backoff.
 */
export function parseRetryAfterMs(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
