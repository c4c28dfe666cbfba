// Registers the demo fixtures in the sandbox cloud, so each demo connection behaves as its
// stored facts say: woodgrove's app has no admin consent, tailspin's secret is expired,
// alpine's app lacks Group.Read.All, and so on. Fourth Coffee is registered too: a tenant
// only the cloud knows, for the onboarding wizard to find.
import type { SandboxState } from '../../sandbox/index.ts';
import { DEMO_WORKSPACES } from './demo-fixture.ts';
import { FOURTH_COFFEE } from './fourth-coffee.ts';

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
  registerFourthCoffee(state, now);
}

function registerFourthCoffee(state: SandboxState, now: Date): void {
  const f = FOURTH_COFFEE;
  if (state.getTenant(f.entraTenantId)) return;
  state.addTenant({ id: f.entraTenantId, displayName: f.name, defaultDomain: f.defaultDomain, counts: f.counts });
  state.addApp(f.entraTenantId, {
    clientId: f.connection.clientId,
    displayName: `opsgate - ${f.name}`,
    secret: f.connection.secret,
    secretExpiresAt: new Date(now.getTime() + f.connection.secretExpiresInDays * DAY).toISOString(),
    // Consented in the cloud already: opsgate learns it only by verifying.
    consentGranted: true,
    grantedRoles: [...f.connection.permissions],
  });
}
