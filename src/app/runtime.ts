// Composes one process from its parts: database, secret box, sandbox cloud, worker and
// HTTP server. `start` is everything in one process (the demo); `serve` and `worker` are
// the production roles, any number of each against one DATABASE_URL.
import type { FastifyInstance } from 'fastify';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { createProviderClient, type ProviderClient } from '../provider/microsoft/index.ts';
import type { SandboxCloud } from '../../sandbox/index.ts';
import { MICROSOFT_GLOBAL_CLOUD, ProviderError, type CloudEndpoints } from '../provider/types.ts';
import { noDemoPresets, ownSandboxPresets, remoteSandboxPresets } from '../onboarding/demo-presets.ts';
import { createLogger, lineDestination, type Logger } from '../observability/logger.ts';
import { closeHttpGracefully } from './shutdown.ts';
import { startMetricsServer } from '../observability/metrics-server.ts';
import { onRunCompleted } from '../runs/after-complete.ts';
import { startWorker, type WorkerHandle } from '../runs/worker.ts';
import { seedDemo } from '../seed/demo.ts';
import { DEMO_SSO } from '../seed/sso-demo.ts';
import type { SsoSettings } from '../sso/oidc.ts';
import { issueSetupToken } from '../setup/first-run.ts';
import { openSecretBox } from '../security/secret-box.ts';
import { openDatabase, type BootedDatabase } from './database.ts';
import { remoteSandboxEndpoints, startOwnSandbox } from './sandbox.ts';

export type Mode = 'start' | 'serve' | 'worker';

export interface Runtime {
  url: string | null;
  sandboxUrl: string | null;
  seeded: boolean;
  /** `<url>/setup?token=…` when this process serves HTTP and no user exists yet; else null. */
  setupUrl: string | null;
  /** The own metrics listener's URL (OPSGATE_METRICS_PORT); null when there is none. */
  metricsUrl: string | null;
  database: BootedDatabase;
  sandbox: SandboxCloud | null;
  /** This process's JSON log (requests, runs). */
  logger: Logger;
  stop(): Promise<void>;
}

const webRoot = path.resolve(import.meta.dirname, '../../web/dist');

/**
 * `log`: where this process's log lines go; by default JSON lines on stdout (the human start-up
 * banner is the CLI's). Tests pass a function to keep or drop them.
 */
