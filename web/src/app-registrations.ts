// Workspace app registrations as the console reads them (GET /api/workspaces/{ws}/app-registrations):
// the MSP's multi-tenant app(s), whose credential every connection on them uses.
import { useCurrentWorkspace } from './attention.ts';
import { useResource, type Resource } from './hooks.ts';
import type { AppRegistration, ItemList } from './types.ts';

export const APP_REGISTRATIONS_PATH = '/admin/settings/app-registrations';

/**
 * The current workspace's apps, for those who may manage them (provider_connection.manage on the
 * workspace); null data (no request) for everyone else, who then simply gets no app choice.
 */
export function useAppRegistrations(): Resource<ItemList<AppRegistration>> {
  const ws = useCurrentWorkspace();
  const may = !!ws?.capabilities.includes('provider_connection.manage');
  return useResource<ItemList<AppRegistration>>(may && ws ? `/api/workspaces/${encodeURIComponent(ws.slug)}/app-registrations` : null);
}

/** "Client secret · expires in 12 days" in the console's words. */
export function credentialLabel(a: Pick<AppRegistration, 'credentialType'>): string {
  return a.credentialType === 'certificate' ? 'Certificate' : 'Client secret';
}
