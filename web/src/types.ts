// Shapes of the HTTP API (CONTRACT "HTTP API"), as the console reads them. Fields the
// contract does not promise are optional so that an older or newer server still renders.
import type { Capability } from '../../src/access/capabilities.ts';
import type { OperationType } from '../../src/operations/definition.ts';

export type { Capability, OperationType };
export type Role = 'owner' | 'manager' | 'operator' | 'readonly';
export type Outcome = 'accepted' | 'deduped' | 'scope_busy' | 'blocked';
export type RunStatus = 'queued' | 'running' | 'completed';
export type RunOutcome = 'pending' | 'succeeded' | 'partially_succeeded' | 'failed' | 'blocked' | 'cancelled';

export interface NextStep {
  label: string;
  /** null when the user lacks the capability to act; `hint` then says who can. */
  url: string | null;
  hint?: string | null;
}

export interface Reason {
  code: string;
  message: string;
}

export interface RunLink {
  id: string;
  url?: string;
}

export interface ConnectionRef {
  id: string;
  name: string;
  /** Runs outlive their connection: set once it was deleted (id and name are those it had). */
  deleted?: true;
}

/** The presenter's start answer: the one thing StartFeedback renders. */
export interface StartAnswer {
  outcome: Outcome;
  label: string;
  operationType: string;
  title: string;
  run: RunLink | null;
  providerConnection: ConnectionRef | null;
  reason: Reason | null;
  nextSteps: NextStep[];
  /** Onboarding bootstrap: the selections that wait for the admitted one. */
  pending?: unknown[];
}

export interface PreflightAnswer {
  wouldBe: Outcome;
  label?: string;
  reason: Reason | null;
  nextSteps: NextStep[];
  run: RunLink | null;
  providerConnection?: ConnectionRef | null;
}

export interface SessionTenant {
  id: string;
  slug: string;
  name: string;
  status?: string;
  role: Role;
  capabilities?: Capability[];
}

export interface SessionWorkspace {
  id: string;
  slug: string;
  name: string;
  role: Role;
  capabilities: Capability[];
}

export interface Session {
  user: { id: string; email: string; displayName?: string };
  tenants: SessionTenant[];
  workspace?: { id?: string; name: string } | null;
  /** The user's workspaces with their workspace role (members, onboarding). */
  workspaces?: SessionWorkspace[];
}

export interface Tenant {
  id: string;
  slug: string;
  name: string;
  status: string;
  entraTenantId?: string;
  role?: Role;
  capabilities?: Capability[];
  /** For a tenant that is not active: what that means for starts, and who can change it. */
  statusNote?: { message: string; owners: string[] } | null;
}

export interface ProviderConnection {
  id: string;
  name: string;
  isDefault: boolean;
  enabled: boolean;
  consentStatus: 'granted' | 'missing' | 'unknown';
  credentialExpiresAt: string | null;
  grantedPermissions: string[];
  lastVerifiedAt: string | null;
  verificationStatus: string;
  verificationReason?: Reason | null;
  verificationReasonCode?: string | null;
  clientId?: string;
  cloud?: string;
  credentialKind?: 'secret' | 'certificate';
  hasCredential?: boolean;
  /** A certificate connection's public certificate, for upload to the app registration. */
  certificate?: ConnectionCertificate | null;
  /** On its own app registration in the customer tenant, or on a workspace (multi-tenant) app. */
  kind?: 'own_app' | 'workspace_app';
  appRegistration?: { id: string; name: string } | null;
  tenant?: { id: string; slug: string; name?: string };
  tenantId?: string;
  createdAt?: string;
  updatedAt?: string;
}

export interface ConnectionCertificate {
  pem: string;
  /** Base64url SHA-256 (Entra's x5t#S256). */
  thumbprintSha256: string;
  /** Upper-case hex SHA-1, as the Entra portal lists it. */
  thumbprintSha1: string;
  notBefore: string;
  notAfter: string;
  subject: string;
}

/** GET /api/tenants/{tenant}/backup-items: one captured configuration. */
export interface BackupItem {
  id: string;
  displayName: string;
  resourceType: string;
  capturedAt: string;
  sourceId?: string;
  assignmentCount?: number;
  runId?: string | null;
}

export interface RestoreRunSummary {
  id: string;
  name: string;
  status: string;
  itemCount: number;
}

export interface RestoreItem {
  id?: string;
  backupItemId?: string;
  displayName?: string;
  name?: string;
  resourceType?: string;
  sourceId?: string;
  action?: string;
  willCreate?: boolean;
  assignmentCount?: number;
  assignments?: unknown[];
  result?: string | null;
  position?: number;
  [key: string]: unknown;
}

export interface RestoreRun extends RestoreRunSummary {
  tenant?: { id: string; slug: string; name?: string };
  createdAt?: string;
  lastRun?: (RunLink & { outcome?: string; reason?: { code: string; message: string } | null }) | null;
  lastRunId?: string | null;
  items?: RestoreItem[];
  preview?: RestoreItem[];
}

export interface Run {
  id: string;
  type: string;
  title?: string;
  label?: string;
  tenant: { id: string; slug: string; name?: string };
  status: RunStatus;
  outcome: RunOutcome;
  trigger: 'operator' | 'scheduled' | 'system';
  initiator: { id: string; email: string } | null;
  providerConnection: ConnectionRef | null;
  reason: Reason | null;
  nextSteps: NextStep[];
  summaryCounts: Record<string, number>;
  context?: Record<string, unknown>;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  [key: string]: unknown;
}

export interface Notification {
  id: string;
  runId: string;
  title: string;
  body: string;
  createdAt: string;
  readAt: string | null;
  url?: string;
}

export interface Group {
  id?: string;
  externalId?: string;
  displayName: string;
  mail?: string | null;
  securityEnabled?: boolean;
  syncedAt?: string;
}

export interface RoleDefinition {
  id?: string;
  externalId?: string;
  displayName: string;
  isBuiltIn?: boolean;
  description?: string | null;
  syncedAt?: string;
}

export interface InventoryItem {
  externalId?: string;
  id?: string;
  kind: string;
  displayName: string;
  syncedAt?: string;
}

export interface OnboardingSelection {
  type: string;
  action?: string;
  /** pending | queued | running | succeeded | partially_succeeded | failed | blocked | deduped | scope_busy | cancelled */
  state: string;
  run: RunLink | null;
  reason: Reason | null;
  nextSteps: NextStep[];
}

export interface OnboardingSession {
  id: string;
  status: 'draft' | 'completed' | 'cancelled' | string;
  tenant: { id: string; slug: string; name: string; entraTenantId?: string; status?: string };
  providerConnection: {
    id: string;
    name: string;
    clientId?: string;
    cloud?: string;
    credentialExpiresAt?: string | null;
    consentStatus?: 'granted' | 'missing' | 'unknown';
    grantedPermissions?: string[];
    verificationStatus?: string;
    kind?: 'own_app' | 'workspace_app';
    appRegistration?: { id: string; name: string } | null;
  } | null;
  verification: { run: RunLink; status: RunStatus; outcome: RunOutcome; reason: Reason | null; nextSteps: NextStep[] } | null;
  selections: OnboardingSelection[];
  /** Types still waiting their turn. */
  pending: string[];
  /** The chain stopped at a step the operator can restart ("Start next"). */
  canStartNext: boolean;
  createdAt?: string;
}
