// A scrolling list of choices (checkboxes of tenants) that stays quick at 10,000 entries: up to
// 100 it renders every row; beyond, only the rows scrolled into view (@tanstack/react-virtual),
// between two spacers that keep the scroll height.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef, type ReactNode } from 'react';

const VIRTUAL_FROM = 100;

export function PickList<T>({
  items,
  itemKey,
  render,
  empty,
  label,
  className,
}: {
  items: T[];
  itemKey: (item: T) => string;
  render: (item: T) => ReactNode;
  empty?: ReactNode;
  label: string;
  className?: string;
}) {
  const scroller = useRef<HTMLUListElement>(null);
  const virtual = items.length > VIRTUAL_FROM;
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Virtual's functions must not be memoized; the console is not built with the React Compiler, so nothing is skipped
  const v = useVirtualizer({ count: virtual ? items.length : 0, getScrollElement: () => scroller.current, estimateSize: () => 26, overscan: 12 });
  const rows = v.getVirtualItems();
  const before = virtual && rows.length ? rows[0]!.start : 0;
  const after = virtual && rows.length ? v.getTotalSize() - rows.at(-1)!.end : 0;
  return (
    <ul className={`pick-list ${className ?? ''}`} aria-label={label} ref={scroller}>
      {virtual ? (
        <>
          {before ? <li aria-hidden="true" style={{ height: before }} /> : null}
          {rows.map((r) => {
            const item = items[r.index]!;
            return (
              <li key={itemKey(item)} data-index={r.index} ref={v.measureElement}>
                {render(item)}
              </li>
            );
          })}
          {after ? <li aria-hidden="true" style={{ height: after }} /> : null}
        </>
      ) : (
        items.map((item) => <li key={itemKey(item)}>{render(item)}</li>)
      )}
      {items.length === 0 ? empty : null}
    </ul>
  );
}
