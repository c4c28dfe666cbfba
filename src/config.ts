// One schema for every setting, parsed once at start-up. A bad value stops the process
// with a message that names the variable and what is wrong with it.
import path from 'node:path';
import { z } from 'zod';
import { LOG_LEVELS, type LogLevel } from './observability/logger.ts';

/** Unset or empty: undefined; else a whole number in range. */
const optionalIntFrom = (name: string, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });
const intFrom = (name: string, def: number, min: number, max: number) => optionalIntFrom(name, min, max).transform((v) => v ?? def);

/** OPSGATE_PUBLIC_URL: an http(s) origin (a trailing slash is dropped); no path, query or credentials. */
const publicUrlFrom = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return undefined;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: `OPSGATE_PUBLIC_URL must be a URL like https://ops.example.com, got "${v}"` });
      return z.NEVER;
    }
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || u.search || u.hash || (u.pathname !== '/' && u.pathname !== '')) {
      ctx.addIssue({
        code: 'custom',
        message: `OPSGATE_PUBLIC_URL must be an http(s) origin without path, query or credentials (like https://ops.example.com), got "${v}"`,
      });
      return z.NEVER;
    }
    return u.origin;
  });

/**
 * OPSGATE_TRUST_PROXY: which reverse proxies' X-Forwarded-For/-Proto/-Host to believe.
 * `true` is the one proxy directly in front (1 hop: a client cannot pick its own address by
 * sending the header itself); a number is that many hops; else a comma-separated list of
 * proxy addresses or CIDR ranges. Unset, empty or `false`: none.
 */
export type TrustProxy = false | number | string[];
const trustProxyFrom = z
  .string()
  .optional()
  .transform((v, ctx): TrustProxy => {
    const t = (v ?? '').trim().toLowerCase();
    if (t === '' || t === 'false') return false;
    if (t === 'true') return 1;
    if (/^\d+$/.test(t)) {
      const n = Number(t);
      if (n >= 1 && n <= 16) return n;
    }
    const parts = t
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const ipish = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)(\/\d{1,3})?$/;
    if (parts.length > 0 && parts.every((p) => ipish.test(p) || ['loopback', 'linklocal', 'uniquelocal'].includes(p))) return parts;
    ctx.addIssue({
      code: 'custom',
      message: `OPSGATE_TRUST_PROXY must be true, false, a hop count (1-16) or a comma-separated list of proxy addresses/CIDRs, got "${v}"`,
    });
    return z.NEVER;
  });

/** Sign in with Microsoft (OpenID Connect): the MSP's own Entra tenant and app registration. */
export interface SsoConfig {
  /** The MSP's own tenant: its id (GUID) or a verified domain. */
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Microsoft's global cloud, or the sandbox cloud this process talks to. */
  cloud: 'global' | 'sandbox';
}

/** Needs attention's warning window before a credential expires (OPSGATE_EXPIRY_WARNING_DAYS). */
export const DEFAULT_EXPIRY_WARNING_DAYS = 30;

