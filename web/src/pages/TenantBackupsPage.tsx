// /admin/t/{slug}/backups: what "Capture backup" stored, newest capture first, searched and
// keyset-paged by the API, with "Capture backup" itself (the same start button as everywhere). Items picked here, on
// any page, become a restore run ("Create restore run"), which opens on its preview — the
// place where it is confirmed and executed.
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, ApiError } from '../api.ts';
import { LastRunLine, useLatestRun } from '../components/LastRun.tsx';
import { StartActions, StartButton } from '../components/StartButton.tsx';
import { ListCount, ListSearch } from '../components/DataTable.tsx';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { formatDateTime, humanizeKey } from '../format.ts';
import { announceChange, useDocumentTitle } from '../hooks.ts';
import { useServerList } from '../lists.ts';
import type { BackupItem, RestoreRunSummary } from '../types.ts';
import { useTenant } from './TenantLayout.tsx';

const PAGE_SIZE = 100;
/** The API's limit per restore run; more is refused with a 400. */
const MAX_ITEMS = 500;

/** Consecutive items of one capture (they share capturedAt), to show under one heading. */
function byCapture(items: BackupItem[]): { capturedAt: string; items: BackupItem[] }[] {
  const groups: { capturedAt: string; items: BackupItem[] }[] = [];
  for (const i of items) {
    const last = groups.at(-1);
    if (last && last.capturedAt === i.capturedAt) last.items.push(i);
    else groups.push({ capturedAt: i.capturedAt, items: [i] });
  }
  return groups;
}

export function TenantBackupsPage() {
  const { tenant, can, membership } = useTenant();
  useDocumentTitle(`Backups · ${tenant.name}`);
  const t = encodeURIComponent(tenant.slug);
  const page = useServerList<BackupItem>(`/api/tenants/${t}/backup-items`, { defaultSort: '-captured', pageSize: PAGE_SIZE });
  const { run } = useLatestRun(tenant.slug, 'backup.capture', page.reload);
  const allowed = can('restore.execute');
  // Kept across pages, in the order picked: the order the restore will write them in.
  const [selected, setSelected] = useState<Map<string, BackupItem>>(() => new Map());

  const toggle = (items: BackupItem[], on: boolean) =>
    setSelected((prev) => {
      const next = new Map(prev);
      for (const i of items) {
        if (on) next.set(i.id, i);
        else next.delete(i.id);
      }
      return next;
    });

  const items = page.items;
  const total = page.total ?? 0;
  const allOnPage = items.length > 0 && items.every((i) => selected.has(i.id));

  return (
    <div className="grid-2 grid-2-wide-left">
      <div className="col">
        <section className="card">
          <StartActions
            title="Backups"
            note={
              allowed ? (
                <LastRunLine run={run} label="Last backup capture" />
              ) : (
                <>Your role ({membership.role}) can view backups but cannot capture them or create restore runs.</>
              )
            }
          >
            <StartButton tenant={tenant.slug} type="backup.capture" allowed={allowed} variant="primary" />
          </StartActions>
          <p className="muted small">Each capture keeps its own copy of every device configuration and its assignments; earlier captures stay as they were.</p>
        </section>
        {allowed ? <CreateRestoreRun tenantSlug={tenant.slug} selected={[...selected.values()]} onClear={() => setSelected(new Map())} /> : null}
      </div>

      <div className="col">
        <section className="card" aria-labelledby="backup-items-title">
          <div className="card-head">
            <h2 className="card-title" id="backup-items-title">
              Backup items <ListCount list={page} />
            </h2>
            <ListSearch list={page} id="backup-search" label="Search backup items" placeholder="Name" />
            {allowed && items.length ? (
              <label className="check small">
                <input type="checkbox" checked={allOnPage} onChange={(e) => toggle(items, e.target.checked)} /> Select all on this page
              </label>
            ) : null}
          </div>
          {page.error ? (
            <ErrorState error={page.error} onRetry={page.reload} />
          ) : !page.data ? (
            <Loading />
          ) : items.length === 0 ? (
            page.q ? (
              <Empty title={`No backup items match “${page.q}”`} />
            ) : (
              <Empty title="No backups yet">Run “Capture backup” to keep a copy of this tenant’s device configurations.</Empty>
            )
          ) : (
            <div className="data-table-wrap">
              <table className="table table-compact" data-testid="backup-items" aria-labelledby="backup-items-title">
                <thead>
                  <tr>
                    {allowed ? (
                      <th scope="col">
                        <span className="visually-hidden">Selected</span>
                      </th>
                    ) : null}
                    <th scope="col">Name</th>
                    <th scope="col">Type</th>
                    <th scope="col">Assignments</th>
                  </tr>
                </thead>
                {byCapture(items).map((g) => (
                  <tbody key={g.capturedAt}>
                    <tr>
                      <th scope="rowgroup" colSpan={allowed ? 4 : 3} className="muted small">
                        Captured {formatDateTime(g.capturedAt)}
                      </th>
                    </tr>
                    {g.items.map((i) => (
                      <tr key={i.id}>
                        {allowed ? (
                          <td>
                            <input
                              type="checkbox"
                              aria-label={`Select ${i.displayName}`}
                              checked={selected.has(i.id)}
                              onChange={(e) => toggle([i], e.target.checked)}
                            />
                          </td>
                        ) : null}
                        <td>{i.displayName}</td>
                        <td>{humanizeKey(i.resourceType)}</td>
                        <td>{i.assignmentCount}</td>
                      </tr>
                    ))}
                  </tbody>
                ))}
              </table>
            </div>
          )}
          {page.data && (page.hasNext || page.hasPrevious) ? (
            <div className="table-foot">
              <button type="button" className="button button-secondary" disabled={!page.hasPrevious} onClick={page.previous}>
                Newer
              </button>{' '}
              <span className="muted small" aria-live="polite">
                {page.from}–{page.to} of {total}
              </span>{' '}
              <button type="button" className="button button-secondary" disabled={!page.hasNext} onClick={page.next}>
                Older
              </button>
            </div>
          ) : null}
        </section>
      </div>
    </div>
  );
}

