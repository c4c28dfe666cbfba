// Registers the demo fixtures in the sandbox cloud, so each demo connection behaves as its
// stored facts say: woodgrove's app has no admin consent, tailspin's secret is expired,
// alpine's app lacks Group.Read.All, and so on.
import type { SandboxState } from '../provider/sandbox/index.ts';
import { DEMO_WORKSPACES } from './demo-fixture.ts';

const DAY = 86_400_000;

export function registerDemoInSandbox(state: SandboxState, now = new Date()): void {
  for (const ws of DEMO_WORKSPACES) {
    for (const t of ws.tenants) {
      if (state.getTenant(t.entraTenantId)) continue;
      state.addTenant({ id: t.entraTenantId, displayName: t.name, defaultDomain: `${t.slug}.onmicrosoft.com` });
      for (const c of t.connections) {
        state.addApp(t.entraTenantId, {
          clientId: c.clientId,
          displayName: `opsgate - ${t.name} (${c.name})`,
          secret: c.secret,
          secretExpiresAt: new Date(now.getTime() + c.secretExpiresInDays * DAY).toISOString(),
          consentGranted: c.consent === 'granted',
          grantedRoles: [...c.permissions],
        });
      }
    }
  }
}
