// One page of a long list as a table: headless @tanstack/react-table for the column model,
// server-side search, sort and keyset paging (useServerList), a count, an empty state and a
// pager. Sortable columns are header buttons with aria-sort; below 640 px every row turns into
// a stacked card whose cells carry their column's name (data-label), so nothing overflows a
// phone screen.
import { createColumnHelper, tableFeatures, useTable, type RowData } from '@tanstack/react-table';
import { useId, useMemo, type ReactNode } from 'react';
import type { ServerList } from '../lists.ts';
import { Empty, ErrorState, Loading } from './States.tsx';

export interface Column<T> {
  id: string;
  header: string;
  cell: (row: T) => ReactNode;
  /** The server's sort names for this column, ascending and descending. */
  sort?: { asc: string; desc: string };
  /** The row's name: rendered as its row header. */
  rowHeader?: boolean;
  className?: string;
}

const features = tableFeatures({});

export function DataTable<T extends RowData>({
  list,
  columns,
  rowId,
  labelledBy,
  noun,
  empty,
  noMatch,
  testId,
  rowProps,
}: {
  list: ServerList<T>;
  columns: Column<T>[];
  rowId: (row: T) => string;
  /** Id of the heading that names the table. */
  labelledBy: string;
  /** Plural noun for the counts ("items", "groups"). */
  noun: string;
  /** Shown when the list is empty without a search. */
  empty: ReactNode;
  /** Shown when a search matched nothing (default: says so). */
  noMatch?: ReactNode;
  testId?: string;
  rowProps?: (row: T) => Record<string, string | undefined>;
}) {
  const statusId = useId();
  const helper = useMemo(() => createColumnHelper<typeof features, T>(), []);
  const defs = useMemo(() => columns.map((c) => helper.display({ id: c.id, header: c.header, cell: (ctx) => c.cell(ctx.row.original) })), [columns, helper]);
  const table = useTable({ features, columns: defs, data: list.items, getRowId: (row: T) => rowId(row) });
  const byId = useMemo(() => new Map(columns.map((c) => [c.id, c])), [columns]);

  if (list.error) return <ErrorState error={list.error} onRetry={list.reload} />;
  if (!list.data) return <Loading />;
  if (list.items.length === 0) {
    return list.q ? (
      <div className="list-empty" role="status">
        {noMatch ?? (
          <Empty title={`No ${noun} match “${list.q}”`}>
            <button type="button" className="link-button" onClick={() => list.setSearch('')}>
              Clear the search
            </button>
          </Empty>
        )}
      </div>
    ) : (
      <>{empty}</>
    );
  }
  return (
    <>
      <div className="data-table-wrap">
        <table className="table table-compact data-table" aria-labelledby={labelledBy} aria-describedby={statusId} data-testid={testId}>
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((h) => {
                  const c = byId.get(h.column.id)!;
                  const dir = c.sort ? (list.sort === c.sort.asc ? 'ascending' : list.sort === c.sort.desc ? 'descending' : undefined) : undefined;
                  return (
                    <th key={h.id} scope="col" aria-sort={c.sort ? (dir ?? 'none') : undefined} className={c.className}>
                      {c.sort ? (
                        <button type="button" className="sort-button" onClick={() => list.setSort(dir === 'ascending' ? c.sort!.desc : c.sort!.asc)}>
                          {c.header}
                          <span className="sort-mark" aria-hidden="true">
                            {dir === 'ascending' ? '▲' : dir === 'descending' ? '▼' : '↕'}
                          </span>
                        </button>
                      ) : (
                        c.header
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {table.getRowModel().rows.map((row) => (
              <tr key={row.id} {...(rowProps ? rowProps(row.original) : {})}>
                {row.getAllCells().map((cell) => {
                  const c = byId.get(cell.column.id)!;
                  return c.rowHeader ? (
                    <th key={cell.id} scope="row" data-label={c.header} className={c.className}>
                      {c.cell(row.original)}
                    </th>
                  ) : (
                    <td key={cell.id} data-label={c.header} className={c.className}>
                      {c.cell(row.original)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager list={list} noun={noun} statusId={statusId} />
    </>
  );
}

export function Pager<T>({ list, noun, statusId }: { list: ServerList<T>; noun: string; statusId?: string }) {
  return (
    <div className="pager">
      <p className="pager-status" id={statusId} aria-live="polite" data-testid="pager-status">
        {list.total === null ? (
          <>
            {noun.charAt(0).toUpperCase() + noun.slice(1)} {list.from}–{list.to}
          </>
        ) : (
          <>
            {list.from}–{list.to} of {list.total.toLocaleString('en-US')} {noun}
          </>
        )}
        {list.q ? <> matching “{list.q}”</> : null}
      </p>
      {list.hasPrevious || list.hasNext ? (
        <div className="pager-buttons">
          <button type="button" className="button button-secondary" disabled={!list.hasPrevious} onClick={list.previous}>
            Previous page
          </button>
          <button type="button" className="button button-secondary" disabled={!list.hasNext} onClick={list.next}>
            Next page
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** The search box of a list: labelled, and it says how many match. */
export function ListSearch<T>({ list, label, placeholder, id }: { list: ServerList<T>; label: string; placeholder?: string; id: string }) {
  return (
    <div className="field field-inline list-search">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="search" value={list.search} onChange={(e) => list.setSearch(e.target.value)} placeholder={placeholder} autoComplete="off" />
    </div>
  );
}

/** "1,234" in the card title, or nothing before the first answer. */
export function ListCount<T>({ list }: { list: ServerList<T> }) {
  return list.total === null ? null : <span className="count">{list.total.toLocaleString('en-US')}</span>;
}
