// "Go to…" for operators: Ctrl+K (⌘K on a Mac) or the top bar's button opens one field that
// finds a tenant by name or slug (asking the API, so it works at 10,000 tenants), opens a run
// by its id (pasted alone or inside a run link), or jumps to a page of the console. A modal
// dialog: the field keeps the focus, arrow keys move through the results, Enter goes, Escape
// closes and gives the focus back to where it was.
import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { useTenantSearch } from './TenantSwitcher.tsx';
import { consolePages } from '../navigation.ts';

const RUN_ID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;

// The pages every member can open (a page a role may not use says so); the workspace settings
// stay in the sidebar of those who manage them.
const PAGES = consolePages({ members: true, audit: true, apps: false, webhooks: false });

interface Option {
  key: string;
  group: 'Run' | 'Tenants' | 'Pages';
  label: string;
  hint?: string;
  to: string;
}

/** Opens on Ctrl+K / ⌘K anywhere in the console. */
export function useCommandPaletteShortcut(open: () => void): void {
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        open();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);
}

export function CommandPalette() {
  const [open, setOpen] = useState(false);
  const returnTo = useRef<HTMLElement | null>(null);
  const show = useCallback(() => {
    returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setOpen(true);
  }, []);
  const hide = useCallback(() => {
    setOpen(false);
    returnTo.current?.focus();
  }, []);
  useCommandPaletteShortcut(show);
  const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
  return (
    <>
      <button type="button" className="palette-button" onClick={show} aria-keyshortcuts="Control+K Meta+K">
        <span className="palette-button-text">Go to…</span>
        <kbd aria-hidden="true">{isMac ? '⌘K' : 'Ctrl K'}</kbd>
      </button>
      {open ? <PaletteDialog onClose={hide} onGo={() => setOpen(false)} /> : null}
    </>
  );
}

function PaletteDialog({ onClose, onGo }: { onClose: () => void; onGo: () => void }) {
  const id = useId();
  const navigate = useNavigate();
  const [text, setText] = useState('');
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const q = text.trim();
  const runId = RUN_ID.exec(q)?.[1]?.toLowerCase() ?? null;
  const found = useTenantSearch(runId ? '' : q, !runId, 8);
  const options: Option[] = [
    ...(runId ? [{ key: `run-${runId}`, group: 'Run' as const, label: `Open run ${runId}`, to: `/admin/operations/${runId}` }] : []),
    ...(runId
      ? []
      : (found.data?.items ?? []).map((t) => ({
          key: t.id,
          group: 'Tenants' as const,
          label: t.name,
          hint: t.slug,
          to: `/admin/t/${encodeURIComponent(t.slug)}`,
        }))),
    ...(runId
      ? []
      : PAGES.filter((p) => !q || p.label.toLowerCase().includes(q.toLowerCase())).map((p) => ({
          key: p.to,
          group: 'Pages' as const,
          label: p.label,
          to: p.to,
        }))),
  ];
  const activeIndex = Math.min(active, Math.max(options.length - 1, 0));

  function go(o: Option | undefined) {
    if (!o) return;
    onGo();
    void navigate(o.to);
  }
  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => Math.min(a + 1, options.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      go(options[activeIndex]);
    }
  }

  const groups = (['Run', 'Tenants', 'Pages'] as const)
    .map((g) => ({ g, items: options.map((o, i) => ({ o, i })).filter(({ o }) => o.group === g) }))
    .filter((x) => x.items.length);
  const tenantsTotal = found.data?.total;
  return (
    <div
      className="palette-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        className="palette"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onClose();
          } else if (e.key === 'Tab') {
            // One field in the dialog: the focus stays in it.
            e.preventDefault();
          }
        }}
      >
        <h2 className="visually-hidden" id={`${id}-title`}>
          Go to a tenant, a run or a page
        </h2>
        <label htmlFor={`${id}-input`} className="palette-label">
          Go to a tenant (name or slug), a run (its id) or a page
        </label>
        <input
          ref={input}
          id={`${id}-input`}
          className="palette-input"
          type="text"
          role="combobox"
          aria-expanded={options.length > 0}
          aria-controls={`${id}-list`}
          aria-autocomplete="list"
          aria-activedescendant={options[activeIndex] ? `${id}-opt-${activeIndex}` : undefined}
          autoComplete="off"
          spellCheck={false}
          placeholder="northwind, a run id, operations…"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
        />
        <div id={`${id}-list`} role="listbox" aria-label="Results" className="palette-list">
          {groups.map(({ g, items }) => (
            <div role="group" aria-labelledby={`${id}-g-${g}`} key={g}>
              <div className="palette-group" id={`${id}-g-${g}`} role="presentation">
                {g}
              </div>
              {items.map(({ o, i }) => (
                <div
                  key={o.key}
                  id={`${id}-opt-${i}`}
                  role="option"
                  aria-selected={i === activeIndex}
                  className={`combo-option${i === activeIndex ? ' active' : ''}`}
                  onMouseDown={(e) => e.preventDefault()}
                  onMouseMove={() => setActive(i)}
                  onClick={() => go(o)}
                >
                  <span>{o.label}</span>
                  {o.hint ? <span className="combo-hint">{o.hint}</span> : null}
                </div>
              ))}
            </div>
          ))}
        </div>
        <p className="palette-status" role="status">
          {runId
            ? 'Enter opens the run.'
            : !found.data
              ? 'Searching…'
              : options.length === 0
                ? `Nothing matches “${q}”.`
                : tenantsTotal !== undefined && tenantsTotal > found.data.items.length
                  ? `${found.data.items.length} of ${tenantsTotal.toLocaleString('en-US')} tenants shown: type more to narrow.`
                  : `${options.length} ${options.length === 1 ? 'result' : 'results'}.`}
        </p>
      </div>
    </div>
  );
}
