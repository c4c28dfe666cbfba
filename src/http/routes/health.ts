// Liveness for load balancers and the contract: 200 when the database answers `select 1`.
import { sql } from 'kysely';
import { z } from 'zod';
import { publicRoute, type Route } from '../route.ts';

/** A database that hangs must not hang the probe. */
const PROBE_TIMEOUT_MS = 2000;

async function databaseAnswers(probe: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([probe().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoute: Route = publicRoute({
  method: 'GET',
  url: '/healthz',
  summary: '200 when the process can reach its database, else 503.',
  tag: 'health',
  responses: {
    200: { description: 'Healthy', schema: z.strictObject({ status: z.literal('ok') }) },
    503: { description: 'The database does not answer' },
  },
  async handler({ deps }) {
    const ok = await databaseAnswers(() => sql`select 1`.execute(deps.db));
    return ok
      ? { status: 200, body: { status: 'ok' } }
      : { status: 503, body: { error: { code: 'unavailable', message: 'The database does not answer.' } } };
  },
});

export const healthRoutes: Route[] = [healthRoute];
