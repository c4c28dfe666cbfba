// Shared by tenant verification, connection check and onboarding verification: acquire a
// token for the pinned connection, read what it was granted, and store those facts on the
// connection. These stored facts are what the gate's DB-only preflight reads.
import { sql } from 'kysely';
import { isProviderError } from '../provider/types.ts';
import type { JobContext, JobResult } from './job-context.ts';
import { ALL_PERMISSIONS, missingPermissions } from './permissions.ts';

type Facts = {
  consent_status: 'granted' | 'missing' | 'unknown';
  granted_permissions?: string[];
  verification_status: 'succeeded' | 'failed' | 'unusable';
  verification_reason_code: string | null;
};

async function storeFacts(ctx: JobContext, facts: Facts): Promise<void> {
  await ctx.db
    .updateTable('provider_connections')
    .set({ ...facts, last_verified_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('id', '=', ctx.connection.id)
    .execute();
}

export async function verifyConnection(ctx: JobContext): Promise<JobResult> {
  let roles: string[];
  try {
    roles = (await ctx.provider.token({ fresh: true })).roles;
    if (roles.length > 0) {
      // The token alone proves credentials; reading the organization proves the tenant answers.
      await ctx.provider.get(`/v1.0/organization/${encodeURIComponent(ctx.tenant.entra_tenant_id)}`);
    }
  } catch (err) {
    if (!isProviderError(err)) throw err;
    const code = err.failure.code;
    const transient = code === 'provider_throttled' || code === 'provider_unavailable';
    if (!transient) {
      await storeFacts(ctx, {
        consent_status: code === 'provider_consent_missing' ? 'missing' : 'unknown',
        ...(code === 'provider_consent_missing' ? { granted_permissions: [] } : {}),
        verification_status: code === 'provider_connection_unusable' || code === 'provider_tenant_not_found' ? 'unusable' : 'failed',
        verification_reason_code: code,
      });
    }
    return { outcome: 'failed', summaryCounts: {}, reason: { code, params: err.failure.params } };
  }

  if (roles.length === 0) {
    await storeFacts(ctx, {
      consent_status: 'missing',
      granted_permissions: [],
      verification_status: 'failed',
      verification_reason_code: 'provider_consent_missing',
    });
    return { outcome: 'failed', summaryCounts: { permissionsGranted: 0 }, reason: { code: 'provider_consent_missing' } };
  }

  const missing = missingPermissions(roles, ALL_PERMISSIONS);
  const summaryCounts = {
    permissionsRequired: ALL_PERMISSIONS.length,
    permissionsGranted: ALL_PERMISSIONS.length - missing.length,
    permissionsMissing: missing.length,
  };
  await storeFacts(ctx, {
    consent_status: 'granted',
    granted_permissions: [...roles].sort(),
    verification_status: 'succeeded',
    verification_reason_code: missing.length ? 'provider_permission_missing' : null,
  });
  if (missing.length) {
    return { outcome: 'partially_succeeded', summaryCounts, reason: { code: 'provider_permission_missing', params: { missing } } };
  }
  return { outcome: 'succeeded', summaryCounts };
}
