// Boots the whole product like `npm start` — demo seed, sandbox cloud, worker, API and the
// built console — but isolated: its own database (cloned from the suite's template on the
// shared embedded PostgreSQL), its own data folder, a free port. One Chromium per test file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startRuntime, type Runtime } from '../../src/app/runtime.ts';
import { parseConfig } from '../../src/config.ts';
import { DEMO_PASSWORD } from '../../src/seed/demo-fixture.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { instrumentBrowser } from './a11y.ts';

export { checkA11y } from './a11y.ts';

export const VIEWPORT = { width: 1400, height: 900 };
/** The narrow layouts the console is checked at: a phone and a tablet in portrait. */
export const PHONE = { width: 390, height: 844 };
export const TABLET = { width: 768, height: 1024 };
const WEB_DIST = path.resolve(import.meta.dirname, '../../web/dist/index.html');
const CHROMIUM = process.env.OPSGATE_CHROMIUM ?? '/usr/bin/chromium';

export interface ConsoleEnv {
  url: string;
  runtime: Runtime;
  browser: Browser;
  /** A signed-in browser context for this demo user (1400×900 unless told) and its first page. */
  signIn(email: string, opts?: { viewport?: { width: number; height: number } }): Promise<{ context: BrowserContext; page: Page }>;
  /** Milliseconds each sandbox Graph/token call takes from now on. */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

/** `seed: 'none'`: no demo data and no user, as a real first run (runtime.setupUrl is set). */
export async function bootConsole(opts: { latencyMs?: number; seed?: 'demo' | 'none' } = {}): Promise<ConsoleEnv> {
  if (!fs.existsSync(WEB_DIST)) throw new Error('web/dist is missing: run `npm run build:web` (npm test does it in pretest)');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set OPSGATE_CHROMIUM)`);
  const tdb: TestDatabase = await createTestDatabase({ max: 2 });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-browser-'));
  let runtime: Runtime | null = null;
  let browser: Browser | null = null;
  try {
    runtime = await startRuntime(
      parseConfig({
        ...process.env,
        DATABASE_URL: tdb.url,
        OPSGATE_DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        OPSGATE_SEED: opts.seed ?? 'demo',
        OPSGATE_SANDBOX_URL: '',
        OPSGATE_SANDBOX_LATENCY_MS: String(opts.latencyMs ?? 50),
        OPSGATE_WORKER_CONCURRENCY: '2',
      }),
      'start',
      () => {},
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  } catch (err) {
    await browser?.close().catch(() => undefined);
    await runtime?.stop().catch(() => undefined);
    await tdb.close().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const rt = runtime;
  const br = browser;
  const url = rt.url!.replace('0.0.0.0', '127.0.0.1');
  // Every console page the tests open is checked with axe-core (test/browser/a11y.ts).
  instrumentBrowser(br, new URL(url).origin);
  return {
    url,
    runtime: rt,
    browser: br,
    async signIn(email, opts = {}) {
      // The sandbox cloud's consent page is HTTPS with its own local CA (it stands in for
      // login.microsoftonline.com); trust it like the server process does.
      const context = await br.newContext({ viewport: opts.viewport ?? VIEWPORT, baseURL: url });
      const res = await context.request.post('/api/session', { data: { email, password: DEMO_PASSWORD } });
      if (res.status() !== 200) throw new Error(`sign-in as ${email} answered ${res.status()}`);
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      return { context, page };
    },
    setLatency(ms) {
      if (!rt.sandbox) throw new Error('no in-process sandbox');
      rt.sandbox.state.globalLatencyMs = ms;
    },
    async close() {
      await br.close().catch(() => undefined);
      await rt.stop().catch(() => undefined);
      await tdb.close().catch(() => undefined);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---- page helpers ------------------------------------------------------------------------

/** Scope busy behind an inventory sync; the message may add how long it should still take. */
export const BUSY_INVENTORY = /^Another operation \(Inventory sync\) is using this provider connection\.( It should finish in about .+\.)?$/;

export type Wording = 'queued' | 'already running' | 'scope busy' | 'blocked';
const OUTCOME: Record<Wording, string> = { queued: 'accepted', 'already running': 'deduped', 'scope busy': 'scope_busy', blocked: 'blocked' };

/** The start button with exactly this label (verb + object). */
export function startButton(scope: Page | Locator, label: string): Locator {
  return scope.getByRole('button', { name: label, exact: true });
}

/**
 * Clicks a start button and waits for the StartFeedback of the expected outcome; returns
 * the feedback and its title text (which must carry the public wording).
 */
export async function clickStart(page: Page, label: string, expected: Wording, scope: Page | Locator = page): Promise<{ feedback: Locator; title: string }> {
  const button = startButton(scope, label).first();
  await button.waitFor({ state: 'visible' });
  await waitEnabled(button);
  await button.click();
  const feedback = page.locator(`[data-testid="start-feedback"][data-outcome="${OUTCOME[expected]}"]`).first();
  try {
    await feedback.waitFor({ state: 'visible', timeout: 10_000 });
  } catch (err) {
    const shown = await page.locator('[data-testid="start-feedback"]').allTextContents();
    throw new Error(`"${label}": expected "${expected}", the page shows ${JSON.stringify(shown)}`, { cause: err });
  }
  const title = (await feedback.locator('.start-feedback-title').textContent()) ?? '';
  return { feedback, title };
}

export async function waitEnabled(locator: Locator, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (await locator.isDisabled()) {
    if (Date.now() > until) throw new Error('button stayed disabled');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Poll until `fn` returns a truthy value. */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface RunJson {
  id: string;
  status: string;
  outcome: string;
  type: string;
  reason: { code: string; message: string } | null;
}

/** Waits until the tenant has no queued or running run (the scope is free again). */
export async function waitIdle(page: Page, tenant: string, timeoutMs = 20_000): Promise<void> {
  await eventually(
    async () => {
      const res = await page.request.get(`/api/operations?tenant=${tenant}&limit=50`);
      const body = (await res.json()) as { items: RunJson[] };
      return body.items.every((r) => r.status === 'completed');
    },
    `${tenant} to be idle`,
    timeoutMs,
  );
}

export async function apiStart(
  page: Page,
  tenant: string,
  body: Record<string, unknown>,
): Promise<{ status: number; outcome: string; run: { id: string } | null }> {
  const res = await page.request.post(`/api/tenants/${tenant}/operations`, { data: body });
  const json = (await res.json()) as { outcome: string; run: { id: string } | null };
  return { status: res.status(), ...json };
}

export async function connectionId(page: Page, tenant: string, name = 'Primary'): Promise<string> {
  const res = await page.request.get(`/api/tenants/${tenant}/provider-connections`);
  const body = (await res.json()) as { items: { id: string; name: string }[] };
  const c = body.items.find((x) => x.name === name);
  if (!c) throw new Error(`no connection ${name} on ${tenant}`);
  return c.id;
}

export async function getRun(page: Page, id: string): Promise<RunJson> {
  const res = await page.request.get(`/api/operations/${id}`);
  return (await res.json()) as RunJson;
}

/** The element is fully inside the 1400×900 viewport as the page stands now (no further scrolling needed). */
export async function inViewport(locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  return !!box && box.y >= 0 && box.x >= 0 && box.y + box.height <= VIEWPORT.height && box.x + box.width <= VIEWPORT.width;
}

/** The element is fully inside the 1400×900 viewport and the page was not scrolled. */
export async function inFirstViewport(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const scrollY = await page.evaluate(() => window.scrollY);
  return !!box && scrollY === 0 && box.y >= 0 && box.x >= 0 && box.y + box.height <= VIEWPORT.height && box.x + box.width <= VIEWPORT.width;
}

// Every run writes them to test-results/screenshots (ignored by git); set
// OPSGATE_SCREENSHOTS=docs/screenshots to refresh the ones the README shows.
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../..', process.env.OPSGATE_SCREENSHOTS || 'test-results/screenshots');

/** A 1400×900 PNG of the page as it stands, into SCREENSHOT_DIR/{name}.png (overwritten). */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), animations: 'disabled', caret: 'hide' });
}
