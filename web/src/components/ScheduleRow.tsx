// One schedule in the schedules table, with what can be done to it: everyone may open its
// firings; schedule.manage holders may disable/enable it, change its cron and time zone, and
// delete it (after a confirmation). The panel opens in a row below the schedule.
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { api, ApiError } from '../api.ts';
import { countsText, cronInWords, fieldErrors, type Firing, type Schedule } from '../fleet.ts';
import { formatDateTime, relativeTime } from '../format.ts';
import { useResource } from '../hooks.ts';
import { operationAction } from '../operations.ts';
import { useSession } from '../session.tsx';
import { CronHelp, FieldError, TIME_ZONE_LIST } from './ScheduleForm.tsx';
import { Empty, ErrorState, Loading } from './States.tsx';
import type { ItemList } from '../types.ts';

type Panel = 'none' | 'firings' | 'edit' | 'delete';
const COLUMNS = 8;

export function ScheduleRow({ schedule: s, canManage, now, onChanged }: { schedule: Schedule; canManage: boolean; now: number; onChanged(): void }) {
  const { session } = useSession();
  const [panel, setPanel] = useState<Panel>('none');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const names = s.tenants === 'all' ? [] : s.tenants.map((slug) => session?.tenants.find((t) => t.slug === slug)?.name ?? slug);
  const words = cronInWords(s.cron);
  const open = (p: Panel) => {
    setError(null);
    setPanel((cur) => (cur === p ? 'none' : p));
  };

  async function change(body: Record<string, unknown>, method: 'patch' | 'del' = 'patch') {
    setBusy(true);
    setError(null);
    try {
      if (method === 'del') await api.del(`/api/schedules/${s.id}`);
      else await api.patch(`/api/schedules/${s.id}`, body);
      setPanel('none');
      onChanged();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <tbody data-schedule={s.name} data-enabled={s.enabled}>
      <tr>
        <th scope="row">{s.name}</th>
        <td>{operationAction(s.type)}</td>
        <td>
          {s.tenants === 'all' ? (
            'All active tenants'
          ) : (
            <span title={names.join(', ')}>{names.length <= 3 ? names.join(', ') : `${names.length} tenants`}</span>
          )}
        </td>
        <td>
          {words ?? <code>{s.cron}</code>}
          <span className="subtle-note">
            {words ? <code>{s.cron}</code> : null} {s.timezone}
          </span>
        </td>
        <td>
          <span className={`badge ${s.enabled ? 'tone-good' : 'tone-muted'}`} data-testid="schedule-state">
            {s.enabled ? 'enabled' : 'disabled'}
          </span>
        </td>
        <td className="nowrap" data-testid="next-fire">
          {s.enabled && s.nextFireAt ? (
            <>
              {formatDateTime(s.nextFireAt)}
              <span className="subtle-note">{relativeTime(s.nextFireAt, now)}</span>
            </>
          ) : (
            <span className="muted">—</span>
          )}
        </td>
        <td className="nowrap" data-testid="last-firing">
          {s.lastFiring ? (
            <>
              {s.lastFiring.bulkOperationId ? (
                <Link to={`/admin/bulk/${s.lastFiring.bulkOperationId}`}>{relativeTime(s.lastFiring.firedAt, now)}</Link>
              ) : (
                relativeTime(s.lastFiring.firedAt, now)
              )}
              <span className="subtle-note">{s.lastFiring.bulkOperationId ? countsText(s.lastFiring.counts) : 'starting…'}</span>
            </>
          ) : (
            <span className="muted">never</span>
          )}
        </td>
        <td className="cell-actions">
          <button type="button" className="button button-secondary" aria-expanded={panel === 'firings'} onClick={() => open('firings')}>
            Firings
          </button>
          {canManage ? (
            <>
              {' '}
              <button type="button" className="button button-secondary" disabled={busy} onClick={() => void change({ enabled: !s.enabled })}>
                {s.enabled ? 'Disable' : 'Enable'}
              </button>{' '}
              <button type="button" className="button button-secondary" aria-expanded={panel === 'edit'} onClick={() => open('edit')}>
                Edit
              </button>{' '}
              <button type="button" className="button button-danger" onClick={() => open('delete')}>
                Delete
              </button>
            </>
          ) : null}
        </td>
      </tr>
      {panel !== 'none' || error ? (
        <tr className="schedule-panel">
          <td colSpan={COLUMNS}>
            {error && panel !== 'edit' ? (
              <p className="callout-inline" role="alert">
                {error}
              </p>
            ) : null}
            {panel === 'firings' ? <Firings id={s.id} now={now} /> : null}
            {panel === 'edit' ? <EditTiming schedule={s} busy={busy} error={error} onSave={(b) => void change(b)} onCancel={() => setPanel('none')} /> : null}
            {panel === 'delete' ? (
              <div className="tenant-status-panel" role="alertdialog" aria-labelledby={`del-${s.id}`}>
                <p id={`del-${s.id}`}>
                  <strong>Delete the schedule “{s.name}”?</strong> It stops firing; its past bulk starts and their runs stay.
                </p>
                <div className="head-actions">
                  <button type="button" className="button button-danger" disabled={busy} onClick={() => void change({}, 'del')}>
                    Delete schedule
                  </button>
                  <button type="button" className="button button-secondary" onClick={() => setPanel('none')}>
                    Keep it
                  </button>
                </div>
              </div>
            ) : null}
          </td>
        </tr>
      ) : null}
    </tbody>
  );
}

function EditTiming({
  schedule: s,
  busy,
  error,
  onSave,
  onCancel,
}: {
  schedule: Schedule;
  busy: boolean;
  error: string | null;
  onSave(b: { cron: string; timezone: string }): void;
  onCancel(): void;
}) {
  const [cron, setCron] = useState(s.cron);
  const [timezone, setTimezone] = useState(s.timezone);
  const errors = error ? fieldErrors(error) : {};
  const prefix = `edit-${s.id}`;
  function submit(e: FormEvent) {
    e.preventDefault();
    onSave({ cron: cron.trim(), timezone: timezone.trim() });
  }
  return (
    <form className="schedule-edit" onSubmit={submit} aria-label={`Change when “${s.name}” fires`}>
      <div className="field">
        <label htmlFor={`${prefix}-cron`}>Cron</label>
        <input
          id={`${prefix}-cron`}
          className="mono"
          value={cron}
          maxLength={100}
          spellCheck={false}
          onChange={(e) => setCron(e.target.value)}
          aria-invalid={!!errors.cron}
          aria-describedby={`${prefix}-cron-help${errors.cron ? ` ${prefix}-cron-error` : ''}`}
        />
        <CronHelp cron={cron} id={`${prefix}-cron-help`} />
        <FieldError id={`${prefix}-cron-error`} message={errors.cron} />
      </div>
      <div className="field">
        <label htmlFor={`${prefix}-timezone`}>Time zone</label>
        <input
          id={`${prefix}-timezone`}
          value={timezone}
          maxLength={64}
          list={TIME_ZONE_LIST}
          spellCheck={false}
          onChange={(e) => setTimezone(e.target.value)}
          aria-invalid={!!errors.timezone}
          aria-describedby={errors.timezone ? `${prefix}-timezone-error` : undefined}
        />
        <FieldError id={`${prefix}-timezone-error`} message={errors.timezone} />
      </div>
      <div className="head-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          Save
        </button>
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {error && !errors.cron && !errors.timezone ? (
        <p className="callout-inline" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}

function Firings({ id, now }: { id: string; now: number }) {
  const r = useResource<ItemList<Firing>>(`/api/schedules/${id}/firings`);
  if (r.error) return <ErrorState error={r.error} onRetry={r.reload} />;
  if (!r.data) return <Loading />;
  if (r.data.items.length === 0) return <Empty title="Not fired yet">Each firing starts the operation on the schedule’s tenants and appears here.</Empty>;
  return (
    <table className="table table-compact" data-testid="firings">
      <thead>
        <tr>
          <th scope="col">Fired</th>
          <th scope="col">Answers</th>
          <th scope="col">Bulk start</th>
        </tr>
      </thead>
      <tbody>
        {r.data.items.map((f) => (
          <tr key={f.firedAt}>
            <td title={formatDateTime(f.firedAt)}>
              {formatDateTime(f.firedAt)} <span className="muted">({relativeTime(f.firedAt, now)})</span>
            </td>
            <td>{f.bulkOperationId ? countsText(f.counts) : 'starting…'}</td>
            <td>{f.bulkOperationId ? <Link to={`/admin/bulk/${f.bulkOperationId}`}>View answers</Link> : <span className="muted">—</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
