// How tenant routes find their tenant: from the `{tenant}` path segment (id or slug), or
// through the resource in the path (a connection, a restore run, a run). Each returns null
// when nothing is there; authorization then answers 404 the same way as for "not entitled".
import type { ProviderConnection } from '../db/schema.ts';
import { tenantIdByRef } from './authorize.ts';
import type { Deps, Located } from './route.ts';

export async function byTenantRef(deps: Deps, input: { params: { tenant: string } }): Promise<Located<null> | null> {
  const id = await tenantIdByRef(deps.db, input.params.tenant);
  return id ? { tenantId: id, found: null } : null;
}

export async function byConnection(deps: Deps, input: { params: { id: string } }): Promise<Located<ProviderConnection> | null> {
  const c = await deps.db.selectFrom('provider_connections').selectAll().where('id', '=', input.params.id).executeTakeFirst();
  return c ? { tenantId: c.tenant_id, found: c } : null;
}

export async function byRun(deps: Deps, runId: string): Promise<Located<null> | null> {
  const run = await deps.db.selectFrom('operation_runs').select('tenant_id').where('id', '=', runId).executeTakeFirst();
  return run ? { tenantId: run.tenant_id, found: null } : null;
}

export async function byRestoreRun(deps: Deps, input: { params: { id: string } }): Promise<Located<null> | null> {
  const rr = await deps.db.selectFrom('restore_runs').select('tenant_id').where('id', '=', input.params.id).executeTakeFirst();
  return rr ? { tenantId: rr.tenant_id, found: null } : null;
}
