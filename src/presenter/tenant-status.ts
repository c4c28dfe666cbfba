// What a tenant's state means for starts, and who can change it: the fix behind
// "tenant_not_operable" is a person, so the answer names them.
import type { TenantStatus } from '../db/schema.ts';

const NOTES: Record<TenantStatus, ((owners: string) => string) | null> = {
  active: null,
  onboarding: (o) => `This tenant is still being onboarded: only its onboarding session can start operations. ${o} can finish onboarding to make it active.`,
  suspended: (o) => `This tenant is suspended: no provider operation can start for it until it is reactivated. ${o} can reactivate it.`,
  archived: (o) => `This tenant is archived and kept for its history only: no provider operation can start for it. ${o} can reactivate it.`,
};

export function tenantStatusNote(status: TenantStatus, ownerEmails: string[]): { message: string; owners: string[] } | null {
  const note = NOTES[status];
  if (!note) return null;
  const who = ownerEmails.length ? `An owner of this tenant (${ownerEmails.join(', ')})` : 'An owner of this workspace';
  return { message: note(who), owners: ownerEmails };
}
