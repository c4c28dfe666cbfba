// /admin/t/{slug}/inventory: what the last inventory sync recorded, with "Sync inventory".
import { useMemo, useState } from 'react';
import { LastRunLine, useLatestRun } from '../components/LastRun.tsx';
import { StartActions, StartButton } from '../components/StartButton.tsx';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { humanizeKey, relativeTime } from '../format.ts';
import { useDocumentTitle, useResource } from '../hooks.ts';
import type { InventoryItem } from '../types.ts';
import { useTenant } from './TenantLayout.tsx';

export function TenantInventoryPage() {
  const { tenant, can, membership } = useTenant();
  useDocumentTitle(`Inventory · ${tenant.name}`);
  const t = encodeURIComponent(tenant.slug);
  const inv = useResource<{ items: InventoryItem[]; total?: number }>(`/api/tenants/${t}/inventory?limit=500`);
  const { run } = useLatestRun(tenant.slug, 'inventory.sync', inv.reload);
  const [kind, setKind] = useState('');
  const kinds = useMemo(() => [...new Set((inv.data?.items ?? []).map((i) => i.kind))].sort(), [inv.data]);
  const items = (inv.data?.items ?? []).filter((i) => !kind || i.kind === kind);
  return (
    <div className="stack">
      <section className="card">
        <StartActions
          title="Intune inventory"
          note={can('inventory.sync') ? <LastRunLine run={run} label="Last inventory sync" /> : <>Your role{membership ? ` (${membership.role})` : ''} can view inventory but cannot sync it.</>}
        >
          <StartButton tenant={tenant.slug} type="inventory.sync" allowed={can('inventory.sync')} variant="primary" />
        </StartActions>
      </section>
      <section className="card" aria-labelledby="inv-title">
        <div className="card-head">
          <h2 className="card-title" id="inv-title">
            Items {inv.data ? <span className="count">{inv.data.total ?? inv.data.items.length}</span> : null}
          </h2>
          <div className="field field-inline">
            <label htmlFor="kind-filter">Kind</label>
            <select id="kind-filter" value={kind} onChange={(e) => setKind(e.target.value)}>
              <option value="">All kinds</option>
              {kinds.map((k) => (
                <option key={k} value={k}>
                  {humanizeKey(k)}
                </option>
              ))}
            </select>
          </div>
        </div>
        {inv.error ? (
          <ErrorState error={inv.error} onRetry={inv.reload} />
        ) : !inv.data ? (
          <Loading />
        ) : inv.data.items.length === 0 ? (
          <Empty title="No inventory yet">Run “Sync inventory” to read this tenant’s Intune configuration.</Empty>
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
              {items.slice(0, 300).map((i) => (
                <tr key={`${i.kind}-${i.externalId ?? i.id ?? i.displayName}`}>
                  <td>{i.displayName}</td>
                  <td>{humanizeKey(i.kind)}</td>
                  <td>{relativeTime(i.syncedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
