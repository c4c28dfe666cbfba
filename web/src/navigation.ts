// The console's pages, in the sidebar's order: one list for the sidebar (Shell.tsx) and the
// "Go to…" palette (CommandPalette.tsx). Some are shown only to whoever may use them.
export interface ConsolePage {
  to: string;
  label: string;
}

export const ATTENTION_PAGE: ConsolePage = { to: '/admin/attention', label: 'Needs attention' };

/** Which of the pages shown only to some the reader gets. */
export interface PageAccess {
  /** Workspace owners (workspace.manage_members). */
  members: boolean;
  /** Whoever may read some of the audit log (src/audit/query.ts decides which rows). */
  audit: boolean;
  /** Whoever may manage connections on the workspace (owners, managers): its multi-tenant apps. */
  apps: boolean;
  /** Workspace owners (webhook.manage). */
  webhooks: boolean;
}

export function consolePages(access: PageAccess): ConsolePage[] {
  return [
    { to: '/admin/tenants', label: 'Tenants' },
    // For every member: the sidebar shows the count of what needs attention on the tenants they see.
    ATTENTION_PAGE,
    { to: '/admin/provider-connections', label: 'Provider connections' },
    { to: '/admin/operations', label: 'Operations' },
    { to: '/admin/bulk', label: 'Bulk start' },
    { to: '/admin/schedules', label: 'Schedules' },
    { to: '/admin/onboarding', label: 'Onboarding' },
    ...(access.members ? [{ to: '/admin/members', label: 'Members' }] : []),
    ...(access.audit ? [{ to: '/admin/audit', label: 'Audit log' }] : []),
    ...(access.apps ? [{ to: '/admin/settings/app-registrations', label: 'App registrations' }] : []),
    ...(access.webhooks ? [{ to: '/admin/settings/webhooks', label: 'Webhooks' }] : []),
  ];
}
