// Runs as the API shows them: the run row plus what the presenter needs around it (tenant
// slug, initiator email, pinned connection's name, the viewer's role on the run's tenant).
// The membership join is the visibility rule: a run is listed only to members of its tenant.
import type { Db } from '../db/connect.ts';
import type { OperationRun, Role } from '../db/schema.ts';
import { presentRun, type RunView } from '../presenter/index.ts';

export function visibleRuns(db: Db, userId: string) {
  return db
    .selectFrom('operation_runs as r')
    .innerJoin('tenant_memberships as m', (j) => j.onRef('m.tenant_id', '=', 'r.tenant_id').on('m.user_id', '=', userId))
    .innerJoin('tenants as t', 't.id', 'r.tenant_id')
    .leftJoin('users as u', 'u.id', 'r.initiator_user_id')
    .leftJoin('provider_connections as c', 'c.id', 'r.provider_connection_id')
    .selectAll('r')
    .select(['t.slug as tenant_slug', 't.name as tenant_name', 'm.role as viewer_role', 'u.email as initiator_email', 'c.name as connection_name']);
}

export interface RunRow extends OperationRun {
  tenant_slug: string;
  tenant_name: string;
  viewer_role: Role;
  initiator_email: string | null;
  connection_name: string | null;
}

export function presentRunRow(row: RunRow): RunView {
  const { tenant_slug, tenant_name, viewer_role, initiator_email, connection_name, ...run } = row;
  return presentRun(run, {
    tenant: { id: run.tenant_id, slug: tenant_slug, name: tenant_name },
    initiator: run.initiator_user_id && initiator_email ? { id: run.initiator_user_id, email: initiator_email } : null,
    connectionName: connection_name,
    viewerRole: viewer_role,
  });
}
