// Cancelling a run: its initiator, or whoever holds run.cancel on its tenant (owner, manager).
// A queued run ends cancelled at once (200, status completed); a running run is asked to stop
// and ends cancelled at its job's next checkpoint (202, status running, cancelRequestedAt set);
// a completed run is 409. The request and its audit row commit together.
import { z } from 'zod';
import { roleHas } from '../../access/capabilities.ts';
import { onRunCompleted } from '../../runs/after-complete.ts';
import { cancel } from '../../runs/run-service.ts';
import { forbidden, HttpError, notFound } from '../errors.ts';
import { byRun } from '../locate.ts';
import { presentRunRow, visibleRuns } from '../run-rows.ts';
import { tenantRoute, type Route } from '../route.ts';
import { emptyBody, runSchema, uuid } from '../schemas.ts';

const alreadyCompleted = () => new HttpError(409, 'conflict', 'run: has already completed; there is nothing to cancel');

const cancelRun = tenantRoute({
  method: 'POST',
  url: '/api/operations/:runId/cancel',
  summary:
    'Cancel a run (its initiator, or an owner/manager of its tenant): queued -> cancelled at once (200); running -> stops at its next checkpoint (202); completed -> 409.',
  tag: 'runs',
  params: z.strictObject({ runId: uuid() }),
  body: emptyBody,
  locate: (deps, { params }) => byRun(deps, params.runId),
  // Seeing the run is enough to ask; who may cancel it is decided below (initiator or run.cancel).
  capability: 'tenant.view',
  responses: {
    200: { description: 'Cancelled: the run was queued and has ended cancelled', schema: runSchema },
    202: { description: 'Cancel requested: the running run stops at its next checkpoint', schema: runSchema },
    409: { description: 'The run has already completed' },
  },
  async handler({ deps, user, access, params }) {
    const run = await deps.db.selectFrom('operation_runs').select(['initiator_user_id', 'status']).where('id', '=', params.runId).executeTakeFirst();
    if (!run) throw notFound();
    // Whoever may see the run may learn it has nothing left to cancel.
    if (run.status === 'completed') throw alreadyCompleted();
    if (run.initiator_user_id !== user.id && !roleHas(access.role, 'run.cancel')) throw forbidden('run.cancel');
    const result = await deps.db.transaction().execute(async (tx) => {
      const r = await cancel(tx, params.runId, user.id, user.email);
      if (r.kind !== 'not_active') {
        await tx
          .insertInto('audit_log')
          .values({
            workspace_id: access.tenant.workspace_id,
            tenant_id: access.tenant.id,
            actor_user_id: user.id,
            action: r.kind === 'cancelled' ? 'run.cancelled' : 'run.cancel_requested',
            operation_type: r.run.type,
            run_id: r.run.id,
            outcome: r.kind === 'cancelled' ? 'cancelled' : null,
            details: JSON.stringify({ status: r.run.status }),
          })
          .execute();
      }
      return r;
    });
    switch (result.kind) {
      case 'not_active':
        throw alreadyCompleted();
      case 'cancelled':
        // A cancelled onboarding step is recorded on its session like any other ending.
        await onRunCompleted(deps.db, result.run);
        break;
      case 'cancel_requested':
        break;
    }
    const row = await visibleRuns(deps.db, user.id).where('r.id', '=', params.runId).executeTakeFirstOrThrow();
    return { status: result.kind === 'cancelled' ? 200 : 202, body: presentRunRow(row) };
  },
});

export const runCancelRoutes: Route[] = [cancelRun];
