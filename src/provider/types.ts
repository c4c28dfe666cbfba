/**
 * The provider port: what the job layer imports to talk to Microsoft identity + Graph
 * (or the local sandbox cloud, which speaks the same protocol).
 *
 * Every failure leaving this layer is a ProviderError carrying a ProviderFailure whose
 * `code` belongs to the same reason catalogue the start gate uses, so a failed run and
 * a blocked start explain the same problem in the same words.
 */

export type ProviderReasonCode =
  | 'provider_consent_missing' // token has no roles claim / AADSTS65001 / Graph 401 after a fresh token; on a workspace app also 700016 / 7000229
  | 'provider_permission_missing' // params: { missing: string[] }
  | 'provider_credentials_expired' // AADSTS7000222; AADSTS700027 "the key used is expired"
  | 'provider_credentials_invalid' // AADSTS7000215; AADSTS700027 (certificate unknown or bad signature), 700024
  | 'provider_connection_unusable' // AADSTS700016 / 7000229 / other hard AADSTS; params: { aadsts: string }
  | 'provider_tenant_not_found' // AADSTS90002
  | 'provider_throttled' // 429 retries exhausted
  | 'provider_unavailable' // 5xx after bounded retries, timeouts, network errors
  // Graph refused this particular request (400/404/409...) for a reason that is neither
  // access nor availability, e.g. a restore payload Graph rejects or an object deleted
  // meanwhile. Calling it "unavailable" would make operators wait for a recovery that
  // never comes. params: { status: number, graphCode: string }
  | 'provider_request_rejected';

export type ProviderFailureParams = Record<string, string | number | string[]>;

export interface ProviderFailure {
  code: ProviderReasonCode;
  params: ProviderFailureParams;
  httpStatus?: number;
}

/** Exhaustiveness guard for `switch` over discriminated unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}

/**
 * The only error type thrown by src/provider. Its message, stack and JSON are built
 * solely from the failure code and classified params (AADSTS numbers, permission names,
 * status codes), never from raw upstream text, so a secret or token cannot leak through
 * logs or run records. No `cause` is attached for the same reason.
 */
export class ProviderError extends Error {
  readonly failure: ProviderFailure;

  constructor(failure: ProviderFailure) {
    super(describeFailure(failure));
    this.name = 'ProviderError';
    this.failure = failure;
  }

  get code(): ProviderReasonCode {
    return this.failure.code;
  }

  toJSON(): { name: string; code: ProviderReasonCode; params: ProviderFailureParams; httpStatus?: number } {
    const out: { name: string; code: ProviderReasonCode; params: ProviderFailureParams; httpStatus?: number } = {
      name: this.name,
      code: this.failure.code,
      params: this.failure.params,
    };
    if (this.failure.httpStatus !== undefined) out.httpStatus = this.failure.httpStatus;
    return out;
  }
}

export function isProviderError(value: unknown): value is ProviderError {
  return value instanceof ProviderError;
}

/** A developer-facing sentence; user-facing wording belongs to the reason catalogue. */
export function describeFailure(failure: ProviderFailure): string {
  const status = failure.httpStatus !== undefined ? ` (HTTP ${failure.httpStatus})` : '';
  switch (failure.code) {
    case 'provider_consent_missing':
      return `Admin consent has not been granted to the app registration${status}`;
    case 'provider_permission_missing': {
      const missing = failure.params.missing;
      const names = Array.isArray(missing) && missing.length > 0 ? missing.join(', ') : 'unknown';
      return `The app registration lacks Graph application permission(s): ${names}${status}`;
    }
    case 'provider_credentials_expired':
      return `The app registration's client secret or certificate has expired${status}`;
    case 'provider_credentials_invalid':
      return `The client secret or certificate was rejected by the identity platform${status}`;
    case 'provider_connection_unusable':
      return `The app registration cannot be used in this tenant (${String(failure.params.aadsts ?? 'unknown')})${status}`;
    case 'provider_tenant_not_found':
      return `The tenant was not found by the identity platform${status}`;
    case 'provider_throttled':
      return `Microsoft Graph kept throttling the requests; retries exhausted${status}`;
    case 'provider_unavailable':
      return `The provider is unavailable (server errors, timeouts or network failure)${status}`;
    case 'provider_request_rejected':
      return `Microsoft Graph rejected the request (${String(failure.params.graphCode ?? 'unknown')})${status}`;
    default:
      return assertNever(failure.code, 'provider reason code');
  }
}

