// GET /api/workspaces/{ws}/attention: what needs attention across the workspace's tenants the
// user may see, from stored facts only (src/attention/). Any member may read it: it lists only
// tenants they hold, with next steps presented for their role on each.
import { z } from 'zod';
import { findAttention, presentAttention } from '../../attention/index.ts';
import { isoDate, items, stepSchema } from '../schemas.ts';
import { workspaceParams, workspacePathRoute } from '../workspaces.ts';
import type { Route } from '../route.ts';

export const attentionItemSchema = z.strictObject({
  /** null for an item about a workspace app: one item for every tenant on it (`appRegistration`). */
  tenant: z.strictObject({ slug: z.string(), name: z.string() }).nullable(),
  providerConnection: z.strictObject({ id: z.string(), name: z.string() }).nullable(),
  appRegistration: z.strictObject({ id: z.string(), name: z.string(), tenantCount: z.number() }).nullable(),
  code: z.string(),
  severity: z.enum(['critical', 'warning']),
  message: z.string(),
  nextSteps: z.array(stepSchema),
  since: isoDate,
});

const list = workspacePathRoute({
  method: 'GET',
  url: '/api/workspaces/:ws/attention',
  summary:
    'What needs attention on the tenants of the workspace you may see (archived ones left out): expired or expiring credentials, missing consent, permissions or connection, disabled or unusable connections, failed verifications, suspended tenants, failed scheduled runs. Critical first, then the oldest. Read from stored facts only; never calls the provider.',
  tag: 'attention',
  params: workspaceParams,
  capability: 'tenant.view',
  responses: { 200: { description: 'Attention items', schema: items(attentionItemSchema) } },
  async handler({ deps, user, workspace }) {
    const found = await findAttention(deps.db, { workspaceId: workspace.id, userId: user.id }, { expiryWarningDays: deps.expiryWarningDays });
    return { status: 200, body: { items: found.map(({ item, viewerRole }) => presentAttention(item, viewerRole)) } };
  },
});

export const attentionRoutes: Route[] = [list];
