// The first run as an MSP does it, end to end: `opsgate start` from an empty data folder with
// OPSGATE_SEED=none (its own embedded PostgreSQL, nobody in it) prints the setup URL; that URL,
// opened in Chromium, creates the workspace and its owner; the owner invites a colleague as
// operator on two of three tenants from /admin/members; the colleague accepts in another
// browser and sees exactly those two tenants. One process, one walk: each step uses what the
// previous one produced, as a person would, so a break anywhere between them fails here.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeBin } from '../helpers/node.ts';

const CLI = path.resolve('src/cli.ts');
const CHROMIUM = process.env.OPSGATE_CHROMIUM ?? '/usr/bin/chromium';
const WEB_DIST = path.resolve('web/dist/index.html');

let dataDir: string;
let child: ChildProcess | null = null;
let output = '';
let browser: Browser | null = null;

/** The environment of a fresh clone: nothing of ours configured but where to keep data. */
function freshEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OPSGATE_') && k !== 'DATABASE_URL') env[k] = v;
  return { ...env, OPSGATE_DATA_DIR: dataDir, OPSGATE_SEED: 'none', PORT: '0', HOST: '127.0.0.1' };
}

/** Ends `opsgate start`; if it does not stop in time, its embedded PostgreSQL is ended too. */
async function stopChild(): Promise<void> {
  const c = child;
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 30_000))]);
  if (stopped) return;
  c.kill('SIGKILL');
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
  if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGQUIT');
}

const tenantRows = async (page: Page) => {
  await page.getByTestId('tenants-table').waitFor();
  return (await page.locator('[data-testid="tenants-table"] tr[data-tenant]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-tenant')))).sort();
};

beforeAll(async () => {
  if (!fs.existsSync(WEB_DIST)) throw new Error('web/dist is missing: run `npm run build:web` (npm test does it in pretest)');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-first-run-'));
  child = spawn(nodeBin(), [CLI, 'start'], { env: freshEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stopChild();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('first run: opsgate start with OPSGATE_SEED=none, from an empty data folder', () => {
  it('the printed setup URL → the owner → a colleague invited as operator on two tenants accepts and sees only those two', async () => {
    // 1. The one line `start` prints for a database without users.
    const until = Date.now() + 90_000;
    while (!/^opsgate setup: .*\n/m.test(output)) {
      if (Date.now() > until || child!.exitCode !== null) throw new Error(`start did not print its setup URL:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(output).toContain('embedded PostgreSQL');
    const lines = output.split('\n').filter((l) => l.startsWith('opsgate setup: '));
    expect(lines).toHaveLength(1);
    const setupUrl = lines[0]!.slice('opsgate setup: '.length);
    expect(setupUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/setup\?token=[A-Za-z0-9_-]{43}$/);
    const origin = new URL(setupUrl).origin;

    // 2. That URL, opened in a browser, creates the workspace and its owner, who lands signed in.
    const ownerContext = await browser!.newContext({ baseURL: origin });
    ownerContext.setDefaultTimeout(15_000);
    const owner = await ownerContext.newPage();
    await owner.goto(setupUrl);
    await owner.getByRole('heading', { name: 'Set up opsgate' }).waitFor();
    await owner.getByLabel('Workspace name').fill('Acme IT');
    await owner.getByLabel('Your name').fill('Alex Owner');
    await owner.getByLabel('Email').fill('alex@acme.example');
    await owner.getByLabel('Password', { exact: true }).fill('alex has a long password');
    await owner.getByLabel('Confirm password').fill('alex has a long password');
    await owner.getByRole('button', { name: 'Create workspace' }).click();
    await owner.waitForURL(/\/admin\/tenants$/);
    await owner.getByText('No tenants yet').waitFor();

    // Three tenants to choose two of (onboarded as the owner, with the owner's session).
    for (const name of ['Alpha Co', 'Beta Co', 'Gamma Co']) {
      const r = await owner.request.post('/api/onboarding', {
        data: { name, slug: name.toLowerCase().replace(' ', '-'), entraTenantId: crypto.randomUUID() },
      });
      expect(r.status(), await r.text()).toBe(201);
    }
    await owner.reload();
    expect(await tenantRows(owner)).toEqual(['alpha-co', 'beta-co', 'gamma-co']);

    // 3. The owner invites a colleague as operator on two of them, from the members page.
    await owner.getByRole('link', { name: 'Members' }).click();
    await owner.waitForURL(/\/admin\/members$/);
    await owner.getByLabel('Email').fill('cora@acme.example');
    await owner.getByLabel('Role', { exact: true }).first().selectOption({ label: 'Operator — verify, sync, snapshots' });
    await owner.getByLabel('Only these tenants:').first().check();
    for (const name of ['Alpha Co', 'Beta Co']) await owner.getByRole('group', { name: 'Chosen tenants' }).first().getByLabel(name).check();
    await owner.getByRole('button', { name: 'Create invitation' }).click();
    const link = await owner.getByLabel('Invitation link').inputValue();
    expect(link).toMatch(new RegExp(`^${origin}/invite/[A-Za-z0-9_-]{43}$`));

    // 4. The colleague, in a browser of their own, accepts and sees only those two tenants.
    const colleagueContext = await browser!.newContext({ baseURL: origin });
    colleagueContext.setDefaultTimeout(15_000);
    const colleague = await colleagueContext.newPage();
    await colleague.goto(link);
    await colleague.getByRole('heading', { name: 'Join Acme IT' }).waitFor();
    await colleague.getByLabel('Your name').fill('Cora Colleague');
    await colleague.getByLabel('Password', { exact: true }).fill('cora has a long password');
    await colleague.getByLabel('Confirm password').fill('cora has a long password');
    await colleague.getByRole('button', { name: 'Create account and join' }).click();
    await colleague.waitForURL(/\/admin\/tenants$/);
    expect(await tenantRows(colleague)).toEqual(['alpha-co', 'beta-co']);
    const listed = (await (await colleague.request.get('/api/tenants')).json()) as { items: { slug: string; role: string }[] };
    expect(listed.items.map((t) => [t.slug, t.role]).sort()).toEqual([
      ['alpha-co', 'operator'],
      ['beta-co', 'operator'],
    ]);
    expect((await colleague.request.get('/api/tenants/gamma-co')).status()).toBe(404);
  });
});
