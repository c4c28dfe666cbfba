// Onboarding: the wizard's API. Creating a session is a workspace-level action (there is no
// tenant yet); everything after acts on the session's tenant like any tenant route. Starts
// (verification, bootstrap) go through the gate and answer the one start answer.
import { z } from 'zod';
import { BOOTSTRAP_TYPES, resumeBootstrap, submitBootstrap, type AdmitAnswer } from '../../onboarding/bootstrap.ts';
import {
  cancelSession,
  createSession,
  finishSession,
  loadSession,
  setConnection,
  startVerification,
  type OnboardingSession,
} from '../../onboarding/sessions.ts';
import { CONNECTION_KINDS } from '../../presenter/connection.ts';
import { presentOnboarding, type OnboardingView } from '../../presenter/onboarding.ts';
import { presentStart } from '../../presenter/index.ts';
import type { TenantAccess } from '../authorize.ts';
import { HttpError } from '../errors.ts';
import { tenantRoute, userRoute, workspaceRoute, type Answer, type Deps, type Located, type Route } from '../route.ts';
import {
  emptyBody,
  errorSchema,
  idParams,
  isoDate,
  items,
  newConnectionFields,
  reasonSchema,
  startAnswerSchema,
  stepSchema,
  uuid,
  type Same,
} from '../schemas.ts';
import {
  CLOUDS,
  CONSENT_STATUSES,
  ONBOARDING_STATUSES,
  RUN_OUTCOMES,
  RUN_STATUSES,
  SELECTION_STATES,
  TENANT_STATUSES,
  VERIFICATION_STATUSES,
} from '../../vocabulary.ts';
import { OUTCOME_STATUS } from './operations.ts';

const runLink = z.strictObject({ id: z.string(), url: z.string() });

const selectionSchema = z.strictObject({
  type: z.string(),
  action: z.string(),
  /** `queued` is shown as `running` once its run has started. */
  state: z.enum(SELECTION_STATES),
  run: runLink.nullable(),
  reason: reasonSchema,
  nextSteps: z.array(stepSchema),
});

/** The wizard's session as presentOnboarding writes it (test/http/onboarding-api.test.ts parses every answer with it). */
export const onboardingSessionSchema = z.strictObject({
  id: z.string(),
  status: z.enum(ONBOARDING_STATUSES),
  tenant: z.strictObject({ id: z.string(), slug: z.string(), name: z.string(), status: z.enum(TENANT_STATUSES), entraTenantId: z.string() }),
  providerConnection: z
    .strictObject({
      id: z.string(),
      name: z.string(),
      clientId: z.string(),
      cloud: z.enum(CLOUDS),
      credentialExpiresAt: isoDate.nullable(),
      consentStatus: z.enum(CONSENT_STATUSES),
      grantedPermissions: z.array(z.string()),
      verificationStatus: z.enum(VERIFICATION_STATUSES),
      kind: z.enum(CONNECTION_KINDS),
      appRegistration: z.strictObject({ id: z.string(), name: z.string() }).nullable(),
    })
    .nullable(),
  verification: z
    .strictObject({ run: runLink, status: z.enum(RUN_STATUSES), outcome: z.enum(RUN_OUTCOMES), reason: reasonSchema, nextSteps: z.array(stepSchema) })
    .nullable(),
  selections: z.array(selectionSchema),
  /** Types still waiting their turn. */
  pending: z.array(z.string()),
  /** The chain stopped at a step the operator can restart ("Start next"). */
  canStartNext: z.boolean(),
  createdAt: isoDate,
});
// The presenter's OnboardingView is exactly this schema's output (a route's answer is not
// checked against its schema's type), as for connections.
const _viewIsSchema: Same<OnboardingView, z.output<typeof onboardingSessionSchema>> = true;

async function bySession(deps: Deps, input: { params: { id: string } }): Promise<Located<OnboardingSession> | null> {
  const s = await loadSession(deps.db, input.params.id);
  return s ? { tenantId: s.tenant_id, found: s } : null;
}

const view = async (deps: Deps, s: OnboardingSession, access: TenantAccess) => presentOnboarding(deps.db, (await loadSession(deps.db, s.id))!, access.role);

