// The latest run of one operation type on a tenant, followed live; `onSettled` fires when
// an active run completes (so a list can reload what the run just wrote).
import { useEffect, useEffectEvent, useRef } from 'react';
import { Link } from 'react-router-dom';
import { qs } from '../api.ts';
import { isActive, relativeTime } from '../format.ts';
import { useNow, useResource } from '../hooks.ts';
import type { Run, RunPage } from '../types.ts';
import { RunBadge } from './RunsTable.tsx';

export function useLatestRun(
  tenant: string,
  type: string,
  onSettled?: () => void,
  match: (r: Run) => boolean = () => true,
): { run: Run | null; loaded: boolean } {
  const r = useResource<RunPage>(`/api/operations${qs({ tenant, type })}`, { poll: (d) => d.items.some(isActive), idleIntervalMs: 15_000 });
  const items = (r.data?.items ?? []).filter(match);
  const active = items.some(isActive);
  const wasActive = useRef(false);
  const settled = useEffectEvent(() => onSettled?.());
  useEffect(() => {
    if (wasActive.current && !active) settled();
    wasActive.current = active;
  }, [active]);
  const run = items[0] ?? null;
  return { run, loaded: r.data !== null };
}

export function LastRunLine({ run, label = 'Last run' }: { run: Run | null; label?: string }) {
  const now = useNow(10_000);
  if (!run) return <span className="muted small">{label}: never</span>;
  return (
    <span className="small last-run">
      {label}: <RunBadge run={run} /> <Link to={`/admin/operations/${run.id}`}>{relativeTime(run.completedAt ?? run.createdAt, now)}</Link>
    </span>
  );
}
