// Shapes of the HTTP API (docs/API.md) as the console reads them: the server's own
// response schemas (`z.output`) and presenter types, imported as types only — erased from the
// bundle, so the console cannot drift from what the API answers and pulls in no server code.
import type { z } from 'zod';
import type { Capability } from '../../src/access/capabilities.ts';
import type { pageSchema } from '../../src/http/keyset.ts';
import type { connectionInUseSchema } from '../../src/http/routes/connection-lifecycle.ts';
import type { appInUseSchema, appRegistrationSchema } from '../../src/http/routes/app-registrations.ts';
import type { attentionItemSchema } from '../../src/http/routes/attention.ts';
import type { auditItemSchema, auditPageSchema } from '../../src/http/routes/audit.ts';
import type { backupItemSchema } from '../../src/http/routes/backups.ts';
import type { tenantSelection } from '../../src/http/routes/bulk.ts';
import type { createdInvitationSchema, invitationOfferSchema, openInvitationSchema } from '../../src/http/routes/invitations.ts';
import type { memberSchema } from '../../src/http/routes/members.ts';
import type { onboardingSessionSchema } from '../../src/http/routes/onboarding.ts';
import type { presetSchema } from '../../src/http/routes/onboarding-presets.ts';
import type { connectionSchema } from '../../src/http/routes/provider-connections.ts';
import type { groupSchema, inventorySchema, roleDefinitionSchema } from '../../src/http/routes/records.ts';
import type { adminConsentSchema } from '../../src/http/routes/remediation.ts';
import type { restoreItemSchema, restoreRunSchema, restoreRunSummarySchema } from '../../src/http/routes/restore-runs.ts';
import type { runPageSchema } from '../../src/http/routes/runs.ts';
import type { authProvidersSchema, sessionSchema } from '../../src/http/routes/session.ts';
import type { setupStatusSchema } from '../../src/http/routes/setup.ts';
import type { tenantDetailSchema } from '../../src/http/routes/tenants.ts';
import type { deliverySchema, webhookSchema } from '../../src/http/routes/webhooks.ts';
import type {
  items,
  notificationSchema,
  preflightAnswerSchema,
  runSchema,
  startAnswerSchema,
  stepSchema,
  tenantSummarySchema,
} from '../../src/http/schemas.ts';
import type { OperationType } from '../../src/operations/definition.ts';
import type { SettableStatus } from '../../src/tenants/lifecycle.ts';

export type { Capability, OperationType };

// ---- starts and runs ----------------------------------------------------------------------

/** The presenter's start answer: the one thing StartFeedback renders. */
export type StartAnswer = z.output<typeof startAnswerSchema>;
export type PreflightAnswer = z.output<typeof preflightAnswerSchema>;
export type Outcome = StartAnswer['outcome'];
/** A next step; `url` is null when the viewer lacks the capability, and `hint` then says who can. */
export type NextStep = z.output<typeof stepSchema>;
export type Reason = NonNullable<StartAnswer['reason']>;
export type RunLink = NonNullable<StartAnswer['run']>;

export type Run = z.output<typeof runSchema>;
export type RunPage = z.output<typeof runPageSchema>;
export type RunStatus = Run['status'];
export type RunOutcome = Run['outcome'];
/** Runs outlive their connection: `deleted` once it is gone (id and name are those it had). */
export type ConnectionRef = NonNullable<Run['providerConnection']>;
export type Notification = z.output<typeof notificationSchema>;

/** `{items: T[]}`: the answer of the lists that are not paged (src/http/schemas.ts `items`). */
export type ItemList<T> = z.output<ReturnType<typeof items<z.ZodType<T>>>>;
/** One page of a keyset-paged, counted list (src/http/keyset.ts) of `T`. */
export type ServerPage<T> = z.output<ReturnType<typeof pageSchema<z.ZodType<T>>>>;

// ---- who is signed in ---------------------------------------------------------------------

export type Session = z.output<typeof sessionSchema>;
export type SessionTenant = Session['tenants'][number];
export type SessionWorkspace = Session['workspaces'][number];
export type Role = SessionTenant['role'];
export type AuthProvider = z.output<typeof authProvidersSchema>['items'][number];
export type SetupStatus = z.output<typeof setupStatusSchema>;

// ---- tenants and their records ------------------------------------------------------------

/** A row of GET /api/tenants. */
export type TenantSummary = z.output<typeof tenantSummarySchema>;
/** GET /api/tenants/{tenant}. */
export type Tenant = z.output<typeof tenantDetailSchema>;
export type TenantStatus = Tenant['status'];
/** The statuses an owner may set (PATCH /api/tenants/{tenant}). */
export type SettableTenantStatus = SettableStatus;
/** "all", or the slugs of the tenants picked (a bulk start's and a schedule's `tenants`). */
export type TenantSelection = z.input<typeof tenantSelection>;

export type ProviderConnection = z.output<typeof connectionSchema>;
/** A certificate connection's public certificate, for upload to the app registration. */
export type ConnectionCertificate = NonNullable<ProviderConnection['certificate']>;
/** 409 connection_in_use: the error plus the run that holds the connection. */
export type ConnectionInUse = z.output<typeof connectionInUseSchema>;
export type AdminConsent = z.output<typeof adminConsentSchema>;

/** GET /api/tenants/{tenant}/backup-items: one captured configuration. */
export type BackupItem = z.output<typeof backupItemSchema>;
export type RestoreRunSummary = z.output<typeof restoreRunSummarySchema>;
export type RestoreRun = z.output<typeof restoreRunSchema>;
export type RestoreItem = z.output<typeof restoreItemSchema>;

export type Group = z.output<typeof groupSchema>;
export type RoleDefinition = z.output<typeof roleDefinitionSchema>;
export type InventoryItem = z.output<typeof inventorySchema>;

// ---- onboarding ---------------------------------------------------------------------------

export type OnboardingSession = z.output<typeof onboardingSessionSchema>;
export type OnboardingSelection = OnboardingSession['selections'][number];
export type DemoPreset = z.output<typeof presetSchema>;

// ---- workspace ----------------------------------------------------------------------------

export type Member = z.output<typeof memberSchema>;
export type OpenInvitation = z.output<typeof openInvitationSchema>;
export type CreatedInvitation = z.output<typeof createdInvitationSchema>;
export type InvitationOffer = z.output<typeof invitationOfferSchema>;
export type Webhook = z.output<typeof webhookSchema>;
export type Delivery = z.output<typeof deliverySchema>;
export type AppRegistration = z.output<typeof appRegistrationSchema>;
/** 409 app_in_use: the error plus how many connections use the app. */
export type AppInUse = z.output<typeof appInUseSchema>;
export type AttentionItem = z.output<typeof attentionItemSchema>;
export type AuditItem = z.output<typeof auditItemSchema>;
export type AuditPage = z.output<typeof auditPageSchema>;