const create = workspaceRoute({
  method: 'POST',
  url: '/api/onboarding',
  summary: 'Start onboarding a customer tenant: creates the tenant in `onboarding` state (the creator becomes its owner) and a wizard session.',
  tag: 'onboarding',
  capability: 'onboarding.manage',
  body: z.strictObject({
    name: z.string().trim().min(1, { error: 'must not be empty' }).max(200, { error: 'is too long' }),
    slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'must be lowercase letters, digits and dashes (max 63)' }),
    entraTenantId: uuid(),
    workspaceId: uuid().optional(),
  }),
  workspaceOf: (b) => b.workspaceId,
  responses: { 201: { description: 'The session', schema: onboardingSessionSchema } },
  async handler({ deps, user, body, workspace }) {
    const s = await createSession(deps.db, {
      workspaceId: workspace.workspaceId,
      userId: user.id,
      name: body.name,
      slug: body.slug,
      entraTenantId: body.entraTenantId,
    });
    return { status: 201, body: await presentOnboarding(deps.db, s, 'owner') };
  },
});

const list = userRoute({
  method: 'GET',
  url: '/api/onboarding',
  summary: 'Onboarding sessions of tenants the user may manage, newest first.',
  tag: 'onboarding',
  responses: { 200: { description: 'Sessions', schema: items(onboardingSessionSchema) } },
  async handler({ deps, user }) {
    const rows = await deps.db
      .selectFrom('onboarding_sessions as s')
      .innerJoin('tenant_memberships as m', (j) => j.onRef('m.tenant_id', '=', 's.tenant_id').on('m.user_id', '=', user.id))
      .selectAll('s')
      .select('m.role')
      .where('m.role', 'in', ['owner', 'manager'])
      .orderBy('s.created_at', 'desc')
      .limit(100)
      .execute();
    const views = [];
    for (const { role, ...s } of rows) views.push(await presentOnboarding(deps.db, s, role));
    return { status: 200, body: { items: views } };
  },
});

const detail = tenantRoute({
  method: 'GET',
  url: '/api/onboarding/:id',
  summary: "The session with every bootstrap selection's state, run and reason.",
  tag: 'onboarding',
  params: idParams,
  locate: bySession,
  capability: 'onboarding.manage',
  responses: { 200: { description: 'The session', schema: onboardingSessionSchema } },
  async handler({ deps, found, access }) {
    return { status: 200, body: await view(deps, found, access) };
  },
});

/** Today's secret body, or `{"name", "appRegistrationId"}` (the app brings the rest). */
const connectionBody = z
  .strictObject({
    ...newConnectionFields,
    clientId: newConnectionFields.clientId.optional(),
    clientSecret: newConnectionFields.clientSecret.optional(),
    secretExpiresAt: newConnectionFields.secretExpiresAt.optional(),
    appRegistrationId: uuid().optional(),
  })
  .superRefine((b, ctx) => {
    const own = ['clientId', 'clientSecret', 'secretExpiresAt', 'cloud'] as const;
    for (const field of own) {
      if (b.appRegistrationId !== undefined && b[field] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'cannot be given with appRegistrationId (the workspace app brings it)' });
      } else if (b.appRegistrationId === undefined && field !== 'cloud' && b[field] === undefined) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'is required (or give "appRegistrationId" to use a workspace app)' });
      }
    }
  });

const connection = tenantRoute({
  method: 'POST',
  url: '/api/onboarding/:id/connection',
  summary:
    'Store (or replace) the connection of the tenant being onboarded: {"name", "clientId", "clientSecret", "secretExpiresAt", "cloud"?} (the secret is sealed at rest and never returned), or {"name", "appRegistrationId"}: the workspace\'s multi-tenant app, which needs no secret, only the tenant admin\'s consent.',
  tag: 'onboarding',
  params: idParams,
  body: connectionBody,
  locate: bySession,
  capability: 'onboarding.manage',
  responses: {
    200: { description: 'The session', schema: onboardingSessionSchema },
    409: { description: 'The session is no longer a draft', schema: errorSchema },
  },
  async handler({ deps, found, access, user, body }) {
    await setConnection(
      deps.db,
      deps.box,
      found,
      user.id,
      body.appRegistrationId !== undefined
        ? { name: body.name, appRegistrationId: body.appRegistrationId }
        : {
            name: body.name,
            clientId: body.clientId!,
            clientSecret: body.clientSecret!,
            secretExpiresAt: new Date(body.secretExpiresAt!),
            cloud: body.cloud ?? 'global',
          },
    );
    return { status: 200, body: await view(deps, found, access) };
  },
});

const verification = tenantRoute({
  method: 'POST',
  url: '/api/onboarding/:id/verification',
  summary: 'Verify the connection through the gate (onboarding.verification). Answers the start answer.',
  tag: 'onboarding',
  params: idParams,
  body: emptyBody,
  locate: bySession,
  capability: 'onboarding.manage',
  responses: {
    202: { description: 'queued', schema: startAnswerSchema },
    200: { description: 'already running', schema: startAnswerSchema },
    409: { description: 'scope busy or blocked', schema: startAnswerSchema },
  },
  async handler({ deps, found, access, user }) {
    const result = await startVerification(deps.db, found, user.id);
    const answer = presentStart(result, { tenantSlug: access.tenant.slug, viewerRole: access.role, runVisible: true });
    return { status: OUTCOME_STATUS[result.outcome], body: answer };
  },
});

