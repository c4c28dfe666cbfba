// The demo's onboarding presets: customer tenants the sandbox cloud holds but the console does
// not (Fourth Coffee), offered by the wizard so a new user can walk onboarding end to end.
//
// Whether there is anything to offer is asked of the sandbox this process talks to, never of
// configuration alone: a process without a sandbox (production) offers nothing, and neither
// does a sandbox that no longer holds the tenant or its app. The preset carries the app's
// client secret, which is a sandbox-only demo credential; it is handed to the signed-in wizard
// user and never logged.
import { dispatcherFor } from '../provider/microsoft/transport.ts';
import { isSecretExpired, type SandboxState } from '../../sandbox/state.ts';
import type { CloudEndpoints } from '../provider/types.ts';
import { FOURTH_COFFEE } from '../seed/fourth-coffee.ts';
import { fetch } from 'undici';
import type { Db } from '../db/connect.ts';

export interface DemoPreset {
  key: string;
  /** The wizard's button label. */
  label: string;
  description: string;
  tenant: { name: string; slug: string; entraTenantId: string };
  connection: { name: string; cloud: 'sandbox'; clientId: string; clientSecret: string; secretExpiresAt: string };
}

/** Where the presets come from; asked on every request so the answer follows the sandbox. */
export type DemoPresetSource = () => Promise<DemoPreset[]>;

export const noDemoPresets: DemoPresetSource = async () => [];

const DAY = 86_400_000;

function fourthCoffee(secret: string, secretExpiresAt: string): DemoPreset {
  const f = FOURTH_COFFEE;
  return {
    key: f.slug,
    label: `Use the sandbox's ${f.name}`,
    description: `${f.name} exists in the sandbox cloud with an app registration its admin has already consented to, but not in the console yet.`,
    tenant: { name: f.name, slug: f.slug, entraTenantId: f.entraTenantId },
    connection: { name: f.connection.name, cloud: 'sandbox', clientId: f.connection.clientId, clientSecret: secret, secretExpiresAt },
  };
}

/** The process's own sandbox: read its state, so a rotated secret or a removed app shows at once. */
export function ownSandboxPresets(state: SandboxState): DemoPresetSource {
  return async () => {
    const f = FOURTH_COFFEE;
    const app = state.getTenant(f.entraTenantId) ? state.getApp(f.entraTenantId, f.connection.clientId) : undefined;
    if (!app || !app.appExists || isSecretExpired(app)) return [];
    return [fourthCoffee(app.secret, app.secretExpiresAt ?? new Date(Date.now() + 365 * DAY).toISOString())];
  };
}

const REMOTE_TTL_MS = 30_000;
const REMOTE_TIMEOUT_MS = 2_000;

/**
 * A sandbox in another process (OPSGATE_SANDBOX_URL): its control API never returns secrets,
 * so the preset carries the fixture's secret, offered only while that sandbox holds the app
 * with it unexpired. Cached briefly: the wizard page must not wait on the sandbox each time.
 */
export function remoteSandboxPresets(endpoints: CloudEndpoints): DemoPresetSource {
  let cached: { at: number; presets: DemoPreset[] } | null = null;
  return async () => {
    if (cached && Date.now() - cached.at < REMOTE_TTL_MS) return cached.presets;
    const f = FOURTH_COFFEE;
    const url = `${endpoints.authorityHost.replace(/\/+$/, '')}/_sandbox/tenants/${f.entraTenantId}/apps/${f.connection.clientId}`;
    let presets: DemoPreset[] = [];
    try {
      const res = await fetch(url, { dispatcher: dispatcherFor(endpoints.caPem), signal: AbortSignal.timeout(REMOTE_TIMEOUT_MS) });
      const app = res.ok ? ((await res.json()) as { appExists?: boolean; secretExpired?: boolean; secretExpiresAt?: string | null }) : null;
      if (app?.appExists && !app.secretExpired) {
        presets = [fourthCoffee(f.connection.secret, app.secretExpiresAt ?? new Date(Date.now() + 365 * DAY).toISOString())];
      }
    } catch {
      // Unreachable or not a sandbox: nothing to offer.
    }
    cached = { at: Date.now(), presets };
    return presets;
  };
}

/**
 * Each preset with a slug no tenant uses yet ("fourth-coffee", then "fourth-coffee-2", …), so
 * the demo can be walked again after an earlier walk took the slug.
 */
export async function withFreeSlugs(db: Db, presets: DemoPreset[]): Promise<DemoPreset[]> {
  const out: DemoPreset[] = [];
  for (const p of presets) {
    const taken = new Set((await db.selectFrom('tenants').select('slug').where('slug', 'like', `${p.tenant.slug}%`).execute()).map((r) => r.slug));
    let slug = p.tenant.slug;
    for (let n = 2; taken.has(slug); n++) slug = `${p.tenant.slug}-${n}`;
    out.push({ ...p, tenant: { ...p.tenant, slug } });
  }
  return out;
}