export async function startRuntime(config: Config, mode: Mode, log?: (line: string) => void): Promise<Runtime> {
  const logger = createLogger({ level: config.logLevel, ...(log ? { destination: lineDestination(log) } : {}) });
  const database = await openDatabase(config);
  // Follows `opsgate rotate-key` without a restart (the key file is read again when needed).
  const box = openSecretBox({ configuredKey: config.encryptionKey, dataDir: config.dataDir });
  const cleanups: (() => Promise<void>)[] = [];
  // What takes work in (HTTP, the worker) stops first and in parallel, each finishing what it
  // has within the grace period; then the rest closes in order.
  const graceMs = config.shutdownGraceSeconds * 1000;
  const drains: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    await Promise.all(drains.map((d) => d().catch(() => undefined)));
    for (const c of cleanups) await c().catch(() => undefined);
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    await database.shutdown();
  };
  try {
    const seeded = mode === 'start' && config.seed === 'demo' ? (await seedDemo(database.db, box)).seeded : false;

    let sandbox: SandboxCloud | null = null;
    let sandboxEndpoints = remoteSandboxEndpoints(config);
    if (!sandboxEndpoints && mode === 'start') {
      sandbox = await startOwnSandbox(config, { demo: config.seed === 'demo' });
      sandboxEndpoints = sandbox.endpoints;
      cleanups.push(() => sandbox!.close());
    }
    const clients = new Map<string, ProviderClient>();
    const providerFor = (cloud: 'global' | 'sandbox'): ProviderClient => {
      let c = clients.get(cloud);
      if (!c) {
        if (cloud === 'sandbox' && !sandboxEndpoints) {
          // A sandbox connection in a process with no sandbox: report it, never guess an address.
          throw new ProviderError({ code: 'provider_unavailable', params: { cloud: 'sandbox' } });
        }
        c = createProviderClient(cloud === 'global' ? MICROSOFT_GLOBAL_CLOUD : sandboxEndpoints!);
        clients.set(cloud, c);
      }
      return c;
    };

    // Every role runs jobs unless OPSGATE_WORKER_CONCURRENCY is 0.
    let worker: WorkerHandle | null = null;
    if (config.workerConcurrency > 0) {
      worker = await startWorker({
        database,
        box,
        providerFor,
        concurrency: config.workerConcurrency,
        leaseSeconds: config.leaseSeconds,
        afterComplete: onRunCompleted,
        schedule: true,
        // Links in deliveries are absolute where the console's public origin is known.
        webhooks: { expiryWarningDays: config.expiryWarningDays, linkBase: config.publicUrl ?? null },
        log: (line) => logger.warn(line),
        logger,
        retentionDays: config.retentionDays,
        shutdownGraceMs: config.shutdownGraceSeconds * 1000,
      });
      drains.push(() => worker!.stop(graceMs));
    }

    let url: string | null = null;
    let setupUrl: string | null = null;
    if (mode !== 'worker') {
      const sso = ssoSettings(config, sandbox, sandboxEndpoints);
      // Loaded only by roles that serve HTTP: a worker process never pays for it.
      const { buildServer } = await import('../http/server.ts');
      const app: FastifyInstance = await buildServer({
        db: database.db,
        box,
        webRoot: fs.existsSync(webRoot) ? webRoot : null,
        // Consent links open in a person's browser: the own sandbox serves that page over plain
        // loopback HTTP, so no certificate warning stands between the operator and the fix.
        authorityFor: (cloud) => (cloud === 'global' ? MICROSOFT_GLOBAL_CLOUD.authorityHost : (sandbox?.pagesUrl ?? sandboxEndpoints?.authorityHost ?? null)),
        // Only a process that talks to a sandbox can offer its tenants (the demo's Fourth Coffee).
        demoPresets: sandbox ? ownSandboxPresets(sandbox.state) : sandboxEndpoints ? remoteSandboxPresets(sandboxEndpoints) : noDemoPresets,
        metricsToken: config.metricsToken ?? null,
        publicUrl: config.publicUrl ?? null,
        trustProxy: config.trustProxy,
        sso,
        logger,
        expiryWarningDays: config.expiryWarningDays,
      });
      drains.push(() => closeHttpGracefully(app, graceMs));
      url = await app.listen({ port: config.port, host: config.host });
      // Checked after the seed: a database that still has no user can only be set up.
      const token = await issueSetupToken(database.db);
      if (token) setupUrl = `${config.publicUrl ?? url}/setup?token=${token}`;
    }

    // Every role may have one, `worker` included: its runs and provider calls are counted there.
    let metricsUrl: string | null = null;
    if (config.metricsPort !== undefined) {
      const metrics = await startMetricsServer({ db: database.db, port: config.metricsPort, host: config.host });
      cleanups.push(() => metrics.close());
      metricsUrl = metrics.url;
    }

    return {
      url,
      sandboxUrl: sandbox?.url ?? config.sandboxUrl ?? null,
      seeded,
      setupUrl,
      metricsUrl,
      database,
      sandbox,
      logger,
      stop: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/**
 * "Sign in with Microsoft": the configured app on its cloud; else, in `start` with its own demo
 * sandbox, the demo's sign-in app there (every demo user signs in with the demo password).
 */
function ssoSettings(config: Config, ownSandbox: SandboxCloud | null, sandboxEndpoints: CloudEndpoints | null): SsoSettings | null {
  if (config.sso) {
    const { tenantId, clientId, clientSecret, cloud } = config.sso;
    if (cloud === 'global') return { tenantId, clientId, clientSecret, authorityHost: MICROSOFT_GLOBAL_CLOUD.authorityHost };
    // Nothing guesses an address: a sandbox sign-in needs a sandbox this process talks to.
    if (!sandboxEndpoints) throw new Error('OPSGATE_SSO_CLOUD=sandbox, but this process talks to no sandbox cloud (set OPSGATE_SANDBOX_URL)');
    return {
      tenantId,
      clientId,
      clientSecret,
      authorityHost: sandboxEndpoints.authorityHost,
      ...(ownSandbox ? { signInPageHost: ownSandbox.pagesUrl } : {}),
      ...(sandboxEndpoints.caPem ? { caPem: sandboxEndpoints.caPem } : {}),
    };
  }
  if (ownSandbox && config.seed === 'demo') {
    return {
      tenantId: DEMO_SSO.tenant.id,
      clientId: DEMO_SSO.app.clientId,
      clientSecret: DEMO_SSO.app.secret,
      authorityHost: ownSandbox.url,
      signInPageHost: ownSandbox.pagesUrl,
      caPem: ownSandbox.caPem,
    };
  }
  return null;
}