async function admitAnswer(deps: Deps, access: TenantAccess, s: OnboardingSession, a: AdmitAnswer): Promise<Answer> {
  const v = await view(deps, s, access);
  switch (a.kind) {
    case 'started': {
      const answer = presentStart(a.result, { tenantSlug: access.tenant.slug, viewerRole: access.role, runVisible: true });
      return { status: OUTCOME_STATUS[a.result.outcome], body: { ...answer, pending: v.pending, session: v } };
    }
    case 'busy': {
      // A step is already queued or running: the same work is "already running".
      const answer = presentStart(
        {
          outcome: 'deduped',
          type: a.type,
          tenantId: s.tenant_id,
          run: { id: a.runId, type: a.type, tenantId: s.tenant_id },
          providerConnection: v.providerConnection ? { id: v.providerConnection.id, name: v.providerConnection.name } : null,
        },
        { tenantSlug: access.tenant.slug, viewerRole: access.role, runVisible: true },
      );
      return { status: OUTCOME_STATUS.deduped, body: { ...answer, pending: v.pending, session: v } };
    }
    case 'idle':
      throw new HttpError(409, 'conflict', 'nothing left to start: every selected operation has already run');
  }
}

/** The start answer of the step admitted (or already running), with the session after it. */
export const bootstrapAnswerSchema = startAnswerSchema.extend({ pending: z.array(z.string()), session: onboardingSessionSchema });

const bootstrap = tenantRoute({
  method: 'POST',
  url: '/api/onboarding/:id/bootstrap',
  summary: `Choose bootstrap operations (${BOOTSTRAP_TYPES.join(', ')}). The first is admitted through the gate now; the rest wait and are admitted one at a time as each completes.`,
  tag: 'onboarding',
  params: idParams,
  body: z.strictObject({ operations: z.array(z.string().max(100)).min(1, { error: 'choose at least one operation' }).max(10) }),
  locate: bySession,
  capability: 'onboarding.manage',
  responses: {
    202: { description: 'queued', schema: bootstrapAnswerSchema },
    200: { description: 'already running', schema: bootstrapAnswerSchema },
    409: { description: 'scope busy or blocked; or nothing left to start (an error)', schema: z.union([bootstrapAnswerSchema, errorSchema]) },
  },
  async handler({ deps, found, access, user, body }) {
    return admitAnswer(deps, access, found, await submitBootstrap(deps.db, found, user.id, body.operations));
  },
});

const next = tenantRoute({
  method: 'POST',
  url: '/api/onboarding/:id/bootstrap/next',
  summary: '"Start next": resume a bootstrap chain stopped by a blocker the operator fixed.',
  tag: 'onboarding',
  params: idParams,
  body: emptyBody,
  locate: bySession,
  capability: 'onboarding.manage',
  responses: {
    202: { description: 'queued', schema: bootstrapAnswerSchema },
    200: { description: 'already running', schema: bootstrapAnswerSchema },
    409: { description: 'scope busy or blocked; or nothing left to start (an error)', schema: z.union([bootstrapAnswerSchema, errorSchema]) },
  },
  async handler({ deps, found, access, user }) {
    return admitAnswer(deps, access, found, await resumeBootstrap(deps.db, found, user.id));
  },
});

const close = (what: 'finish' | 'cancel'): Route =>
  tenantRoute({
    method: 'POST',
    url: `/api/onboarding/:id/${what}`,
    summary:
      what === 'finish' ? 'Finish onboarding: the tenant becomes active.' : 'Cancel onboarding: the tenant is archived and waiting selections are cancelled.',
    tag: 'onboarding',
    params: idParams,
    body: emptyBody,
    locate: bySession,
    capability: 'onboarding.manage',
    responses: {
      200: { description: 'The session', schema: onboardingSessionSchema },
      409: { description: 'The session is no longer a draft', schema: errorSchema },
    },
    async handler({ deps, found, access, user }) {
      await (what === 'finish' ? finishSession : cancelSession)(deps.db, found, user.id);
      return { status: 200, body: await view(deps, found, access) };
    },
  });

export const onboardingRoutes: Route[] = [create, list, detail, connection, verification, bootstrap, next, close('finish'), close('cancel')];