function CreateRestoreRun({ tenantSlug, selected, onClear }: { tenantSlug: string; selected: BackupItem[]; onClear: () => void }) {
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const t = encodeURIComponent(tenantSlug);
  const why =
    selected.length === 0
      ? 'Select the items to restore.'
      : selected.length > MAX_ITEMS
        ? `A restore run takes at most ${MAX_ITEMS} items.`
        : name.trim() === ''
          ? 'Name the restore run.'
          : null;

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      const rr = await api.post<RestoreRunSummary>(`/api/tenants/${t}/restore-runs`, { name: name.trim(), backupItemIds: selected.map((i) => i.id) });
      announceChange();
      void navigate(`/admin/t/${t}/restore-runs/${encodeURIComponent(rr.id)}`);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'client_error', String(err)));
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="create-restore-title">
      <h2 className="card-title" id="create-restore-title">
        Create restore run
      </h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!why && !busy) void submit();
        }}
      >
        <p className="small" data-testid="restore-selection">
          {selected.length} item{selected.length === 1 ? '' : 's'} selected
          {selected.length ? (
            <>
              {' '}
              <button type="button" className="link-button" onClick={onClear}>
                Clear selection
              </button>
            </>
          ) : null}
        </p>
        {selected.length ? (
          <ol className="small muted">
            {selected.slice(0, 5).map((i) => (
              <li key={i.id}>{i.displayName}</li>
            ))}
            {selected.length > 5 ? <li>… and {selected.length - 5} more</li> : null}
          </ol>
        ) : null}
        <div className="field">
          <label htmlFor="restore-run-name">Restore run name</label>
          <input id="restore-run-name" maxLength={200} autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />
          <p className="help">Typed again to confirm before the restore is executed.</p>
        </div>
        {error ? (
          <div className="callout callout-error" role="alert">
            <strong>{error.status === 403 ? 'Not allowed' : 'Could not create the restore run'}</strong>
            <p>{error.message}</p>
          </div>
        ) : null}
        <button type="submit" className="button button-primary" disabled={!!why || busy} aria-busy={busy || undefined}>
          Create restore run
        </button>
        {why ? <p className="muted small">{why}</p> : null}
      </form>
    </section>
  );
}
