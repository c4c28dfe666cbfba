// /admin/t/{slug}/inventory: what the last inventory sync recorded, with "Sync inventory".
// A real tenant has thousands of items: the list is searched, sorted and paged by the API.
import { useState } from 'react';
import { DataTable, ListCount, ListSearch, type Column } from '../components/DataTable.tsx';
import { LastRunLine, useLatestRun } from '../components/LastRun.tsx';
import { StartActions, StartButton } from '../components/StartButton.tsx';
import { Empty } from '../components/States.tsx';
import { humanizeKey, relativeTime } from '../format.ts';
import { useDocumentTitle } from '../hooks.ts';
import { preloadList, useServerList } from '../lists.ts';
import type { InventoryItem } from '../types.ts';
import { useTenant } from './TenantLayout.tsx';

const KINDS = ['deviceConfiguration', 'configurationPolicy', 'compliancePolicy'] as const;

// Opened directly (a bookmark, a reload): the first page is asked for while the console starts.
preloadList(/^\/admin\/t\/([^/]+)\/inventory$/, (m) => `/api/tenants/${encodeURIComponent(decodeURIComponent(m[1]!))}/inventory`, { defaultSort: 'kind' });

const COLUMNS: Column<InventoryItem>[] = [
  { id: 'name', header: 'Name', cell: (i) => i.displayName, sort: { asc: 'name', desc: '-name' }, rowHeader: true },
  { id: 'kind', header: 'Kind', cell: (i) => humanizeKey(i.kind), sort: { asc: 'kind', desc: 'kind' } },
  { id: 'synced', header: 'Synced', cell: (i) => relativeTime(i.syncedAt), sort: { asc: 'synced', desc: '-synced' }, className: 'nowrap' },
];

export function TenantInventoryPage() {
  const { tenant, can, membership } = useTenant();
  useDocumentTitle(`Inventory · ${tenant.name}`);
  const t = encodeURIComponent(tenant.slug);
  const [kind, setKind] = useState('');
  const list = useServerList<InventoryItem>(`/api/tenants/${t}/inventory`, { defaultSort: 'kind', params: { kind: kind || undefined } });
  const { run } = useLatestRun(tenant.slug, 'inventory.sync', list.reload);
  return (
    <div className="stack">
      <section className="card">
        <StartActions
          title="Intune inventory"
          note={
            can('inventory.sync') ? (
              <LastRunLine run={run} label="Last inventory sync" />
            ) : (
              <>Your role ({membership.role}) can view inventory but cannot sync it.</>
            )
          }
        >
          <StartButton tenant={tenant.slug} type="inventory.sync" allowed={can('inventory.sync')} variant="primary" />
        </StartActions>
      </section>
      <section className="card" aria-labelledby="inv-title">
        <div className="card-head list-head">
          <h2 className="card-title" id="inv-title">
            Items <ListCount list={list} />
          </h2>
          <div className="list-tools">
            <ListSearch list={list} id="inventory-search" label="Search items" placeholder="Name" />
            <div className="field field-inline">
              <label htmlFor="kind-filter">Kind</label>
              <select id="kind-filter" value={kind} onChange={(e) => setKind(e.target.value)}>
                <option value="">All kinds</option>
                {KINDS.map((k) => (
                  <option key={k} value={k}>
                    {humanizeKey(k)}
                  </option>
                ))}
              </select>
            </div>
          </div>
        </div>
        <DataTable
          list={list}
          columns={COLUMNS}
          rowId={(i) => `${i.kind}/${i.externalId}`}
          labelledBy="inv-title"
          noun="items"
          testId="inventory-table"
          empty={
            kind ? (
              <Empty title={`No ${humanizeKey(kind).toLowerCase()} items`} />
            ) : (
              <Empty title="No inventory yet">Run “Sync inventory” to read this tenant’s Intune configuration.</Empty>
            )
          }
        />
      </section>
    </div>
  );
}
