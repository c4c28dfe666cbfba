/**
 * How an app authenticates at the token endpoint, shared by both grants the sandbox serves
 * (client credentials in identity.ts, a person's authorization code in authorize.ts): a client
 * secret (client_secret_post or client_secret_basic) or a certificate's signed client
 * assertion (private_key_jwt), with Entra's error shapes and AADSTS codes.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { JWT_BEARER, verifyClientAssertion, type AssertionInput } from './certificates.ts';
import { sendJson } from './http-util.ts';
import type { SandboxApp, SandboxTenant } from './state.ts';

function aadTimestamp(date = new Date()): string {
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** Entra's token-endpoint error body. Descriptions carry ids, never secrets. */
export function aadError(res: ServerResponse, status: number, error: string, aadsts: number, description: string): void {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = aadTimestamp();
  sendJson(res, status, {
    error,
    error_description: `AADSTS${aadsts}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
  });
}

/** Compares two texts in constant time whatever their lengths (both are hashed first). */
export function sameText(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

/** The client id and secret of client_secret_basic (the Authorization header) or client_secret_post (the form). */
export function clientSecretOf(req: IncomingMessage, form: URLSearchParams): { clientId?: string; secret?: string } {
  const auth = req.headers.authorization;
  if (auth && /^basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      return { clientId: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
    }
  }
  return { clientId: form.get('client_id') ?? undefined, secret: form.get('client_secret') ?? undefined };
}

/** What the app's credentials are checked against: its own registration's, or (a service principal) its home registration's. */
export interface ClientCredentials {
  secret: string;
  secretExpired: boolean;
  certificates: SandboxApp['certificates'];
}

export interface ClientAuthInput {
  form: URLSearchParams;
  /** The secret the request sent (clientSecretOf), if any. */
  secret: string | undefined;
  app: Pick<SandboxApp, 'clientId'>;
  credentials: ClientCredentials;
  tenant: Pick<SandboxTenant, 'id' | 'defaultDomain'>;
  /** The tenant as the request's path names it (id or domain): an assertion may be addressed to either. */
  tenantSegment: string;
  /** The token endpoints' origin (an assertion's audience is one of its token URLs). */
  baseUrl: string;
  replay: AssertionInput['replay'];
}

/**
 * Authenticates the app: a client assertion if the form carries one, else the client secret.
 * Returns true when the app may go on; otherwise the error answer has been sent.
 */
export async function authenticateClient(res: ServerResponse, input: ClientAuthInput): Promise<boolean> {
  const { form, secret, app, credentials, tenant } = input;
  const assertion = form.get('client_assertion');
  if (assertion !== null) {
    if (form.get('client_assertion_type') !== JWT_BEARER) {
      aadError(res, 400, 'invalid_request', 50027, `JWT token is invalid or malformed: client_assertion_type must be ${JWT_BEARER}.`);
      return false;
    }
    const path = (segment: string) => `${input.baseUrl}/${segment}/oauth2/v2.0/token`;
    const check = await verifyClientAssertion({
      assertion,
      clientId: app.clientId,
      certificates: credentials.certificates,
      audiences: [path(tenant.id), path(tenant.defaultDomain), path(input.tenantSegment)],
      replay: input.replay,
    });
    if (!check.ok) {
      aadError(res, 401, 'invalid_client', check.aadsts, check.description);
      return false;
    }
    return true;
  }
  if (!secret) {
    aadError(res, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    return false;
  }
  if (!sameText(secret, credentials.secret)) {
    aadError(
      res,
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
    );
    return false;
  }
  if (credentials.secretExpired) {
    aadError(
      res,
      401,
      'invalid_client',
      7000222,
      `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    );
    return false;
  }
  return true;
}
