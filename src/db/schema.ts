// Table types for Kysely, written by hand beside the numbered SQL migrations.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T = Record<string, unknown>> = ColumnType<T, string | T | undefined, string | T>;

import type {
  Cloud,
  ConsentStatus,
  CredentialKind,
  OnboardingStatus,
  Role,
  RunOutcome,
  RunStatus,
  SelectionState,
  TenantStatus,
  Trigger,
  VerificationStatus,
} from '../vocabulary.ts';

// The stored vocabularies live in src/vocabulary.ts; re-exported for the modules that import them from here.
export type { Cloud, ConsentStatus, CredentialKind, OnboardingStatus, Role, RunOutcome, RunStatus, SelectionState, TenantStatus, Trigger, VerificationStatus };
export type SummaryCounts = Record<string, number>;
export type ReasonParams = Record<string, string | number | boolean | string[]>;

export interface WorkspacesTable {
  id: Generated<string>;
  slug: string;
  name: string;
  created_at: Timestamp;
}

export interface UsersTable {
  id: Generated<string>;
  email: string;
  display_name: string;
  password_hash: string;
  created_at: Timestamp;
  /** Migration 0015: the Microsoft account (tid + oid) linked by the first "Sign in with Microsoft". */
  entra_tenant_id: ColumnType<string | null, string | null | undefined, string | null>;
  entra_object_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface WorkspaceMembersTable {
  workspace_id: string;
  user_id: string;
  /** The role on the workspace itself: workspace-level capabilities (members, onboarding). */
  role: ColumnType<Role, Role | undefined, Role>;
  /** Member of every tenant of the workspace, also those added later (a trigger on tenants). */
  all_tenants: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface TenantsTable {
  id: Generated<string>;
  workspace_id: string;
  slug: string;
  name: string;
  entra_tenant_id: string;
  status: TenantStatus;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface TenantMembershipsTable {
  tenant_id: string;
  user_id: string;
  role: Role;
}

export interface ProviderConnectionsTable {
  id: Generated<string>;
  tenant_id: string;
  /** The tenant's workspace, copied by a trigger when left out (0020: scale-out by workspace). */
  workspace_id: Generated<string>;
  name: string;
  cloud: ColumnType<Cloud, Cloud | undefined, Cloud>;
  client_id: string;
  credential_kind: ColumnType<CredentialKind, CredentialKind | undefined>;
  secret_ciphertext: string | null;
  /** SHA-256 thumbprint of the certificate, base64url (Entra's x5t#S256). */
  certificate_thumbprint: string | null;
  /** The public certificate opsgate generated (migration 0011); shown for upload, never secret. */
  certificate_pem: ColumnType<string | null, string | null | undefined, string | null>;
  /** The certificate's private key, sealed like a client secret; never returned. */
  private_key_ciphertext: ColumnType<string | null, string | null | undefined, string | null>;
  credential_expires_at: NullableTimestamp;
  /** Migration 0016: on a workspace app registration, whose credential facts then apply. */
  app_registration_id: ColumnType<string | null, string | null | undefined, string | null>;
  is_default: ColumnType<boolean, boolean | undefined, boolean>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  consent_status: ColumnType<ConsentStatus, ConsentStatus | undefined, ConsentStatus>;
  granted_permissions: ColumnType<string[], string[] | undefined, string[]>;
  last_verified_at: NullableTimestamp;
  verification_status: ColumnType<VerificationStatus, VerificationStatus | undefined, VerificationStatus>;
  verification_reason_code: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OperationRunsTable {
  id: Generated<string>;
  tenant_id: string;
  /** The tenant's workspace, copied by a trigger when left out (0020: scale-out by workspace). */
  workspace_id: Generated<string>;
  type: string;
  provider_connection_id: string | null;
  initiator_user_id: string | null;
  trigger: Trigger;
  status: RunStatus;
  outcome: RunOutcome;
  reason_code: string | null;
  reason_params: Json<ReasonParams>;
  summary_counts: Json<SummaryCounts>;
  context: Json;
  dedupe_key: string | null;
  blocked_fingerprint: string | null;
  attempt_count: ColumnType<number, number | undefined, number>;
  last_attempt_at: Timestamp;
  lease_owner: string | null;
  lease_expires_at: NullableTimestamp;
  heartbeat_at: NullableTimestamp;
  /** Migration 0010: a cancel was asked for (a running run stops at its next checkpoint). */
  cancel_requested_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  cancel_requested_by: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
}

export interface BackupItemsTable {
  id: Generated<string>;
  tenant_id: string;
  resource_type: 'deviceConfiguration';
  source_id: string;
  display_name: string;
  payload: Json;
  assignments: Json<unknown[]>;
  /** The capture that wrote it (migration 0008); null for older items and after retention. */
  run_id: ColumnType<string | null, string | null | undefined, string | null>;
  captured_at: Timestamp;
}

export interface RestoreRunsTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  created_by: string | null;
  created_at: Timestamp;
}

export type RestoreRunStatus = 'ready' | 'executing' | 'completed' | 'failed';

/** Read-only view (migration 0005): the status is derived from the restore run's last accepted run. */
export interface RestoreRunsWithStatusView {
  id: ColumnType<string, never, never>;
  tenant_id: ColumnType<string, never, never>;
  name: ColumnType<string, never, never>;
  created_by: ColumnType<string | null, never, never>;
  created_at: ColumnType<Date, never, never>;
  last_run_id: ColumnType<string | null, never, never>;
  last_run_outcome: ColumnType<RunOutcome | null, never, never>;
  last_run_reason_code: ColumnType<string | null, never, never>;
  last_run_reason_params: ColumnType<ReasonParams | null, never, never>;
  status: ColumnType<RestoreRunStatus, never, never>;
}

export interface RestoreRunItemsTable {
  restore_run_id: string;
  backup_item_id: string;
  position: number;
  result: 'created' | 'updated' | 'failed' | null;
  target_id: string | null;
}

export interface OnboardingSessionsTable {
  id: Generated<string>;
  workspace_id: string;
  tenant_id: string;
  created_by: string;
  status: ColumnType<OnboardingStatus, 'draft' | undefined, OnboardingStatus>;
  provider_connection_id: string | null;
  verification_run_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OnboardingSelectionsTable {
  session_id: string;
  position: number;
  type: string;
  state: ColumnType<SelectionState, SelectionState | undefined, SelectionState>;
  run_id: string | null;
  reason_code: string | null;
  updated_at: Timestamp;
}

export interface InventoryItemsTable {
  tenant_id: string;
  kind: 'deviceConfiguration' | 'configurationPolicy' | 'compliancePolicy';
  external_id: string;
  display_name: string;
  data: Json;
  provider_connection_id: string | null;
  last_run_id: string | null;
  synced_at: Timestamp;
}

export interface ComplianceSnapshotsTable {
  id: Generated<string>;
  tenant_id: string;
  run_id: string | null;
  counts: Json<SummaryCounts>;
  devices: Json<unknown[]>;
  taken_at: Timestamp;
}

export interface EntraGroupsTable {
  tenant_id: string;
  external_id: string;
  display_name: string;
  mail: string | null;
  security_enabled: ColumnType<boolean, boolean | undefined, boolean>;
  data: Json;
  last_run_id: string | null;
  synced_at: Timestamp;
}

export interface RoleDefinitionsTable {
  tenant_id: string;
  external_id: string;
  display_name: string;
  is_built_in: ColumnType<boolean, boolean | undefined, boolean>;
  data: Json;
  last_run_id: string | null;
  synced_at: Timestamp;
}

export interface NotificationsTable {
  id: Generated<string>;
  user_id: string;
  run_id: string;
  created_at: Timestamp;
  read_at: NullableTimestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  workspace_id: string | null;
  tenant_id: string | null;
  actor_user_id: string | null;
  action: string;
  outcome: string | null;
  operation_type: string | null;
  run_id: string | null;
  reason_code: string | null;
  details: Json;
  created_at: Timestamp;
}

export interface HttpSessionsTable {
  id: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  /** Last use by its person (at most once a minute); idle sessions end (src/http/auth.ts). */
  last_seen_at: Timestamp;
}

export interface ConsentRequestsTable {
  state_hash: string;
  user_id: string;
  http_session_id: string;
  provider_connection_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

export interface InvitationsTable {
  id: Generated<string>;
  workspace_id: string;
  email: string;
  role: Role;
  all_tenants: boolean;
  tenant_ids: ColumnType<string[], string[] | undefined, string[]>;
  token_hash: string;
  invited_by: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  accepted_at: NullableTimestamp;
  accepted_by: string | null;
  revoked_at: NullableTimestamp;
}

/** Migration 0015: a Microsoft sign-in between its start and its callback (src/sso/requests.ts). */
export interface SsoRequestsTable {
  state_hash: string;
  binding_hash: string;
  nonce: string;
  /** The PKCE verifier, as is: worthless without the code, and the row is gone 10 minutes later. */
  code_verifier: string;
  redirect_uri: string;
  next_path: string | null;
  created_at: Timestamp;
  expires_at: Date;
  used_at: NullableTimestamp;
}

/** Migration 0015: sign-in attempts per hashed key in fixed windows (src/http/sign-in-limit.ts). */
export interface SignInAttemptsTable {
  key_hash: string;
  window_started_at: Date;
  attempts: number;
}

export interface SetupTokensTable {
  token_hash: string;
  created_at: Timestamp;
}

/** Migration 0013: one operation started on many tenants (a bulk start or a schedule firing). */
export interface BulkOperationsTable {
  id: Generated<string>;
  workspace_id: string;
  type: string;
  trigger: Trigger;
  initiator_user_id: string | null;
  selection: Json<'all' | string[]>;
  total: number;
  counts: Json<Record<string, number>>;
  created_at: Timestamp;
}

export interface BulkOperationItemsTable {
  bulk_operation_id: string;
  position: number;
  tenant_id: string;
  outcome: 'accepted' | 'deduped' | 'scope_busy' | 'blocked' | 'forbidden';
  run_id: string | null;
  run_type: string | null;
  provider_connection_id: string | null;
  provider_connection_name: string | null;
  reason_code: string | null;
  reason_params: Json<ReasonParams>;
}

/** Migration 0012: a workspace's webhook; the secret is sealed and never leaves the server. */
export interface WebhooksTable {
  id: Generated<string>;
  workspace_id: string;
  url: string;
  events: string[];
  secret_ciphertext: string;
  created_by: string | null;
  created_at: Timestamp;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveriesTable {
  id: Generated<string>;
  webhook_id: string;
  workspace_id: string;
  event: string;
  subject: string;
  body: string;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  last_status_code: ColumnType<number | null, number | null | undefined, number | null>;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  last_attempt_at: NullableTimestamp;
  next_attempt_at: NullableTimestamp;
  delivered_at: NullableTimestamp;
}

export interface WebhookOutboxTable {
  name: string;
  watermark: Timestamp;
}

export interface AttentionOpenTable {
  workspace_id: string;
  key: string;
  raised_at: Timestamp;
}

export interface AttentionScansTable {
  workspace_id: string;
  scanned_at: Timestamp;
}

/** Migration 0014: an operation on many tenants at the times a cron expression names. */
export interface SchedulesTable {
  id: Generated<string>;
  workspace_id: string;
  name: string;
  type: string;
  selection: Json<'all' | string[]>;
  cron: string;
  timezone: string;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  next_fire_at: NullableTimestamp;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ScheduleFiringsTable {
  id: Generated<string>;
  schedule_id: string;
  fired_at: Date;
  claimed_at: Timestamp;
  claimed_by: string;
  bulk_operation_id: string | null;
  counts: Json<Record<string, number> | null>;
}

/** Migration 0009: periodic maintenance tasks claimed once per database (retention). */
export interface OpsgateMaintenanceTable {
  task: string;
  last_started_at: NullableTimestamp;
  last_finished_at: NullableTimestamp;
  last_result: Json;
}

/** Migration 0016: a workspace's multi-tenant app registration, consented in each customer tenant. */
export interface AppRegistrationsTable {
  id: Generated<string>;
  workspace_id: string;
  name: string;
  client_id: string;
  cloud: ColumnType<Cloud, Cloud | undefined, Cloud>;
  credential_kind: ColumnType<CredentialKind, CredentialKind | undefined>;
  secret_ciphertext: string | null;
  certificate_thumbprint: string | null;
  certificate_pem: string | null;
  private_key_ciphertext: string | null;
  credential_expires_at: NullableTimestamp;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DB {
  workspaces: WorkspacesTable;
  users: UsersTable;
  workspace_members: WorkspaceMembersTable;
  tenants: TenantsTable;
  tenant_memberships: TenantMembershipsTable;
  provider_connections: ProviderConnectionsTable;
  operation_runs: OperationRunsTable;
  backup_items: BackupItemsTable;
  restore_runs: RestoreRunsTable;
  bulk_operations: BulkOperationsTable;
  bulk_operation_items: BulkOperationItemsTable;
  schedules: SchedulesTable;
  schedule_firings: ScheduleFiringsTable;
  restore_runs_with_status: RestoreRunsWithStatusView;
  restore_run_items: RestoreRunItemsTable;
  onboarding_sessions: OnboardingSessionsTable;
  onboarding_selections: OnboardingSelectionsTable;
  inventory_items: InventoryItemsTable;
  compliance_snapshots: ComplianceSnapshotsTable;
  entra_groups: EntraGroupsTable;
  role_definitions: RoleDefinitionsTable;
  notifications: NotificationsTable;
  audit_log: AuditLogTable;
  http_sessions: HttpSessionsTable;
  consent_requests: ConsentRequestsTable;
  setup_tokens: SetupTokensTable;
  sso_requests: SsoRequestsTable;
  sign_in_attempts: SignInAttemptsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_outbox: WebhookOutboxTable;
  attention_open: AttentionOpenTable;
  attention_scans: AttentionScansTable;
  invitations: InvitationsTable;
  opsgate_maintenance: OpsgateMaintenanceTable;
  app_registrations: AppRegistrationsTable;
}

export type OperationRun = Selectable<OperationRunsTable>;
export type ProviderConnection = Selectable<ProviderConnectionsTable>;
export type Tenant = Selectable<TenantsTable>;
export type Schedule = Selectable<SchedulesTable>;
export type NewProviderConnection = Insertable<ProviderConnectionsTable>;
