// "All tenants (also ones added later)" or chosen ones: the one control for what a member or
// an invitation grants. With many tenants the chosen ones are found by a filter (name or
// slug) in a list that renders only what is in view.
import { useState } from 'react';
import type { TenantsGrant } from '../members.ts';
import { PickList } from './PickList.tsx';

/** From this many tenants on, the list has a filter. */
const FILTER_FROM = 10;

export function TenantPicker({
  id,
  tenants,
  value,
  onChange,
  disabled,
}: {
  id: string;
  tenants: { slug: string; name: string }[];
  value: TenantsGrant;
  onChange(v: TenantsGrant): void;
  disabled?: boolean;
}) {
  const [filter, setFilter] = useState('');
  const chosen = value === 'all' ? [] : value;
  const toggle = (slug: string, on: boolean) => onChange(on ? [...chosen, slug] : chosen.filter((s) => s !== slug));
  const q = filter.trim().toLowerCase();
  const shown = q ? tenants.filter((t) => t.name.toLowerCase().includes(q) || t.slug.includes(q)) : tenants;
  return (
    <fieldset className="checks" disabled={disabled}>
      <legend>Tenants</legend>
      <label className="check">
        <input type="radio" name={`${id}-scope`} checked={value === 'all'} onChange={() => onChange('all')} />
        All tenants, also ones added later
      </label>
      <label className="check">
        <input type="radio" name={`${id}-scope`} checked={value !== 'all'} onChange={() => onChange(chosen)} />
        Only these tenants:
      </label>
      {value !== 'all' ? (
        <div role="group" aria-label="Chosen tenants" className="tenant-picker-choices">
          {tenants.length === 0 ? <p className="muted small">No tenants yet.</p> : null}
          {tenants.length >= FILTER_FROM ? (
            <p className="tenant-picker-filter">
              <input
                type="search"
                aria-label="Filter tenants by name or slug"
                placeholder="Filter tenants"
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
              />
              <span className="muted small">{chosen.length} chosen</span>
            </p>
          ) : null}
          <PickList
            className="tenant-picker-list"
            label="Tenants"
            items={shown}
            itemKey={(t) => t.slug}
            render={(t) => (
              <label className="check">
                <input type="checkbox" checked={chosen.includes(t.slug)} onChange={(e) => toggle(t.slug, e.target.checked)} />
                {t.name} <span className="muted small">{t.slug}</span>
              </label>
            )}
            empty={q ? <li className="muted small">No tenant matches “{filter}”.</li> : null}
          />
        </div>
      ) : null}
    </fieldset>
  );
}
