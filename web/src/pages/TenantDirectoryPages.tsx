// /admin/t/{slug}/groups and /admin/t/{slug}/role-definitions: what the directory syncs
// wrote, with their start buttons ("Sync groups", "Sync role definitions").
import { useMemo, useState } from 'react';
import { LastRunLine, useLatestRun } from '../components/LastRun.tsx';
import { StartActions, StartButton } from '../components/StartButton.tsx';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { relativeTime } from '../format.ts';
import { useDocumentTitle, useResource } from '../hooks.ts';
import type { Group, RoleDefinition } from '../types.ts';
import { useTenant } from './TenantLayout.tsx';

function useFilter<T>(items: T[] | undefined, text: (t: T) => string) {
  const [q, setQ] = useState('');
  const filtered = useMemo(() => (items ?? []).filter((i) => text(i).toLowerCase().includes(q.trim().toLowerCase())), [items, q, text]);
  return { q, setQ, filtered };
}

const groupText = (g: Group) => `${g.displayName} ${g.mail ?? ''}`;
const roleText = (r: RoleDefinition) => `${r.displayName} ${r.description ?? ''}`;

export function TenantGroupsPage() {
  const { tenant, can, membership } = useTenant();
  useDocumentTitle(`Groups · ${tenant.name}`);
  const t = encodeURIComponent(tenant.slug);
  const groups = useResource<{ items: Group[]; total?: number }>(`/api/tenants/${t}/groups?limit=500`);
  const { run } = useLatestRun(tenant.slug, 'entra_group_sync', groups.reload);
  const f = useFilter(groups.data?.items, groupText);
  return (
    <div className="stack">
      <section className="card">
        <StartActions
          title="Entra groups"
          note={can('directory.sync') ? <LastRunLine run={run} label="Last group sync" /> : <>Your role{membership ? ` (${membership.role})` : ''} can view groups but cannot sync them.</>}
        >
          <StartButton tenant={tenant.slug} type="entra_group_sync" allowed={can('directory.sync')} variant="primary" />
        </StartActions>
      </section>
      <section className="card" aria-labelledby="groups-title">
        <div className="card-head">
          <h2 className="card-title" id="groups-title">
            Groups {groups.data ? <span className="count">{groups.data.total ?? groups.data.items.length}</span> : null}
          </h2>
          <div className="field field-inline">
            <label htmlFor="group-filter">Filter groups</label>
            <input id="group-filter" type="search" value={f.q} onChange={(e) => f.setQ(e.target.value)} placeholder="Name or mail" />
          </div>
        </div>
        {groups.error ? (
          <ErrorState error={groups.error} onRetry={groups.reload} />
        ) : !groups.data ? (
          <Loading />
        ) : groups.data.items.length === 0 ? (
          <Empty title="No groups synced yet">Run “Sync groups” to read this tenant’s Entra groups.</Empty>
        ) : (
          <table className="table table-compact">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Mail</th>
                <th scope="col">Type</th>
                <th scope="col">Synced</th>
              </tr>
            </thead>
            <tbody>
              {f.filtered.slice(0, 200).map((g) => (
                <tr key={g.externalId ?? g.id ?? g.displayName}>
                  <td>{g.displayName}</td>
                  <td>{g.mail ?? <span className="muted">—</span>}</td>
                  <td>{g.securityEnabled ? 'Security' : 'Microsoft 365'}</td>
                  <td>{relativeTime(g.syncedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

export function TenantRoleDefinitionsPage() {
  const { tenant, can, membership } = useTenant();
  useDocumentTitle(`Role definitions · ${tenant.name}`);
  const t = encodeURIComponent(tenant.slug);
  const roles = useResource<{ items: RoleDefinition[]; total?: number }>(`/api/tenants/${t}/role-definitions?limit=500`);
  const { run } = useLatestRun(tenant.slug, 'directory_role_definitions.sync', roles.reload);
  const f = useFilter(roles.data?.items, roleText);
  return (
    <div className="stack">
      <section className="card">
        <StartActions
          title="Directory role definitions"
          note={can('directory.sync') ? <LastRunLine run={run} label="Last role definitions sync" /> : <>Your role{membership ? ` (${membership.role})` : ''} can view role definitions but cannot sync them.</>}
        >
          <StartButton tenant={tenant.slug} type="directory_role_definitions.sync" allowed={can('directory.sync')} variant="primary" />
        </StartActions>
      </section>
      <section className="card" aria-labelledby="roles-title">
        <div className="card-head">
          <h2 className="card-title" id="roles-title">
            Role definitions {roles.data ? <span className="count">{roles.data.total ?? roles.data.items.length}</span> : null}
          </h2>
          <div className="field field-inline">
            <label htmlFor="role-filter">Filter role definitions</label>
            <input id="role-filter" type="search" value={f.q} onChange={(e) => f.setQ(e.target.value)} placeholder="Name" />
          </div>
        </div>
        {roles.error ? (
          <ErrorState error={roles.error} onRetry={roles.reload} />
        ) : !roles.data ? (
          <Loading />
        ) : roles.data.items.length === 0 ? (
          <Empty title="No role definitions synced yet">Run “Sync role definitions” to read this tenant’s directory roles.</Empty>
        ) : (
          <table className="table table-compact">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Synced</th>
              </tr>
            </thead>
            <tbody>
              {f.filtered.slice(0, 200).map((r) => (
                <tr key={r.externalId ?? r.id ?? r.displayName}>
                  <td>
                    {r.displayName}
                    {r.description ? <div className="muted small">{r.description}</div> : null}
                  </td>
                  <td>{r.isBuiltIn === false ? 'Custom' : 'Built-in'}</td>
                  <td>{relativeTime(r.syncedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
