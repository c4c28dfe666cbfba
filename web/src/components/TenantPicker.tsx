// "All tenants (also ones added later)" or chosen ones: the one control for what a member or
// an invitation grants.
import type { TenantsGrant } from '../members.ts';

export function TenantPicker({ id, tenants, value, onChange, disabled }: { id: string; tenants: { slug: string; name: string }[]; value: TenantsGrant; onChange(v: TenantsGrant): void; disabled?: boolean }) {
  const chosen = value === 'all' ? [] : value;
  const toggle = (slug: string, on: boolean) => onChange(on ? [...chosen, slug] : chosen.filter((s) => s !== slug));
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
        <div role="group" aria-label="Chosen tenants" style={{ paddingLeft: 24 }}>
          {tenants.length === 0 ? <p className="muted small">No tenants yet.</p> : null}
          {tenants.map((t) => (
            <label key={t.slug} className="check">
              <input type="checkbox" checked={chosen.includes(t.slug)} onChange={(e) => toggle(t.slug, e.target.checked)} />
              {t.name} <span className="muted small">{t.slug}</span>
            </label>
          ))}
        </div>
      ) : null}
    </fieldset>
  );
}
