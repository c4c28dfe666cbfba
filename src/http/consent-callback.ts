// Where Microsoft (or the sandbox) sends the browser back after admin consent. Not JSON:
// a browser navigation, answered with a redirect to the connection's page. On success the
// stored facts are refreshed the only way they ever are: a verification through the gate.
import type { FastifyInstance } from 'fastify';
import { start } from '../gate/start.ts';
import { startVerification } from '../onboarding/sessions.ts';
import { completeAdminConsent } from '../remediation/admin-consent.ts';
import { SESSION_COOKIE, sessionUser } from './auth.ts';
import type { Deps } from './route.ts';

export const CONSENT_CALLBACK_PATH = '/admin/consent/callback';

export function registerConsentCallback(app: FastifyInstance, deps: Deps): void {
  app.get(CONSENT_CALLBACK_PATH, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    const user = await sessionUser(deps.db, token);
    req.userId = user?.id ?? null;
    reply.header('cache-control', 'no-store');
    if (!user || !token) return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`);
    const query = (req.query ?? {}) as Record<string, unknown>;
    const result = await completeAdminConsent(deps.db, query, { userId: user.id, httpSessionId: token });
    const back = (connectionId: string | null, params: Record<string, string>) =>
      `${connectionId ? `/admin/provider-connections/${connectionId}` : '/admin/provider-connections'}?${new URLSearchParams(params)}`;
    switch (result.kind) {
      case 'granted': {
        // A tenant being onboarded (no secret, only consent, on a workspace app) is verified by
        // its wizard's own operation: tenant verification cannot run before onboarding ends.
        const session = await deps.db
          .selectFrom('onboarding_sessions')
          .selectAll()
          .where('provider_connection_id', '=', result.connectionId)
          .where('status', '=', 'draft')
          .executeTakeFirst();
        if (session) {
          const verification = await startVerification(deps.db, session, user.id);
          return reply.redirect(`/admin/onboarding/${session.id}?${new URLSearchParams({ consent: 'granted', verification: verification.outcome })}`);
        }
        const run = await start(deps.db, {
          type: 'tenant.verification',
          tenantId: result.tenantId,
          trigger: 'operator',
          initiatorUserId: user.id,
          providerConnectionId: result.connectionId,
        });
        return reply.redirect(back(result.connectionId, { consent: 'granted', verification: run.outcome, run: run.run.id }));
      }
      case 'denied':
        return reply.redirect(back(result.connectionId, { consent: 'denied', error: result.error }));
      case 'rejected':
        return reply.redirect(back(result.connectionId, { consent: 'rejected', why: result.why }));
    }
  });
}