export interface CloudEndpoints {
  /** e.g. https://login.microsoftonline.com, or https://127.0.0.1:PORT for the sandbox */
  authorityHost: string;
  /** e.g. https://graph.microsoft.com */
  graphBaseUrl: string;
  /** Extra CA (PEM) to trust for these endpoints only; the sandbox's own CA. */
  caPem?: string;
}

/** The public cloud. National clouds differ only in these two hosts. */
export const MICROSOFT_GLOBAL_CLOUD: CloudEndpoints = {
  authorityHost: 'https://login.microsoftonline.com',
  graphBaseUrl: 'https://graph.microsoft.com',
};

interface CredentialsBase {
  entraTenantId: string;
  clientId: string;
  /**
   * The app is a workspace's multi-tenant app, registered in the MSP's tenant and used in this
   * customer tenant through admin consent: Entra's "not found in the directory" then means "no
   * admin of this tenant consented yet" (classify.ts).
   */
  workspaceApp?: boolean;
}

/** An app registration's client secret (client_secret_post). */
export interface SecretCredentials extends CredentialsBase {
  kind?: 'secret';
  clientSecret: string;
}

/**
 * An app registration's certificate: tokens are requested with a client assertion signed by
 * the private key and naming the certificate by its SHA-256 thumbprint (`x5t#S256`).
 */
export interface CertificateCredentials extends CredentialsBase {
  kind: 'certificate';
  /** PKCS#8 PEM, opened from the secret box just for this run; never logged. */
  privateKeyPem: string;
  /** Base64url SHA-256 of the DER certificate. */
  thumbprintSha256: string;
}

export type ConnectionCredentials = SecretCredentials | CertificateCredentials;

export interface AcquiredToken {
  accessToken: string;
  /** Application permissions in the token; [] when the roles claim is absent (no consent). */
  roles: string[];
  expiresOn: Date;
}

export interface GraphClient {
  get<T = unknown>(path: string): Promise<T>;
  /** Follows @odata.nextLink until exhausted and returns every `value` item. */
  getAll<T = unknown>(path: string): Promise<T[]>;
  post<T = unknown>(path: string, body: unknown, options?: WriteOptions): Promise<T>;
  patch<T = unknown>(path: string, body: unknown): Promise<T>;
}

export interface WriteOptions {
  /**
   * POST creates objects by default, so it is retried only when Graph cannot have acted
   * on it (429, 503, connection refused). Actions such as `/assign` replace state and
   * may declare themselves idempotent to get the full retry policy.
   */
  idempotent?: boolean;
}

// ---- permissions -------------------------------------------------------------------

/**
 * True when `granted` satisfies `needed`: exact match (case-insensitive, as Entra treats
 * permission values), or the ReadWrite form of a Read permission
 * (X.ReadWrite.All satisfies X.Read.All, X.ReadWrite.Directory satisfies X.Read.Directory).
 */
export function hasPermission(granted: readonly string[], needed: string): boolean {
  const want = needed.toLowerCase();
  const readWrite = want.replace(/\.read\.(all|directory)$/, '.readwrite.$1');
  return granted.some((g) => {
    const have = g.toLowerCase();
    return have === want || (readWrite !== want && have === readWrite);
  });
}

export function missingPermissions(granted: readonly string[], needed: readonly string[]): string[] {
  return [...new Set(needed)].filter((n) => !hasPermission(granted, n));
}
