// The one start contract: every start surface posts here (or to a convenience route that
// calls the same gate and answers the same body). Authorization happens before the gate
// (404 membership, 403 the operation's capability) and is never an outcome.
import { z } from 'zod';
import { preflight, start } from '../../gate/start.ts';
import type { Outcome, RunRef } from '../../gate/result.ts';
import { presentPreflight, presentStart } from '../../presenter/index.ts';
import { expectedWaitSeconds } from '../../runs/expected-wait.ts';
import { canSeeTenant, type TenantAccess } from '../authorize.ts';
import { byTenantRef } from '../locate.ts';
import { tenantRoute, type Deps, type Route } from '../route.ts';
import { operationType, preflightAnswerSchema, startAnswerSchema, tenantRef, uuid } from '../schemas.ts';

/** HTTP status of each outcome: decided here, at the edge, nowhere else. */
export const OUTCOME_STATUS: Record<Outcome, number> = {
  accepted: 202,
  deduped: 200,
  scope_busy: 409,
  blocked: 409,
};

const startBody = z.strictObject({
  type: operationType(),
  /** A connection of this tenant; omitted or null: the tenant's default. */
  providerConnectionId: uuid().nullish(),
  target: z.strictObject({ restoreRunId: uuid().optional(), confirm: z.string().max(200).optional() }).optional(),
});

/** A deduped or scope-busy answer names the other run only when the user may see its tenant. */
async function runVisible(deps: Deps, userId: string, access: TenantAccess, run: RunRef | null): Promise<boolean> {
  if (!run) return false;
  return run.tenantId === access.tenant.id || canSeeTenant(deps.db, userId, run.tenantId);
}

const startOperation = tenantRoute({
  method: 'POST',
  url: '/api/tenants/:tenant/operations',
  summary:
    'Start a provider-backed operation through the gate. 202 queued, 200 already running, 409 scope busy or blocked; the body is the start answer in every case.',
  tag: 'operations',
  params: z.strictObject({ tenant: tenantRef() }),
  body: startBody,
  locate: byTenantRef,
  capability: { operationType: ({ body }) => body.type },
  responses: {
    202: { description: 'accepted: queued', schema: startAnswerSchema },
    200: { description: 'deduped: already running', schema: startAnswerSchema },
    409: { description: 'scope busy, or blocked', schema: startAnswerSchema },
  },
  async handler({ deps, user, access, body }) {
    const result = await start(deps.db, {
      type: body.type,
      tenantId: access.tenant.id,
      trigger: 'operator',
      initiatorUserId: user.id,
      providerConnectionId: body.providerConnectionId ?? undefined,
      target: body.target,
    });
    const visible = await runVisible(deps, user.id, access, result.run);
    const answer = presentStart(result, {
      tenantSlug: access.tenant.slug,
      viewerRole: access.role,
      runVisible: visible,
      expectedWaitSeconds: result.outcome === 'scope_busy' && visible ? await expectedWaitSeconds(deps.db, result.run.id) : null,
    });
    return { status: OUTCOME_STATUS[result.outcome], body: answer };
  },
});

const preflightOperation = tenantRoute({
  method: 'GET',
  url: '/api/tenants/:tenant/operations/:type/preflight',
  summary: 'What a start would answer right now (wouldBe, reason, next steps, run); writes nothing. Needs the same capability as the start.',
  tag: 'operations',
  params: z.strictObject({ tenant: tenantRef(), type: operationType() }),
  query: z.object({ providerConnectionId: uuid().optional(), restoreRunId: uuid().optional() }),
  locate: byTenantRef,
  capability: { operationType: ({ params }) => params.type },
  responses: { 200: { description: 'The preflight answer', schema: preflightAnswerSchema } },
  async handler({ deps, user, access, params, query }) {
    const result = await preflight(deps.db, {
      type: params.type,
      tenantId: access.tenant.id,
      trigger: 'operator',
      initiatorUserId: user.id,
      providerConnectionId: query.providerConnectionId,
      target: query.restoreRunId ? { restoreRunId: query.restoreRunId } : undefined,
    });
    const visible = await runVisible(deps, user.id, access, result.run);
    const answer = presentPreflight(result, {
      tenantSlug: access.tenant.slug,
      viewerRole: access.role,
      runVisible: visible,
      expectedWaitSeconds: result.wouldBe === 'scope_busy' && visible ? await expectedWaitSeconds(deps.db, result.run.id) : null,
    });
    return { status: 200, body: answer };
  },
});

export const operationRoutes: Route[] = [startOperation, preflightOperation];
