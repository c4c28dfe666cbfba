import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, Outlet, RouterProvider, useLocation } from 'react-router-dom';
import { Shell } from './components/Shell.tsx';
import { Loading, NotFoundPage } from './components/States.tsx';
import { AuditPage } from './pages/AuditPage.tsx';
import { AttentionPage } from './pages/AttentionPage.tsx';
import { BulkOperationPage } from './pages/BulkOperationPage.tsx';
import { BulkPage } from './pages/BulkPage.tsx';
import { SchedulesPage } from './pages/SchedulesPage.tsx';
import { WebhooksPage } from './pages/WebhooksPage.tsx';
import { AppRegistrationsPage } from './pages/AppRegistrationsPage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { ConnectionPage } from './pages/ConnectionPage.tsx';
import { ConnectionsPage } from './pages/ConnectionsPage.tsx';
import { OnboardingPage } from './pages/OnboardingPage.tsx';
import { OnboardingSessionPage } from './pages/OnboardingSessionPage.tsx';
import { OperationPage } from './pages/OperationPage.tsx';
import { OperationsPage } from './pages/OperationsPage.tsx';
import { RestoreRunPage } from './pages/RestoreRunPage.tsx';
import { SetupPage } from './pages/SetupPage.tsx';
import { InvitePage } from './pages/InvitePage.tsx';
import { MembersPage } from './pages/MembersPage.tsx';
import { TenantBackupsPage } from './pages/TenantBackupsPage.tsx';
import { TenantGroupsPage, TenantRoleDefinitionsPage } from './pages/TenantDirectoryPages.tsx';
import { TenantInventoryPage } from './pages/TenantInventoryPage.tsx';
import { TenantLayout } from './pages/TenantLayout.tsx';
import { TenantPage } from './pages/TenantPage.tsx';
import { TenantsPage } from './pages/TenantsPage.tsx';
import { SessionProvider, useSession } from './session.tsx';
import './styles.css';

function RequireSession() {
  const { session, loading } = useSession();
  const location = useLocation();
  if (loading) return <Loading />;
  if (!session) {
    const next = location.pathname + location.search + location.hash;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Outlet />;
}

const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  { path: '/setup', element: <SetupPage /> },
  { path: '/invite/:token', element: <InvitePage /> },
  {
    element: <RequireSession />,
    children: [
      { path: '/', element: <Navigate to="/admin/tenants" replace /> },
      { path: '/admin', element: <Navigate to="/admin/tenants" replace /> },
      {
        element: <Shell />,
        children: [
          { path: '/admin/tenants', element: <TenantsPage /> },
          {
            path: '/admin/t/:slug',
            element: <TenantLayout />,
            children: [
              { index: true, element: <TenantPage /> },
              { path: 'groups', element: <TenantGroupsPage /> },
              { path: 'role-definitions', element: <TenantRoleDefinitionsPage /> },
              { path: 'inventory', element: <TenantInventoryPage /> },
              { path: 'backups', element: <TenantBackupsPage /> },
              { path: 'restore-runs/:id', element: <RestoreRunPage /> },
              { path: '*', element: <NotFoundPage /> },
            ],
          },
          { path: '/admin/provider-connections', element: <ConnectionsPage /> },
          { path: '/admin/provider-connections/:id', element: <ConnectionPage /> },
          { path: '/admin/onboarding', element: <OnboardingPage /> },
          { path: '/admin/onboarding/:id', element: <OnboardingSessionPage /> },
          { path: '/admin/operations', element: <OperationsPage /> },
          { path: '/admin/operations/:id', element: <OperationPage /> },
          { path: '/admin/members', element: <MembersPage /> },
          { path: '/admin/audit', element: <AuditPage /> },
          { path: '/admin/attention', element: <AttentionPage /> },
          { path: '/admin/bulk', element: <BulkPage /> },
          { path: '/admin/bulk/:id', element: <BulkOperationPage /> },
          { path: '/admin/schedules', element: <SchedulesPage /> },
          { path: '/admin/settings/webhooks', element: <WebhooksPage /> },
          { path: '/admin/settings/app-registrations', element: <AppRegistrationsPage /> },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionProvider>
      <RouterProvider router={router} />
    </SessionProvider>
  </StrictMode>,
);
