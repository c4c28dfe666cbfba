// Who is signed in, which tenants they may see and what their role lets them do there.
// The API decides (404/403); the console only uses this to avoid offering what would be
// refused — e.g. a readonly member sees no enabled start buttons.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, onUnauthenticated, preload } from './api.ts';
import type { Capability, Session, SessionTenant, SessionWorkspace } from './types.ts';

interface SessionState {
  session: Session | null;
  /** true until the first GET /api/session answered. */
  loading: boolean;
  error: ApiError | null;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** Ends every session of the user, in every browser (this one too). */
  signOutEverywhere(): Promise<void>;
  refresh(): Promise<void>;
}

const Ctx = createContext<SessionState | null>(null);

// Asked for as the console starts, beside a page's own first requests (api.ts `preload`).
if (typeof window !== 'undefined') preload('/api/session');

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);

  const refresh = useCallback(
    () =>
      api.get<Session>('/api/session').then(
        (s) => {
          setSession(s);
          setError(null);
          setLoading(false);
        },
        (err: unknown) => {
          setSession(null);
          if (err instanceof ApiError && err.status !== 401) setError(err);
          setLoading(false);
        },
      ),
    [],
  );

  useEffect(() => {
    void refresh();
    return onUnauthenticated(() => setSession(null));
  }, [refresh]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      await api.post('/api/session', { email, password });
      await refresh();
    },
    [refresh],
  );
  const signOut = useCallback(async () => {
    await api.del('/api/session').catch(() => undefined);
    setSession(null);
  }, []);
  const signOutEverywhere = useCallback(async () => {
    await api.post('/api/session/sign-out-everywhere', {});
    setSession(null);
  }, []);

  const value = useMemo(
    () => ({ session, loading, error, signIn, signOut, signOutEverywhere, refresh }),
    [session, loading, error, signIn, signOut, signOutEverywhere, refresh],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): SessionState {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in user's membership of a tenant (by slug or id), if any. */
export function useMembership(tenant: string | null | undefined): SessionTenant | null {
  const { session } = useSession();
  if (!tenant || !session) return null;
  return session.tenants.find((t) => t.slug === tenant || t.id === tenant) ?? null;
}

/** The first of the user's workspaces whose workspace role grants `capability` (members, onboarding). */
export function useWorkspaceWith(capability: Capability): SessionWorkspace | null {
  const { session } = useSession();
  return session?.workspaces.find((w) => w.capabilities.includes(capability)) ?? null;
}

/**
 * Tenants offered in pickers and lists. Archived tenants are kept for their history only, so
 * they are left out — except the one being looked at, which a picker must still be able to show.
 */
export function listedTenants(tenants: readonly SessionTenant[], current?: string | null): SessionTenant[] {
  return tenants.filter((t) => t.status !== 'archived' || (!!current && (t.slug === current || t.id === current)));
}

export function membershipCan(m: Pick<SessionTenant, 'capabilities'> | null, capability: Capability): boolean {
  return !!m && m.capabilities.includes(capability);
}

/** Whether the user may `capability` on `tenant`. */
export function useCan(tenant: string | null | undefined, capability: Capability): boolean {
  return membershipCan(useMembership(tenant), capability);
}
