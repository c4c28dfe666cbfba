// Every API route, in one table: the server registers it, /openapi.json documents it and the
// 404/403 matrix test walks it.
import type { Route } from '../route.ts';
import { appRegistrationRoutes } from './app-registrations.ts';
import { attentionRoutes } from './attention.ts';
import { backupRoutes } from './backups.ts';
import { bulkRoutes } from './bulk.ts';
import { connectionLifecycleRoutes } from './connection-lifecycle.ts';
import { scheduleRoutes } from './schedules.ts';
import { auditRoutes } from './audit.ts';
import { healthRoutes } from './health.ts';
import { notificationRoutes } from './notifications.ts';
import { onboardingRoutes } from './onboarding.ts';
import { onboardingPresetRoutes } from './onboarding-presets.ts';
import { remediationRoutes } from './remediation.ts';
import { openApiRoute } from './openapi.ts';
import { operationRoutes } from './operations.ts';
import { providerConnectionRoutes } from './provider-connections.ts';
import { recordRoutes } from './records.ts';
import { restoreRunRoutes } from './restore-runs.ts';
import { runCancelRoutes } from './run-cancel.ts';
import { runRoutes } from './runs.ts';
import { sessionRoutes } from './session.ts';
import { setupRoutes } from './setup.ts';
import { invitationRoutes } from './invitations.ts';
import { memberRoutes } from './members.ts';
import { passwordRoutes } from './password.ts';
import { tenantRoutes } from './tenants.ts';
import { webhookRoutes } from './webhooks.ts';

export const API_ROUTES: readonly Route[] = [
  ...healthRoutes,
  ...sessionRoutes,
  ...setupRoutes,
  ...passwordRoutes,
  ...memberRoutes,
  ...invitationRoutes,
  ...tenantRoutes,
  ...providerConnectionRoutes,
  ...connectionLifecycleRoutes,
  ...backupRoutes,
  ...restoreRunRoutes,
  ...operationRoutes,
  ...bulkRoutes,
  ...scheduleRoutes,
  ...runRoutes,
  ...runCancelRoutes,
  ...notificationRoutes,
  ...recordRoutes,
  ...onboardingPresetRoutes,
  ...onboardingRoutes,
  ...remediationRoutes,
  ...appRegistrationRoutes,
  ...auditRoutes,
  ...attentionRoutes,
  ...webhookRoutes,
];

/** The table the server registers: the API plus its own description. */
export const ROUTES: readonly Route[] = [...API_ROUTES, openApiRoute(() => ROUTES)];
