// Every reason code opsgate speaks, at click time and at execution time. The catalogue
// (catalogue.ts) must have an entry for each; a missing one fails the typecheck.

/** Decided by the DB-only preflight: the start is blocked and nothing is queued. */
export const BLOCKED_REASONS = [
  'tenant_not_operable',
  'provider_connection_missing',
  'provider_connection_disabled',
  'provider_credentials_missing',
  'provider_credentials_expired',
  'provider_connection_unusable',
  'provider_consent_missing',
  'provider_permission_missing',
] as const;
export type BlockedReason = (typeof BLOCKED_REASONS)[number];

export function isBlockedReason(v: unknown): v is BlockedReason {
  return typeof v === 'string' && (BLOCKED_REASONS as readonly string[]).includes(v);
}

/** Only at execution time, for accepted runs that fail (same family as the blocked ones). */
export const EXECUTION_ONLY_REASONS = [
  'provider_credentials_invalid',
  'provider_tenant_not_found',
  'provider_throttled',
  'provider_unavailable',
  'provider_request_rejected',
  'execution_interrupted',
  'execution_error',
  // Not a failure: someone ended the run on purpose (outcome cancelled).
  'run_cancelled',
] as const;

/**
 * Only on the needs-attention list (and its webhook): facts that do not block a start yet, or
 * summarise a past failure. Same catalogue, so they read like everything else.
 */
export const ATTENTION_ONLY_REASONS = ['provider_credentials_expiring', 'provider_verification_failed', 'scheduled_run_failed'] as const;

export const REASON_CODES = [...BLOCKED_REASONS, 'scope_busy', ...EXECUTION_ONLY_REASONS, ...ATTENTION_ONLY_REASONS] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export function isReasonCode(v: unknown): v is ReasonCode {
  return typeof v === 'string' && (REASON_CODES as readonly string[]).includes(v);
}
