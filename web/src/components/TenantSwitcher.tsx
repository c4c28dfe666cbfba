// The top bar's tenant picker: a searchable combobox (ARIA 1.2 pattern) asking the API for
// tenants by name or slug (?q=, 20 at a time), so it stays quick at 10,000 tenants where a
// <select> of every tenant would not. Arrow keys move through the options, Enter opens the
// tenant (the same section of it when on one), Escape closes and restores the field.
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { qs } from '../api.ts';
import { useResource } from '../hooks.ts';
import type { KeysetPage } from '../lists.ts';
import type { TenantSummary } from '../types.ts';

export const PICKER_LIMIT = 20;

/**
 * Tenants matching `q` (name or slug), archived ones left out, a short page. `data` is null
 * until the answer for the text as typed now is in (never the previous text's tenants, which
 * Enter would otherwise pick).
 */
export function useTenantSearch(q: string, enabled: boolean, limit = PICKER_LIMIT) {
  const wanted = q.trim();
  const [debounced, setDebounced] = useState(wanted);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(wanted), 150);
    return () => clearTimeout(t);
  }, [wanted]);
  const r = useResource<KeysetPage<TenantSummary>>(enabled ? `/api/tenants${qs({ q: debounced || undefined, limit: String(limit) })}` : null);
  return debounced === wanted ? r : { ...r, data: null };
}

export function TenantSwitcher({ current, currentName, section }: { current: string; currentName: string | null; section: string }) {
  const id = useId();
  const listId = `${id}-list`;
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  // -1: not moved by the arrow keys yet — the first tenant found (or "All tenants" for no text).
  const [active, setActive] = useState(-1);
  const input = useRef<HTMLInputElement>(null);
  const found = useTenantSearch(text, open);
  const tenants = found.data?.items ?? [];
  // Option 0 is "All tenants"; then the tenants found.
  const options: { key: string; label: string; hint?: string; slug: string }[] = [
    { key: '__all', label: 'All tenants', slug: '' },
    ...tenants.map((t) => ({ key: t.id, label: t.name, hint: t.slug, slug: t.slug })),
  ];
  const auto = text.trim() && tenants.length ? 1 : 0;
  const activeIndex = Math.min(active === -1 ? auto : active, options.length - 1);

  function close() {
    setOpen(false);
    setText('');
    setActive(-1);
  }
  function choose(slug: string) {
    close();
    input.current?.blur();
    void navigate(slug ? `/admin/t/${encodeURIComponent(slug)}${section}` : '/admin/tenants');
  }
  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (!open) setOpen(true);
      else setActive(Math.min(activeIndex + 1, options.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive(Math.max(activeIndex - 1, 0));
    } else if (e.key === 'Enter' && open) {
      e.preventDefault();
      const o = options[activeIndex];
      if (o) choose(o.slug);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      close();
    }
  }

  const total = found.data?.total;
  return (
    <div className="tenant-switcher">
      <label htmlFor={id}>Tenant</label>
      <div className="combo">
        <input
          ref={input}
          id={id}
          data-testid="tenant-switcher"
          type="text"
          role="combobox"
          aria-expanded={open}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={open && options[activeIndex] ? `${id}-opt-${activeIndex}` : undefined}
          autoComplete="off"
          spellCheck={false}
          placeholder={currentName ?? 'All tenants'}
          value={open ? text : (currentName ?? '')}
          onFocus={() => setOpen(true)}
          onBlur={() => setTimeout(close, 150)}
          onChange={(e) => {
            setText(e.target.value);
            setActive(-1);
            setOpen(true);
          }}
          onKeyDown={onKeyDown}
        />
        <div className="combo-popup" hidden={!open}>
          <ul id={listId} role="listbox" aria-label="Tenants" className="combo-list">
            {open
              ? options.map((o, i) => (
                  <li
                    key={o.key}
                    id={`${id}-opt-${i}`}
                    role="option"
                    aria-selected={i === activeIndex}
                    data-option-tenant={o.slug || undefined}
                    className={`combo-option${i === activeIndex ? ' active' : ''}${o.slug === current ? ' current' : ''}`}
                    onMouseDown={(e) => e.preventDefault()}
                    // eslint-disable-next-line react-hooks/refs -- choose() reads the input's ref in the click handler, not while rendering the option
                    onClick={() => choose(o.slug)}
                  >
                    <span>{o.label}</span>
                    {o.hint ? <span className="combo-hint">{o.hint}</span> : null}
                  </li>
                ))
              : null}
          </ul>
          <p className="combo-status" role="status">
            {!open
              ? ''
              : found.data
                ? total === 0
                  ? `No tenant matches “${text.trim()}”`
                  : total !== undefined && total > tenants.length
                    ? `${tenants.length} of ${total.toLocaleString('en-US')} tenants: type to narrow`
                    : `${tenants.length} ${tenants.length === 1 ? 'tenant' : 'tenants'}`
                : 'Searching…'}
          </p>
        </div>
      </div>
    </div>
  );
}
