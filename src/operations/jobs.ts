// The job of each covered operation type, for the worker. Kept apart from the definitions
// (registry.ts) so the console can import the registry itself: jobs reach the provider and the
// database, definitions are plain data. A Record keyed by every type: a type without a job (or
// the reverse) fails the typecheck.
import type { OperationType } from './definition.ts';
import type { JobHandler } from './job-context.ts';
import { captureBackup } from './backup-capture/job.ts';
import { takeComplianceSnapshot } from './compliance-snapshot/job.ts';
import { syncRoleDefinitions } from './directory-role-definitions-sync/job.ts';
import { syncGroups } from './entra-group-sync/job.ts';
import { syncInventory } from './inventory-sync/job.ts';
import { executeRestore } from './restore-execute/job.ts';
import { verifyConnection } from './verification.ts';

export const JOBS: Record<OperationType, JobHandler> = {
  'backup.capture': captureBackup,
  'compliance.snapshot': takeComplianceSnapshot,
  'directory_role_definitions.sync': syncRoleDefinitions,
  entra_group_sync: syncGroups,
  'inventory.sync': syncInventory,
  'onboarding.verification': verifyConnection,
  'provider_connection.check': verifyConnection,
  'restore.execute': executeRestore,
  'tenant.verification': verifyConnection,
};