const schema = z
  .object({
    DATABASE_URL: z
      .string()
      .optional()
      .refine((v) => v === undefined || v === '' || /^postgres(ql)?:\/\//.test(v), {
        message: 'DATABASE_URL must be a postgres:// or postgresql:// URL',
      }),
    OPSGATE_DATA_DIR: z.string().optional(),
    PORT: intFrom('PORT', 3000, 0, 65535),
    HOST: z.string().optional(),
    OPSGATE_WORKER_CONCURRENCY: intFrom('OPSGATE_WORKER_CONCURRENCY', 4, 0, 64),
    OPSGATE_SEED: z.enum(['demo', 'none']).optional(),
    OPSGATE_SANDBOX_LATENCY_MS: intFrom('OPSGATE_SANDBOX_LATENCY_MS', 250, 0, 60_000),
    OPSGATE_SANDBOX_URL: z.string().url().optional().or(z.literal('')),
    OPSGATE_SANDBOX_CA: z.string().optional(),
    OPSGATE_SANDBOX_PORT: intFrom('OPSGATE_SANDBOX_PORT', 0, 0, 65535),
    /** 32-byte key, base64; when unset a key file is generated in the data folder. */
    OPSGATE_ENCRYPTION_KEY: z.string().optional(),
    OPSGATE_LEASE_SECONDS: intFrom('OPSGATE_LEASE_SECONDS', 30, 2, 3600),
    OPSGATE_EXPIRY_WARNING_DAYS: intFrom('OPSGATE_EXPIRY_WARNING_DAYS', DEFAULT_EXPIRY_WARNING_DAYS, 0, 3650),
    // A guessable token would make the main port's /metrics public; the value is never printed.
    OPSGATE_METRICS_TOKEN: z
      .string()
      .optional()
      .refine((v) => v === undefined || v === '' || /^[\x21-\x7e]{16,512}$/.test(v), {
        message: 'OPSGATE_METRICS_TOKEN must be 16 to 512 printable characters without spaces',
      }),
    OPSGATE_METRICS_PORT: optionalIntFrom('OPSGATE_METRICS_PORT', 0, 65535),
    OPSGATE_SHUTDOWN_GRACE_SECONDS: intFrom('OPSGATE_SHUTDOWN_GRACE_SECONDS', 25, 0, 3600),
    OPSGATE_RETENTION_DAYS: intFrom('OPSGATE_RETENTION_DAYS', 400, 1, 36_500),
    OPSGATE_PUBLIC_URL: publicUrlFrom,
    OPSGATE_TRUST_PROXY: trustProxyFrom,
    OPSGATE_SSO_TENANT_ID: z
      .string()
      .optional()
      .refine((v) => v === undefined || v === '' || /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]+(\.[a-z0-9-]+)+)$/i.test(v), {
        message:
          'OPSGATE_SSO_TENANT_ID must be your own tenant: its id (a GUID) or a verified domain (multi-tenant authorities such as "organizations" are not accepted)',
      }),
    OPSGATE_SSO_CLIENT_ID: z
      .string()
      .optional()
      .refine((v) => v === undefined || v === '' || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v), {
        message: "OPSGATE_SSO_CLIENT_ID must be the app registration's application (client) id, a GUID",
      }),
    OPSGATE_SSO_CLIENT_SECRET: z.string().max(1024, { message: 'OPSGATE_SSO_CLIENT_SECRET is too long' }).optional(),
    OPSGATE_SSO_CLOUD: z.enum(['global', 'sandbox'], { message: 'OPSGATE_SSO_CLOUD must be global or sandbox' }).optional().or(z.literal('')),
    OPSGATE_LOG_LEVEL: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined || v === '') return undefined;
        if (!(LOG_LEVELS as readonly string[]).includes(v)) {
          ctx.addIssue({ code: 'custom', message: `OPSGATE_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${v}"` });
          return z.NEVER;
        }
        return v as LogLevel;
      }),
  })
  .superRefine((e, ctx) => {
    const sso = [e.OPSGATE_SSO_TENANT_ID, e.OPSGATE_SSO_CLIENT_ID, e.OPSGATE_SSO_CLIENT_SECRET];
    if (sso.some((v) => v) && !sso.every((v) => v)) {
      ctx.addIssue({
        code: 'custom',
        path: ['OPSGATE_SSO_TENANT_ID'],
        message: 'Sign in with Microsoft needs all three of OPSGATE_SSO_TENANT_ID, OPSGATE_SSO_CLIENT_ID and OPSGATE_SSO_CLIENT_SECRET',
      });
    }
  });

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  workerConcurrency: number;
  seed: 'demo' | 'none';
  sandboxLatencyMs: number;
  sandboxUrl: string | undefined;
  sandboxPort: number;
  /** CA certificate (PEM file) of a sandbox running in another process. */
  sandboxCaFile: string | undefined;
  encryptionKey: string | undefined;
  leaseSeconds: number;
  /** Needs attention warns this many days before a credential expires (0: only once expired). */
  expiryWarningDays: number;
  /** Bearer token for GET /metrics on the main port; unset: not served there. */
  metricsToken: string | undefined;
  /** Port of a listener serving only GET /metrics (on HOST), for any role; unset: none. */
  metricsPort: number | undefined;
  /** JSON log lines at this level and above. */
  logLevel: LogLevel;
  /** On SIGTERM, how long in-flight requests and running jobs get to finish. */
  shutdownGraceSeconds: number;
  /** Completed runs older than this many days are pruned daily. */
  retentionDays: number;
  /** The origin people reach opsgate at (links, redirect URIs); https makes the session cookie Secure. Unset: the request's own. */
  publicUrl: string | undefined;
  /** Reverse proxies whose X-Forwarded-* headers are believed (client address, protocol, host). */
  trustProxy: TrustProxy;
  /** Sign in with Microsoft; unset: password sign-in only (`start` with its own demo sandbox enables the demo's). */
  sso: SsoConfig | undefined;
}

export class ConfigError extends Error {}

export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `- ${i.path.join('.') || 'environment'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL || undefined,
    dataDir: path.resolve(e.OPSGATE_DATA_DIR || '.opsgate'),
    port: e.PORT,
    host: e.HOST || '127.0.0.1',
    workerConcurrency: e.OPSGATE_WORKER_CONCURRENCY,
    seed: e.OPSGATE_SEED ?? 'demo',
    sandboxLatencyMs: e.OPSGATE_SANDBOX_LATENCY_MS,
    sandboxUrl: e.OPSGATE_SANDBOX_URL || undefined,
    sandboxPort: e.OPSGATE_SANDBOX_PORT,
    sandboxCaFile: e.OPSGATE_SANDBOX_CA || undefined,
    encryptionKey: e.OPSGATE_ENCRYPTION_KEY || undefined,
    leaseSeconds: e.OPSGATE_LEASE_SECONDS,
    expiryWarningDays: e.OPSGATE_EXPIRY_WARNING_DAYS,
    metricsToken: e.OPSGATE_METRICS_TOKEN || undefined,
    metricsPort: e.OPSGATE_METRICS_PORT,
    logLevel: e.OPSGATE_LOG_LEVEL ?? 'info',
    shutdownGraceSeconds: e.OPSGATE_SHUTDOWN_GRACE_SECONDS,
    retentionDays: e.OPSGATE_RETENTION_DAYS,
    publicUrl: e.OPSGATE_PUBLIC_URL,
    trustProxy: e.OPSGATE_TRUST_PROXY,
    sso:
      e.OPSGATE_SSO_TENANT_ID && e.OPSGATE_SSO_CLIENT_ID && e.OPSGATE_SSO_CLIENT_SECRET
        ? {
            tenantId: e.OPSGATE_SSO_TENANT_ID,
            clientId: e.OPSGATE_SSO_CLIENT_ID.toLowerCase(),
            clientSecret: e.OPSGATE_SSO_CLIENT_SECRET,
            cloud: e.OPSGATE_SSO_CLOUD || 'global',
          }
        : undefined,
  };
}
