// Schemas shared by several routes: path ids, paging, and the shapes of the presenter's
// answers (start answer, run, notification). Route-specific request schemas live beside
// their routes. Response schemas document /openapi.json and let the contract tests check
// every answer strictly.
import { z } from 'zod';
import { CAPABILITIES } from '../access/capabilities.ts';
import { OUTCOMES } from '../gate/result.ts';
import { OPERATION_TYPES } from '../operations/definition.ts';
import { ROLES, RUN_OUTCOMES, RUN_STATUSES, TENANT_STATUSES, TRIGGERS } from '../vocabulary.ts';
import { SLUG_SHAPE, UUID_SHAPE } from './authorize.ts';

// ---- request pieces ----------------------------------------------------------------------

export const uuid = () => z.string().regex(UUID_SHAPE, { error: 'must be a UUID' });

/** `{tenant}` in a path: the tenant's id or its slug. */
export const tenantRef = () => z.string().refine((v) => UUID_SHAPE.test(v) || SLUG_SHAPE.test(v), { error: 'must be a tenant id or slug' });

export const operationType = () =>
  z.enum(OPERATION_TYPES, {
    error: (iss) => (typeof iss.input === 'string' ? `unknown operation type ${JSON.stringify(iss.input.slice(0, 60))}` : 'must be an operation type'),
  });

/** An integer in a query string ("?limit=20"), with a default when absent. */
export const queryInt = (min: number, max: number, def: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, { error: `must be a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { error: `must be at least ${min}` })
        .max(max, { error: `must be at most ${max}` }),
    )
    .optional()
    .transform((v) => v ?? def);

export const idParams = z.strictObject({ id: uuid() });
export const tenantParams = z.strictObject({ tenant: tenantRef() });

// Unknown query parameters are ignored (cache busters, tracking), unlike unknown body fields.
export const pageQuery = z.object({
  limit: queryInt(1, 500, 100),
  offset: queryInt(0, 1_000_000, 0),
});

/** State-changing routes that need no fields still take a JSON body; `{}` or none at all. */
export const emptyBody = z.strictObject({}).optional();

// ---- answers ------------------------------------------------------------------------------

const isoDate = z.iso.datetime({ offset: true });
export const errorSchema = z.strictObject({ error: z.strictObject({ code: z.string(), message: z.string() }) });

export const stepSchema = z.union([
  z.strictObject({ label: z.string(), url: z.string() }),
  z.strictObject({ label: z.string(), url: z.null(), hint: z.string() }),
]);
export const reasonSchema = z.strictObject({ code: z.string(), message: z.string() }).nullable();
const connectionRefSchema = z.strictObject({ id: z.string(), name: z.string() });
/** Runs and notifications outlive their connection: `deleted: true` once it is gone. */
const pinnedConnectionSchema = z.strictObject({ id: z.string(), name: z.string(), deleted: z.literal(true).optional() });

const answerFields = {
  label: z.enum(['queued', 'already running', 'scope busy', 'blocked']),
  operationType: z.enum(OPERATION_TYPES),
  title: z.string(),
  action: z.string(),
  run: z.strictObject({ id: z.string(), url: z.string() }).nullable(),
  providerConnection: connectionRefSchema.nullable(),
  reason: reasonSchema,
  nextSteps: z.array(stepSchema),
};
export const startAnswerSchema = z.strictObject({ outcome: z.enum(OUTCOMES), ...answerFields });
export const preflightAnswerSchema = z.strictObject({ wouldBe: z.enum(OUTCOMES), ...answerFields });

export const runSchema = z.strictObject({
  id: z.string(),
  type: z.string(),
  title: z.string(),
  action: z.string(),
  url: z.string(),
  tenant: z.strictObject({ id: z.string(), slug: z.string(), name: z.string() }),
  status: z.enum(RUN_STATUSES),
  outcome: z.enum(RUN_OUTCOMES),
  trigger: z.enum(TRIGGERS),
  initiator: z.strictObject({ id: z.string(), email: z.string() }).nullable(),
  providerConnection: pinnedConnectionSchema.nullable(),
  reason: reasonSchema,
  nextSteps: z.array(stepSchema),
  summaryCounts: z.record(z.string(), z.number()),
  target: z.strictObject({ restoreRunId: z.string().optional(), onboardingSessionId: z.string().optional() }),
  attemptCount: z.number(),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  completedAt: isoDate.nullable(),
  lastAttemptAt: isoDate,
  cancelRequestedAt: isoDate.nullable(),
});

export const notificationSchema = z.strictObject({
  id: z.string(),
  runId: z.string(),
  title: z.string(),
  body: z.string(),
  tenant: z.strictObject({ id: z.string(), slug: z.string(), name: z.string() }),
  providerConnection: pinnedConnectionSchema.nullable(),
  url: z.string(),
  reason: reasonSchema,
  nextSteps: z.array(stepSchema),
  createdAt: isoDate,
  readAt: isoDate.nullable(),
});

export const tenantSummarySchema = z.strictObject({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  status: z.enum(TENANT_STATUSES),
  role: z.enum(ROLES),
  capabilities: z.array(z.enum(CAPABILITIES)),
});

export const items = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item) });
export const page = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item), total: z.number(), limit: z.number(), offset: z.number() });
export { isoDate };

/** True when two types are each assignable to the other: a presenter's type and its schema's output. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** A new app-registration credential: the fields shared by "add connection" and onboarding's connection step. */
export const newConnectionFields = {
  name: z.string().trim().min(1, { error: 'must not be empty' }).max(100, { error: 'is too long' }),
  clientId: uuid(),
  /** Write-only: sealed at rest, never returned. */
  clientSecret: z.string().min(1, { error: 'must not be empty' }).max(1024, { error: 'is too long' }),
  secretExpiresAt: isoDate.refine((d) => Date.parse(d) > Date.now(), { error: 'must be in the future' }),
  cloud: z.enum(['global', 'sandbox']).optional(),
};
