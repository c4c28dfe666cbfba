// "New schedule" (schedule.manage): name, operation, tenants, cron and time zone. The server
// checks the cron expression and the time zone; its 400 is shown next to the field it names.
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { BULK_TYPES, browserTimeZone, cronInWords, fieldErrors, type Schedule } from '../fleet.ts';
import { OPERATIONS } from '../operations.ts';
import type { OperationType, TenantSelection } from '../types.ts';
import { TenantChooser } from './TenantChooser.tsx';

export const TIME_ZONE_LIST = 'time-zones';

export function CronHelp({ cron, id }: { cron: string; id: string }) {
  const words = cronInWords(cron);
  return (
    <p className="help" id={id}>
      {words ?? 'minute hour day-of-month month day-of-week, e.g. "0 2 * * *" for every day at 02:00'}
    </p>
  );
}

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="callout-inline field-error" id={id} role="alert">
      {message}
    </p>
  );
}

export function ScheduleForm({ workspace, onCreated }: { workspace: string; onCreated(s: Schedule): void }) {
  const [name, setName] = useState('');
  const [type, setType] = useState<OperationType>('inventory.sync');
  const [tenants, setTenants] = useState<TenantSelection>('all');
  const [cron, setCron] = useState('0 2 * * *');
  const [timezone, setTimezone] = useState(browserTimeZone);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (tenants !== 'all' && tenants.length === 0) return setErrors({ tenants: 'Choose at least one tenant, or all active tenants.' });
    setBusy(true);
    setErrors({});
    try {
      const body = { type, tenants, cron: cron.trim(), timezone: timezone.trim(), ...(name.trim() ? { name: name.trim() } : {}) };
      const created = await api.post<Schedule>(`/api/workspaces/${encodeURIComponent(workspace)}/schedules`, body);
      setName('');
      onCreated(created);
    } catch (err) {
      setErrors(fieldErrors(err instanceof ApiError ? err.message : String(err)));
    } finally {
      setBusy(false);
    }
  }

  const described = (field: string, help?: string) => [help, errors[field] ? `schedule-${field}-error` : null].filter(Boolean).join(' ') || undefined;
  const general = Object.entries(errors).filter(([k]) => !['name', 'type', 'tenants', 'cron', 'timezone'].includes(k));
  return (
    <section className="card" aria-labelledby="schedule-form-title">
      <h2 className="card-title" id="schedule-form-title">
        New schedule
      </h2>
      <form className="schedule-form" onSubmit={(e) => void submit(e)} noValidate>
        <div className="form-grid-fields">
          <div className="field">
            <label htmlFor="schedule-name">Name</label>
            <input
              id="schedule-name"
              value={name}
              maxLength={100}
              placeholder={`${OPERATIONS[type].action} on a schedule`}
              onChange={(e) => setName(e.target.value)}
              aria-describedby={described('name')}
            />
            <FieldError id="schedule-name-error" message={errors.name} />
          </div>
          <div className="field">
            <label htmlFor="schedule-type">Operation</label>
            <select id="schedule-type" value={type} onChange={(e) => setType(e.target.value as OperationType)} aria-describedby={described('type')}>
              {BULK_TYPES.map((t) => (
                <option key={t} value={t}>
                  {OPERATIONS[t].action}
                </option>
              ))}
            </select>
            <FieldError id="schedule-type-error" message={errors.type} />
          </div>
          <div />
          <div className="field">
            <label htmlFor="schedule-cron">Cron</label>
            <input
              id="schedule-cron"
              value={cron}
              maxLength={100}
              spellCheck={false}
              className="mono"
              onChange={(e) => setCron(e.target.value)}
              aria-describedby={described('cron', 'schedule-cron-help')}
              aria-invalid={!!errors.cron}
            />
            <CronHelp cron={cron} id="schedule-cron-help" />
            <FieldError id="schedule-cron-error" message={errors.cron} />
          </div>
          <div className="field">
            <label htmlFor="schedule-timezone">Time zone</label>
            <input
              id="schedule-timezone"
              value={timezone}
              maxLength={64}
              list={TIME_ZONE_LIST}
              spellCheck={false}
              onChange={(e) => setTimezone(e.target.value)}
              aria-describedby={described('timezone')}
              aria-invalid={!!errors.timezone}
            />
            <FieldError id="schedule-timezone-error" message={errors.timezone} />
          </div>
          <div />
        </div>
        <TenantChooser value={tenants} onChange={setTenants} error={errors.tenants} allHint="Every tenant that is active when the schedule fires." />
        {general.length ? (
          <div className="callout callout-error" role="alert">
            {general.map(([k, v]) => (k === '_' ? v : `${k}: ${v}`)).join('; ')}
          </div>
        ) : null}
        <button type="submit" className={`button button-primary${busy ? ' is-busy' : ''}`} disabled={busy}>
          Create schedule
        </button>
      </form>
    </section>
  );
}
