// Needs attention as the console reads it (GET /api/workspaces/{ws}/attention), shared by the
// page and the sidebar's count.
import { useResource, type Resource } from './hooks.ts';
import { useSession } from './session.tsx';
import type { AttentionItem, ItemList, SessionWorkspace } from './types.ts';

/** Short names of the reasons, for grouping by reason ("12 tenants: admin consent missing"). */
export const REASON_TITLES: Record<string, string> = {
  tenant_not_operable: 'Tenant not active',
  provider_connection_missing: 'No default connection',
  provider_connection_disabled: 'Connection disabled',
  provider_credentials_missing: 'No credential stored',
  provider_credentials_expired: 'Credential expired',
  provider_credentials_expiring: 'Credential expiring soon',
  provider_connection_unusable: 'Connection unusable',
  provider_consent_missing: 'Admin consent missing',
  provider_permission_missing: 'Permissions missing',
  provider_verification_failed: 'Last verification failed',
  scheduled_run_failed: 'Last scheduled run failed',
};

/** The workspace the shell shows: the user's first. */
export function useCurrentWorkspace(): SessionWorkspace | null {
  const { session } = useSession();
  return session?.workspaces[0] ?? null;
}

/** Stored facts change slowly: refreshed every minute, and after every start. */
export function useAttention(): Resource<ItemList<AttentionItem>> {
  const ws = useCurrentWorkspace();
  return useResource<ItemList<AttentionItem>>(ws ? `/api/workspaces/${encodeURIComponent(ws.slug)}/attention` : null, { idleIntervalMs: 60_000 });
}
