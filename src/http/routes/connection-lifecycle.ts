// Removing a provider connection. Refused (409) while a queued or running run holds it, the
// holding run linked, and for the tenant's default while the tenant has other connections;
// otherwise it is deleted (204) and past runs keep its name. The decision and the delete are
// one transaction under the gate's scope lock (src/connections/delete.ts).
import { z } from 'zod';
import { deleteConnection } from '../../connections/delete.ts';
import { isOperationType } from '../../operations/definition.ts';
import { REGISTRY } from '../../operations/registry.ts';
import { runUrl } from '../../presenter/links.ts';
import { errorBody, HttpError, notFound } from '../errors.ts';
import { byConnection } from '../locate.ts';
import { tenantRoute, type Route } from '../route.ts';
import { emptyBody, errorSchema, idParams } from '../schemas.ts';

/**
 * The error shape, plus the run that holds the connection, so a client can link it (the run is
 * of the same tenant, which the caller may see).
 */
export const connectionInUseSchema = z.strictObject({
  error: errorSchema.shape.error,
  run: z.strictObject({ id: z.string(), url: z.string() }),
});

const remove = tenantRoute({
  method: 'DELETE',
  url: '/api/provider-connections/:id',
  summary:
    "Delete a provider connection. 409 connection_in_use (with the holding run) while a queued or running run uses it; 409 conflict for the default connection while the tenant has other connections (make another one the default first). Past runs keep the connection's name. Audited.",
  tag: 'provider connections',
  params: idParams,
  body: emptyBody,
  locate: byConnection,
  capability: 'provider_connection.manage',
  responses: {
    204: { description: 'Deleted' },
    409: { description: 'In use by a run, or the default while others exist', schema: z.union([connectionInUseSchema, errorSchema]) },
  },
  async handler({ deps, user, access, found }) {
    const outcome = await deleteConnection(deps.db, { connectionId: found.id, workspaceId: access.tenant.workspace_id, actorUserId: user.id });
    switch (outcome.kind) {
      case 'deleted':
        return { status: 204 };
      case 'gone':
        // Deleted by someone else meanwhile: not there, like any missing connection.
        throw notFound();
      case 'in_use':
        return {
          status: 409,
          body: {
            ...errorBody(
              'connection_in_use',
              `${found.name} is in use by a queued or running run (${isOperationType(outcome.run.type) ? REGISTRY[outcome.run.type].title : outcome.run.type}, ${outcome.run.id}): wait for it to finish or cancel it, then delete the connection.`,
            ),
            run: { id: outcome.run.id, url: runUrl(outcome.run.id) },
          },
        };
      case 'default_with_others':
        throw new HttpError(
          409,
          'conflict',
          `${found.name} is the tenant's default connection and the tenant has ${outcome.others} other connection${outcome.others === 1 ? '' : 's'}: make another one the default first.`,
        );
    }
  },
});

export const connectionLifecycleRoutes: Route[] = [remove];
