// Loading, empty, error and not-found states, the same on every page.
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { ApiError } from '../api.ts';
import { useDocumentTitle } from '../hooks.ts';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children ? <div className="state-body">{children}</div> : null}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  return (
    <div className="state state-error callout callout-error" role="alert">
      <p className="state-title">{error.status === 403 ? 'You do not have permission to see this.' : 'Something went wrong loading this.'}</p>
      <p className="state-body">{error.message}</p>
      {onRetry ? (
        <button type="button" className="button button-secondary" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/**
 * The one "not found" page: the same for something that does not exist and for something
 * the user may not see (a tenant of another workspace), so the two cannot be told apart.
 */
export function NotFoundPage() {
  useDocumentTitle('Not found');
  return (
    <div className="not-found" data-testid="not-found">
      <p className="not-found-code">404</p>
      <h1>Not found</h1>
      <p>This page does not exist, or you do not have access to it.</p>
      <p>
        <Link to="/admin/tenants" className="button button-primary">
          Back to tenants
        </Link>
      </p>
    </div>
  );
}

/** Renders the loading/error/not-found state of a resource, or the children once data is there. */
export function Guard<T>({
  r,
  children,
}: {
  r: { data: T | null; error: ApiError | null; loading: boolean; reload: () => void };
  children: (data: T) => ReactNode;
}) {
  if (r.error && r.error.status === 404) return <NotFoundPage />;
  if (r.data !== null) return <>{children(r.data)}</>;
  if (r.error) return <ErrorState error={r.error} onRetry={r.reload} />;
  return <Loading />;
}
