// What the onboarding wizard may offer in one click: in the demo, the sandbox's Fourth Coffee
// (tenant identity and a ready app registration). Empty wherever no sandbox holds it, so a
// production install never shows the button.
import { z } from 'zod';
import { roleHas } from '../../access/capabilities.ts';
import { withFreeSlugs } from '../../onboarding/demo-presets.ts';
import { userRoute, type Route } from '../route.ts';
import { items } from '../schemas.ts';

export const presetSchema = z.strictObject({
  key: z.string(),
  label: z.string(),
  description: z.string(),
  tenant: z.strictObject({ name: z.string(), slug: z.string(), entraTenantId: z.string() }),
  connection: z.strictObject({
    name: z.string(),
    cloud: z.literal('sandbox'),
    clientId: z.string(),
    clientSecret: z.string(),
    secretExpiresAt: z.string(),
  }),
});

const demoPresets = userRoute({
  method: 'GET',
  url: '/api/onboarding/demo-presets',
  summary:
    'Demo only: customer tenants the sandbox cloud holds but the console does not, with a consented app registration, for the wizard to fill in. ' +
    'Empty without a sandbox, and for users who may not onboard. `connection.clientSecret` is a sandbox-only demo credential.',
  tag: 'onboarding',
  responses: { 200: { description: 'Presets (usually none)', schema: items(presetSchema) } },
  async handler({ deps, user }) {
    // The preset carries a (sandbox) secret: only someone who may onboard gets it.
    const roles = await deps.db.selectFrom('tenant_memberships').select('role').where('user_id', '=', user.id).execute();
    if (!roles.some((r) => roleHas(r.role, 'onboarding.manage'))) return { status: 200, body: { items: [] } };
    const presets = await deps.demoPresets();
    return { status: 200, body: { items: presets.length ? await withFreeSlugs(deps.db, presets) : [] } };
  },
});

export const onboardingPresetRoutes: Route[] = [demoPresets];
