// The workspace shell: navigation, tenant switcher, notifications, the signed-in user.
import { useEffect, useRef, useState } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { CommandPalette } from './CommandPalette.tsx';
import { TenantSwitcher } from './TenantSwitcher.tsx';
import { listedTenants, membershipCan, useSession, useWorkspaceWith } from '../session.tsx';
import { NotificationBell } from './NotificationBell.tsx';
import { useAttention, useCurrentWorkspace } from '../attention.ts';
import { ATTENTION_PAGE, consolePages } from '../navigation.ts';

export function Shell() {
  const { session, signOut, signOutEverywhere } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const m = /^\/admin\/t\/([^/]+)(\/(groups|role-definitions|inventory|backups))?/.exec(location.pathname);
  const currentSlug = m?.[1] ? decodeURIComponent(m[1]) : '';
  const sub = m?.[2] ?? '';
  const { open: menuOpen, toggle: toggleMenu, close: closeMenu, button: menuButton, panel: menuPanel } = useNarrowMenu(location.pathname);

  const tenants = listedTenants(session?.tenants ?? [], currentSlug);
  const workspace = useCurrentWorkspace();
  const canManageMembers = !!useWorkspaceWith('workspace.manage_members');
  const attention = useAttention().data?.items.length ?? 0;
  const canManageWebhooks = !!useWorkspaceWith('webhook.manage');
  const canManageApps = !!useWorkspaceWith('provider_connection.manage');
  const canAudit =
    !!session && (session.workspaces.some((w) => w.capabilities.includes('audit.view')) || session.tenants.some((t) => membershipCan(t, 'audit.view')));
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      {/* The aside is the full-height dark column; its inner block is what stays in view. Below
          900 px it is a panel the top bar's "Menu" button opens (Escape closes it). */}
      {menuOpen ? <div className="sidebar-backdrop" onClick={closeMenu} aria-hidden="true" /> : null}
      <aside className={`sidebar${menuOpen ? ' open' : ''}`} id="sidebar" ref={menuPanel}>
        <div className="sidebar-inner">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true">
              ◆
            </span>
            opsgate
          </div>
          {workspace ? <div className="workspace-name">{workspace.name}</div> : null}
          <nav aria-label="Main">
            <ul>
              {consolePages({ members: canManageMembers, audit: canAudit, apps: canManageApps, webhooks: canManageWebhooks }).map((n) => (
                <li key={n.to}>
                  <NavLink to={n.to} className={({ isActive }) => `nav-link${isActive || (n.to === '/admin/tenants' && currentSlug) ? ' active' : ''}`}>
                    {n.label}
                    {n === ATTENTION_PAGE && attention > 0 ? (
                      <span
                        className="nav-count"
                        data-testid="attention-count"
                        title={`${attention} ${attention === 1 ? 'item needs' : 'items need'} attention`}
                      >
                        {attention}
                      </span>
                    ) : null}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
        </div>
      </aside>
      <div className="main-column">
        <header className="topbar">
          <button type="button" className="menu-button" aria-expanded={menuOpen} aria-controls="sidebar" onClick={toggleMenu} ref={menuButton}>
            <span className="menu-icon" aria-hidden="true" />
            <span className="menu-label">Menu</span>
          </button>
          <TenantSwitcher current={currentSlug} currentName={tenants.find((t) => t.slug === currentSlug)?.name ?? null} section={sub} />
          <div className="topbar-right">
            <CommandPalette />
            <NotificationBell />
            <div className="user">
              {/* The account menu: the email opens it. */}
              <details className="account-menu">
                <summary aria-label={`Account: ${session?.user.email ?? ''}`}>
                  <span className="user-email" data-testid="user-email">
                    {session?.user.email}
                  </span>
                </summary>
                <div className="account-menu-items">
                  <button
                    type="button"
                    className="link-button"
                    onClick={() =>
                      void signOutEverywhere().then(
                        () => navigate('/login'),
                        () => undefined,
                      )
                    }
                  >
                    Sign out everywhere
                  </button>
                  <p className="hint">Ends your sessions in every browser and device, this one included.</p>
                </div>
              </details>
              <button type="button" className="link-button" onClick={() => void signOut().then(() => navigate('/login'))}>
                Sign out
              </button>
            </div>
          </div>
        </header>
        <main id="main" className="content" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
    </div>
  );
}

/**
 * The sidebar as a menu below 900 px: the button says whether it is open (aria-expanded), the
 * first link takes the focus when it opens, Escape closes it and returns the focus to the
 * button, and following a link closes it.
 */
function useNarrowMenu(pathname: string) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLElement>(null);
  // Following a link closes it.
  const [openedAt, setOpenedAt] = useState(pathname);
  if (openedAt !== pathname) {
    setOpenedAt(pathname);
    setOpen(false);
  }
  useEffect(() => {
    if (open) panel.current?.querySelector<HTMLElement>('a[href]')?.focus();
  }, [open]);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);
  return {
    open,
    button,
    panel,
    toggle: () => setOpen((o) => !o),
    close: () => setOpen(false),
  };
}
