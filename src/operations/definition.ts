// What every covered operation declares. The gate, the presenter and the worker read only
// this; nothing else knows about individual operation types.
import type { Capability } from '../access/capabilities.ts';

/** Stored strings; the legacy ones (entra_group_sync, directory_role_definitions.sync) stay as they are. */
export const OPERATION_TYPES = [
  'tenant.verification',
  'provider_connection.check',
  'inventory.sync',
  'compliance.snapshot',
  'restore.execute',
  'entra_group_sync',
  'directory_role_definitions.sync',
  'onboarding.verification',
  'backup.capture',
] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

export function isOperationType(v: unknown): v is OperationType {
  return typeof v === 'string' && (OPERATION_TYPES as readonly string[]).includes(v);
}

/**
 * What makes two starts "the same work" (deduped rather than scope busy).
 * - `tenant`: operations that write the tenant's own records (inventory, groups, ...): the same
 *   type on the same tenant is the same work whichever connection it would run on, so a second
 *   start on another connection is deduped instead of writing the same records twice.
 * - `connection` / `tenant_connection`: operations that check a connection; each connection
 *   is its own work.
 * - `restore_run`, `onboarding_session`: the target is the identity (it belongs to one tenant).
 */
export type DedupeIdentity = 'tenant' | 'connection' | 'tenant_connection' | 'restore_run' | 'onboarding_session';

export interface OperationDefinition {
  type: OperationType;
  /** Button label, verb + object: "Sync inventory". */
  action: string;
  /** Noun phrase for titles: "Inventory sync" -> "Inventory sync blocked". */
  title: string;
  capability: Capability;
  dedupe: DedupeIdentity;
  /** Graph application permissions the job needs; ReadWrite satisfies Read. */
  requiredPermissions: readonly string[];
  /**
   * Verification-type operations are how stored consent/permission facts get refreshed, so
   * those facts must not block them (an operator who just granted consent must be able to verify).
   */
  refreshesReadiness: boolean;
  /** May run on a tenant that is still onboarding, when started from its onboarding session. */
  allowedDuringOnboarding: boolean;
  /** May be chosen as an onboarding bootstrap step. */
  bootstrap: boolean;
}
