// Console URLs the presenter links to. One place, so the web routes and the API answers agree.
export const runUrl = (runId: string) => `/admin/operations/${runId}`;
export const providerConnectionUrl = (connectionId: string) => `/admin/provider-connections/${connectionId}`;
export const tenantUrl = (slug: string) => `/admin/t/${encodeURIComponent(slug)}`;
export const restoreRunUrl = (slug: string, restoreRunId: string) => `${tenantUrl(slug)}/restore-runs/${restoreRunId}`;
