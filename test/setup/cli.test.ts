// The first run from the command line, as an operator runs it: `opsgate serve` on a database
// without users prints one setup URL that works; `opsgate setup` creates the owner once and
// refuses (exit 2) when a user exists.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { nodeBin } from '../helpers/node.ts';
import { closeAll } from '../helpers/teardown.ts';

const CLI = path.resolve('src/cli.ts');
let dataDir: string;

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-setup-cli-'));
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function env(tdb: TestDatabase, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { OPSGATE_SETUP_PASSWORD: _drop, ...rest } = process.env;
  return { ...rest, DATABASE_URL: tdb.url, OPSGATE_DATA_DIR: dataDir, OPSGATE_SEED: 'none', OPSGATE_SANDBOX_URL: '', ...extra };
}

function run(args: string[], e: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(nodeBin(), [CLI, ...args], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const SETUP_ARGS = ['setup', '--workspace', 'Acme IT', '--email', 'Owner@Acme.example', '--display-name', 'Alex Owner'];

describe('opsgate setup', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase({ max: 2 });
  });
  afterAll(() => closeAll(tdb));

  it('exits 2 with a message when the password is missing or short, and creates nothing', async () => {
    const none = await run(SETUP_ARGS, env(tdb));
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('OPSGATE_SETUP_PASSWORD is required');
    const short = await run(SETUP_ARGS, env(tdb, { OPSGATE_SETUP_PASSWORD: 'too-short' }));
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('OPSGATE_SETUP_PASSWORD must be at least 12 characters');
    const noEmail = await run(['setup', '--workspace', 'Acme IT', '--display-name', 'Alex'], env(tdb, { OPSGATE_SETUP_PASSWORD: 'long enough password' }));
    expect(noEmail.code).toBe(2);
    expect(noEmail.stderr).toContain('--email is required');
    expect(await tdb.db.selectFrom('users').select('id').execute()).toEqual([]);
  });

  it('creates the workspace and its owner, who can then sign in; the audit says it came from the CLI', async () => {
    const r = await run(SETUP_ARGS, env(tdb, { OPSGATE_SETUP_PASSWORD: 'long enough password' }));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('owner@acme.example');
    const owner = await tdb.db
      .selectFrom('users as u')
      .innerJoin('workspace_members as m', 'm.user_id', 'u.id')
      .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
      .select(['u.email', 'u.display_name', 'm.role', 'w.name', 'w.slug'])
      .executeTakeFirstOrThrow();
    expect(owner).toEqual({ email: 'owner@acme.example', display_name: 'Alex Owner', role: 'owner', name: 'Acme IT', slug: 'acme-it' });
    const audit = await tdb.db.selectFrom('audit_log').selectAll().where('action', '=', 'setup').executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ via: 'cli' });
  });

  it('exits 2 with a message once a user exists, changing nothing', async () => {
    const r = await run(
      [...SETUP_ARGS.slice(0, 4), 'second@acme.example', ...SETUP_ARGS.slice(5)],
      env(tdb, { OPSGATE_SETUP_PASSWORD: 'another long password' }),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('already set up');
    expect((await tdb.db.selectFrom('users').select('email').execute()).map((u) => u.email)).toEqual(['owner@acme.example']);
  });
});

/** `opsgate serve` on the test database, once it has printed its setup line; `stop()` ends it. */
async function serveUntilSetupLine(tdb: TestDatabase, extra: Record<string, string> = {}) {
  const child = spawn(nodeBin(), [CLI, 'serve'], {
    env: env(tdb, { PORT: '0', HOST: '127.0.0.1', OPSGATE_WORKER_CONCURRENCY: '0', ...extra }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  const until = Date.now() + 30_000;
  while (!/^opsgate setup: .*\n/m.test(output)) {
    if (Date.now() > until || child.exitCode !== null) {
      await stop();
      throw new Error(`serve did not print its setup URL:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { output: () => output, stop };
}

describe('opsgate serve on a database without users', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase({ max: 2 });
  });
  afterAll(() => closeAll(tdb));

  it('prints exactly one "opsgate setup: <url>/setup?token=<token>" line, and that URL sets it up', async () => {
    const served = await serveUntilSetupLine(tdb);
    try {
      // Anything printed a moment later would count too.
      await new Promise((r) => setTimeout(r, 300));
      const lines = served
        .output()
        .split('\n')
        .filter((l) => l.startsWith('opsgate setup:'));
      expect(lines).toHaveLength(1);
      const m = /^opsgate setup: (http:\/\/[^/\s]+)\/setup\?token=([A-Za-z0-9_-]{43})$/.exec(lines[0]!);
      expect(m, lines[0]).not.toBeNull();
      const [, base, token] = m!;
      const res = await fetch(`${base}/api/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, workspaceName: 'Served', email: 'first@served.example', displayName: 'First', password: 'a long enough one' }),
      });
      expect(res.status).toBe(201);
      expect(res.headers.getSetCookie().some((c) => c.startsWith('opsgate_session='))).toBe(true);
    } finally {
      await served.stop();
    }
  });
});

// The hardening settings as an operator gives them, through the environment of `opsgate serve`
// (the HTTP tests hand them to the server directly; this is the path from the variables to it).
describe('opsgate serve behind a reverse proxy: OPSGATE_PUBLIC_URL and OPSGATE_TRUST_PROXY', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase({ max: 2 });
  });
  afterAll(() => closeAll(tdb));

  it('the setup URL and cookies follow the public URL; the sign-in limit counts the address the proxy forwarded', async () => {
    const served = await serveUntilSetupLine(tdb, { OPSGATE_PUBLIC_URL: 'https://ops.example.com', OPSGATE_TRUST_PROXY: '1' });
    try {
      const stdout = served.output();
      const base = /opsgate is running at (http:\/\/\S+)/.exec(stdout)![1]!.replace('0.0.0.0', '127.0.0.1');
      const m = /^opsgate setup: https:\/\/ops\.example\.com\/setup\?token=([A-Za-z0-9_-]{43})$/m.exec(stdout);
      expect(m, stdout).not.toBeNull();
      const setup = await fetch(`${base}/api/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: m![1], workspaceName: 'Proxied', email: 'first@proxied.example', displayName: 'First', password: 'a long enough one' }),
      });
      expect(setup.status).toBe(201);
      expect(setup.headers.getSetCookie().find((c) => c.startsWith('opsgate_session='))).toMatch(/; Secure/i);
      expect(setup.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);

      // The proxy appends the client it saw; what the client wrote before that is not believed.
      const guess = await fetch(`${base}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.1, 203.0.113.9' },
        body: JSON.stringify({ email: 'first@proxied.example', password: 'not the password' }),
      });
      expect(guess.status).toBe(401);
      const key = (v: string) => crypto.createHash('sha256').update(`address:${v}`).digest('hex');
      const counted = (await tdb.db.selectFrom('sign_in_attempts').select('key_hash').execute()).map((r) => r.key_hash);
      expect(counted).toContain(key('203.0.113.9'));
      expect(counted).not.toContain(key('127.0.0.1'));
      expect(counted).not.toContain(key('198.51.100.1'));
    } finally {
      await served.stop();
    }
  });
});
