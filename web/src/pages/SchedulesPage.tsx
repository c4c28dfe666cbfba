// /admin/schedules: the workspace's schedules — what runs, on which tenants, when (cron in a
// time zone), the next firing and the last one with its answers. Every member reads them;
// schedule.manage holders also create, disable/enable, retime and delete them.
import { useMemo } from 'react';
import { rolesWith } from '../../../src/access/capabilities.ts';
import { ScheduleForm, TIME_ZONE_LIST } from '../components/ScheduleForm.tsx';
import { ScheduleRow } from '../components/ScheduleRow.tsx';
import { useFleetWorkspace } from '../components/TenantChooser.tsx';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { timeZones, type Schedule } from '../fleet.ts';
import { useDocumentTitle, useNow, useResource } from '../hooks.ts';
import '../fleet.css';
import type { ItemList } from '../types.ts';

const WHO_CAN = rolesWith('schedule.manage')
  .map((r) => `${r}s`)
  .join(', ')
  .replace(/, ([^,]+)$/, ' and $1');

export function SchedulesPage() {
  useDocumentTitle('Schedules');
  const { ws, can } = useFleetWorkspace('schedule.manage');
  const now = useNow(30_000);
  const zones = useMemo(() => timeZones(), []);
  // Next and last firings move on their own: refreshed every half minute.
  const list = useResource<ItemList<Schedule>>(ws ? `/api/workspaces/${encodeURIComponent(ws.slug)}/schedules` : null, { idleIntervalMs: 30_000 });

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>Schedules</h1>
          <p className="muted">
            Operations that start on many tenants at set times. Each firing is a bulk start through the same gate: tenants that are not ready are answered
            blocked, never queued.
          </p>
        </div>
      </div>
      {ws && can ? (
        <ScheduleForm workspace={ws.slug} onCreated={() => list.reload()} />
      ) : ws ? (
        <div className="callout callout-info" data-testid="schedules-read-only">
          Your role in {ws.name} ({ws.role}) can read these schedules; {WHO_CAN} can change them.
        </div>
      ) : null}
      <section className="card card-flush" aria-label="Schedules">
        {list.error ? (
          <ErrorState error={list.error} onRetry={list.reload} />
        ) : !list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty title="No schedules yet">
            {can ? 'Create one above to run an operation on your tenants at set times.' : `${WHO_CAN[0]!.toUpperCase()}${WHO_CAN.slice(1)} can create them.`}
          </Empty>
        ) : (
          <table className="table" data-testid="schedules-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Operation</th>
                <th scope="col">Tenants</th>
                <th scope="col">When</th>
                <th scope="col">State</th>
                <th scope="col">Next firing</th>
                <th scope="col">Last firing</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            {list.data.items.map((s) => (
              <ScheduleRow key={s.id} schedule={s} canManage={can} now={now} onChanged={list.reload} />
            ))}
          </table>
        )}
      </section>
      <datalist id={TIME_ZONE_LIST}>
        {zones.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
    </div>
  );
}
