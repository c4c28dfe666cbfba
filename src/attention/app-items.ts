// A workspace app's credential is one credential for every tenant on it, so its expiry (or its
// absence) is one problem, not one per tenant: needs attention names the app once ("expires in
// 12 days — 240 tenants") with the one fix, on the app. The per-connection items the gate's
// readiness derived for it (missing / expired / expiring) are folded into that item; every other
// item of those connections (consent, permissions: each customer tenant's own) stays as it is.
import type { CredentialKind } from '../db/schema.ts';
import type { NextStep } from '../reasons/catalogue.ts';
import type { ReasonCode } from '../reasons/codes.ts';
import type { TenantFacts } from './facts.ts';
import type { AttentionItem } from './items.ts';

const FOLDED: ReadonlySet<ReasonCode> = new Set(['provider_credentials_missing', 'provider_credentials_expired', 'provider_credentials_expiring']);
const DAY_MS = 86_400_000;

interface AppFacts {
  id: string;
  name: string;
  kind: CredentialKind;
  expiresAt: Date | null;
}

/** Where "Rotate the app's …" lands: the app's row on the app registrations page. */
export const appRegistrationUrl = (appId: string) => `/admin/settings/app-registrations#app-${appId}`;

export function foldAppCredentialItems(items: readonly AttentionItem[], tenants: readonly TenantFacts[], now: Date): AttentionItem[] {
  const appOf = new Map<string, AppFacts>();
  for (const t of tenants) {
    for (const c of t.connections) {
      if (c.app_registration_id)
        appOf.set(c.id, { id: c.app_registration_id, name: c.app_name ?? '', kind: c.credential_kind, expiresAt: c.credential_expires_at });
    }
  }
  const out: AttentionItem[] = [];
  const groups = new Map<string, { app: AppFacts; code: ReasonCode; items: AttentionItem[] }>();
  for (const item of items) {
    const app = item.providerConnection ? appOf.get(item.providerConnection.id) : undefined;
    if (!app || !FOLDED.has(item.code)) {
      out.push(item);
      continue;
    }
    const key = `${app.id}:${item.code}`;
    const g = groups.get(key) ?? { app, code: item.code, items: [] };
    g.items.push(item);
    groups.set(key, g);
  }
  for (const g of groups.values()) out.push(appItem(g.app, g.code, g.items, now));
  return out;
}

function appItem(app: AppFacts, code: ReasonCode, items: AttentionItem[], now: Date): AttentionItem {
  const tenants = new Set(items.map((i) => i.tenant?.id)).size;
  const noun = app.kind === 'certificate' ? 'certificate' : 'client secret';
  const count = `${tenants} tenant${tenants === 1 ? '' : 's'}`;
  const them = tenants === 1 ? 'it' : 'them';
  const date = app.expiresAt?.toISOString().slice(0, 10) ?? '';
  let message: string;
  if (code === 'provider_credentials_missing') {
    message = `The workspace app “${app.name}” has no ${noun} stored — ${count}. Every start on ${them} is blocked until the app has one.`;
  } else if (code === 'provider_credentials_expired') {
    message = `The ${noun} of the workspace app “${app.name}” expired${date ? ` on ${date}` : ''} — ${count}. Every start on ${them} is blocked until the app's ${noun} is rotated.`;
  } else {
    const days = app.expiresAt ? Math.floor((app.expiresAt.getTime() - now.getTime()) / DAY_MS) : null;
    const when = days === null ? 'soon' : days <= 0 ? 'today' : days === 1 ? 'in 1 day' : `in ${days} days`;
    message = `The ${noun} of the workspace app “${app.name}” expires ${when} — ${count}. Starts on ${them} will be blocked from ${date || 'then'} on.`;
  }
  const rotate: NextStep = {
    label: code === 'provider_credentials_missing' ? `Add the app's ${noun}` : `Rotate the app's ${noun}`,
    url: appRegistrationUrl(app.id),
    capability: 'provider_connection.manage',
  };
  return {
    // Stable while the condition lasts, whichever tenants join or leave the app meanwhile.
    key: `app:${app.id}:${code}`,
    tenant: null,
    providerConnection: null,
    appRegistration: { id: app.id, name: app.name, tenantCount: tenants },
    code,
    severity: items.some((i) => i.severity === 'critical') ? 'critical' : 'warning',
    message,
    nextSteps: [rotate],
    since: new Date(Math.min(...items.map((i) => i.since.getTime()))),
  };
}
