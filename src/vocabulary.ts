// The stored vocabularies, once. Each is an `as const` list: the Kysely column types
// (src/db/schema.ts), the API's zod enums (src/http/) and the console import them from here,
// and a test compares each list with the CHECK constraint of its column in the migrated
// database (test/db/vocabulary.test.ts), so a value added in one place and not the other fails.
// Operation types (src/operations/definition.ts), reason codes (src/reasons/codes.ts) and
// capabilities (src/access/capabilities.ts) keep their own lists beside what they define.

export const TENANT_STATUSES = ['onboarding', 'active', 'suspended', 'archived'] as const;
export const ROLES = ['owner', 'manager', 'operator', 'readonly'] as const;
export const CONSENT_STATUSES = ['granted', 'missing', 'unknown'] as const;
export const VERIFICATION_STATUSES = ['never', 'succeeded', 'failed', 'unusable'] as const;
export const RUN_STATUSES = ['queued', 'running', 'completed'] as const;
export const RUN_OUTCOMES = ['pending', 'succeeded', 'partially_succeeded', 'failed', 'blocked', 'cancelled'] as const;
export const TRIGGERS = ['operator', 'scheduled', 'system'] as const;
export const CLOUDS = ['global', 'sandbox'] as const;
export const CREDENTIAL_KINDS = ['secret', 'certificate'] as const;
export const ONBOARDING_STATUSES = ['draft', 'completed', 'cancelled'] as const;
/** An onboarding bootstrap step: waiting its turn, admitted (queued, running) or how it ended. */
export const SELECTION_STATES = [
  'pending',
  'queued',
  'running',
  'succeeded',
  'partially_succeeded',
  'failed',
  'blocked',
  'deduped',
  'scope_busy',
  'cancelled',
] as const;

export type TenantStatus = (typeof TENANT_STATUSES)[number];
export type Role = (typeof ROLES)[number];
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];
export type RunStatus = (typeof RUN_STATUSES)[number];
export type RunOutcome = (typeof RUN_OUTCOMES)[number];
export type Trigger = (typeof TRIGGERS)[number];
export type Cloud = (typeof CLOUDS)[number];
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];
export type OnboardingStatus = (typeof ONBOARDING_STATUSES)[number];
export type SelectionState = (typeof SELECTION_STATES)[number];

/** Each list with the columns whose CHECK constraint must allow exactly its values. */
export const CHECKED_COLUMNS: { values: readonly string[]; columns: readonly `${string}.${string}`[] }[] = [
  { values: TENANT_STATUSES, columns: ['tenants.status'] },
  { values: ROLES, columns: ['tenant_memberships.role', 'workspace_members.role'] },
  { values: CONSENT_STATUSES, columns: ['provider_connections.consent_status'] },
  { values: VERIFICATION_STATUSES, columns: ['provider_connections.verification_status'] },
  { values: RUN_STATUSES, columns: ['operation_runs.status'] },
  { values: RUN_OUTCOMES, columns: ['operation_runs.outcome'] },
  { values: TRIGGERS, columns: ['operation_runs.trigger', 'bulk_operations.trigger'] },
  { values: CLOUDS, columns: ['provider_connections.cloud', 'app_registrations.cloud'] },
  { values: CREDENTIAL_KINDS, columns: ['provider_connections.credential_kind', 'app_registrations.credential_kind'] },
  { values: ONBOARDING_STATUSES, columns: ['onboarding_sessions.status'] },
  { values: SELECTION_STATES, columns: ['onboarding_selections.state'] },
];
