// Workspace app registrations as the console reads them (GET /api/workspaces/{ws}/app-registrations):
// the MSP's multi-tenant app(s), whose credential every connection on them uses.
import { useCurrentWorkspace } from './attention.ts';
import { useResource, type Resource } from './hooks.ts';
import type { ConnectionCertificate } from './types.ts';

export interface AppRegistration {
  id: string;
  name: string;
  clientId: string;
  cloud: 'global' | 'sandbox';
  credentialType: 'secret' | 'certificate';
  hasCredential: boolean;
  credentialExpiresAt: string | null;
  connectionCount: number;
  tenants: { slug: string; name: string }[];
  createdAt: string;
  certificate?: ConnectionCertificate;
}

export const APP_REGISTRATIONS_PATH = '/admin/settings/app-registrations';

/**
 * The current workspace's apps, for those who may manage them (provider_connection.manage on the
 * workspace); null data (no request) for everyone else, who then simply gets no app choice.
 */
export function useAppRegistrations(): Resource<{ items: AppRegistration[] }> {
  const ws = useCurrentWorkspace();
  const may = !!ws?.capabilities.includes('provider_connection.manage');
  return useResource<{ items: AppRegistration[] }>(may && ws ? `/api/workspaces/${encodeURIComponent(ws.slug)}/app-registrations` : null);
}

/** "Client secret · expires in 12 days" in the console's words. */
export function credentialLabel(a: Pick<AppRegistration, 'credentialType'>): string {
  return a.credentialType === 'certificate' ? 'Certificate' : 'Client secret';
}
