// /admin/t/{slug}/groups and /admin/t/{slug}/role-definitions: what the directory syncs
// wrote, with their start buttons ("Sync groups", "Sync role definitions"). A real tenant has
// thousands of groups: both lists are searched, sorted and paged by the API.
import { DataTable, ListCount, ListSearch, type Column } from '../components/DataTable.tsx';
import { LastRunLine, useLatestRun } from '../components/LastRun.tsx';
import { StartActions, StartButton } from '../components/StartButton.tsx';
import { Empty } from '../components/States.tsx';
import { relativeTime } from '../format.ts';
import { useDocumentTitle } from '../hooks.ts';
import { preloadList, useServerList } from '../lists.ts';
import type { Group, RoleDefinition } from '../types.ts';
import { useTenant } from './TenantLayout.tsx';

// Opened directly (a bookmark, a reload): the first page is asked for while the console starts.
preloadList(/^\/admin\/t\/([^/]+)\/groups$/, (m) => `/api/tenants/${encodeURIComponent(decodeURIComponent(m[1]!))}/groups`, { defaultSort: 'name' });
preloadList(/^\/admin\/t\/([^/]+)\/role-definitions$/, (m) => `/api/tenants/${encodeURIComponent(decodeURIComponent(m[1]!))}/role-definitions`, {
  defaultSort: 'name',
});

const synced = { id: 'synced', header: 'Synced', sort: { asc: 'synced', desc: '-synced' }, className: 'nowrap' };

const GROUP_COLUMNS: Column<Group>[] = [
  { id: 'name', header: 'Name', cell: (g) => g.displayName, sort: { asc: 'name', desc: '-name' }, rowHeader: true },
  { id: 'mail', header: 'Mail', cell: (g) => g.mail ?? <span className="muted">—</span> },
  { id: 'type', header: 'Type', cell: (g) => (g.securityEnabled ? 'Security' : 'Microsoft 365') },
  { ...synced, cell: (g) => relativeTime(g.syncedAt) },
];

const ROLE_COLUMNS: Column<RoleDefinition>[] = [
  {
    id: 'name',
    header: 'Name',
    cell: (r) => r.displayName,
    sort: { asc: 'name', desc: '-name' },
    rowHeader: true,
  },
  { id: 'kind', header: 'Kind', cell: (r) => (r.isBuiltIn ? 'Built-in' : 'Custom') },
  { ...synced, cell: (r) => relativeTime(r.syncedAt) },
];

export function TenantGroupsPage() {
  const { tenant, can, membership } = useTenant();
  useDocumentTitle(`Groups · ${tenant.name}`);
  const t = encodeURIComponent(tenant.slug);
  const list = useServerList<Group>(`/api/tenants/${t}/groups`, { defaultSort: 'name' });
  const { run } = useLatestRun(tenant.slug, 'entra_group_sync', list.reload);
  return (
    <div className="stack">
      <section className="card">
        <StartActions
          title="Entra groups"
          note={
            can('directory.sync') ? <LastRunLine run={run} label="Last group sync" /> : <>Your role ({membership.role}) can view groups but cannot sync them.</>
          }
        >
          <StartButton tenant={tenant.slug} type="entra_group_sync" allowed={can('directory.sync')} variant="primary" />
        </StartActions>
      </section>
      <section className="card" aria-labelledby="groups-title">
        <div className="card-head list-head">
          <h2 className="card-title" id="groups-title">
            Groups <ListCount list={list} />
          </h2>
          <ListSearch list={list} id="group-filter" label="Filter groups" placeholder="Name or mail" />
        </div>
        <DataTable
          list={list}
          columns={GROUP_COLUMNS}
          rowId={(g) => g.externalId}
          labelledBy="groups-title"
          noun="groups"
          testId="groups-table"
          empty={<Empty title="No groups synced yet">Run “Sync groups” to read this tenant’s Entra groups.</Empty>}
        />
      </section>
    </div>
  );
}

export function TenantRoleDefinitionsPage() {
  const { tenant, can, membership } = useTenant();
  useDocumentTitle(`Role definitions · ${tenant.name}`);
  const t = encodeURIComponent(tenant.slug);
  const list = useServerList<RoleDefinition>(`/api/tenants/${t}/role-definitions`, { defaultSort: 'name' });
  const { run } = useLatestRun(tenant.slug, 'directory_role_definitions.sync', list.reload);
  return (
    <div className="stack">
      <section className="card">
        <StartActions
          title="Directory role definitions"
          note={
            can('directory.sync') ? (
              <LastRunLine run={run} label="Last role definitions sync" />
            ) : (
              <>Your role ({membership.role}) can view role definitions but cannot sync them.</>
            )
          }
        >
          <StartButton tenant={tenant.slug} type="directory_role_definitions.sync" allowed={can('directory.sync')} variant="primary" />
        </StartActions>
      </section>
      <section className="card" aria-labelledby="roles-title">
        <div className="card-head list-head">
          <h2 className="card-title" id="roles-title">
            Role definitions <ListCount list={list} />
          </h2>
          <ListSearch list={list} id="role-filter" label="Filter role definitions" placeholder="Name" />
        </div>
        <DataTable
          list={list}
          columns={ROLE_COLUMNS}
          rowId={(r) => r.externalId}
          labelledBy="roles-title"
          noun="role definitions"
          testId="roles-table"
          empty={<Empty title="No role definitions synced yet">Run “Sync role definitions” to read this tenant’s directory roles.</Empty>}
        />
      </section>
    </div>
  );
}
