// Accessibility in every browser test: axe-core with the WCAG 2.2 AA rules runs on each
// console page a test opens (every `page.goto` of the console's origin, and every open page
// when its context closes), and the test fails on a serious or critical violation. A test
// may also call `checkA11y(page)` itself after it reached a state by clicking.
import fs from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import type { Result } from 'axe-core';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const FAILING = new Set(['serious', 'critical']);

export class A11yViolations extends Error {}

/** States (width + markup) already found clean in this test file. */
const checked = new Set<string>();

/** Waits until the console rendered something other than its loading states. */
async function settle(page: Page): Promise<void> {
  await page
    .waitForFunction(() => !!document.querySelector('#root')?.childElementCount && !document.querySelector('.state-loading, [data-loading="true"]'), null, {
      timeout: 5_000,
    })
    .catch(() => undefined);
}

/**
 * Runs axe on the page as it stands (after the console rendered) and throws when it finds a
 * serious or critical violation; the message names each rule, the nodes and how they fail.
 */
export async function checkA11y(page: Page, what = ''): Promise<void> {
  if (page.isClosed()) return;
  await settle(page);
  // The same markup at the same width gives the same answer: check each state once.
  const key = `${page.viewportSize()?.width ?? 0}:${await page.evaluate(() => {
    const html = document.documentElement.outerHTML;
    let h = 0;
    for (let i = 0; i < html.length; i++) h = (Math.imul(31, h) + html.charCodeAt(i)) | 0;
    return `${html.length}:${h}`;
  })}`;
  if (checked.has(key)) return;
  const bad = (await violations(page)).filter((v) => FAILING.has(v.impact ?? ''));
  if (bad.length === 0) {
    checked.add(key);
    return;
  }
  const where = what || new URL(page.url()).pathname;
  // OPSGATE_A11Y_REPORT=<file>: append the findings there instead of failing (to survey a change).
  if (process.env.OPSGATE_A11Y_REPORT) {
    fs.appendFileSync(
      process.env.OPSGATE_A11Y_REPORT,
      `${JSON.stringify({ where, width: page.viewportSize()?.width, violations: bad.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary, html: n.html.slice(0, 200) })) })) })}\n`,
    );
    return;
  }
  const lines = bad.flatMap((v) => [
    `- ${v.id} (${v.impact}): ${v.help}`,
    ...v.nodes.slice(0, 6).map((n) => `    ${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 300)}`),
    ...(v.nodes.length > 6 ? [`    … and ${v.nodes.length - 6} more`] : []),
  ]);
  throw new A11yViolations(`accessibility (WCAG 2.2 AA) on ${where}:\n${lines.join('\n')}`);
}

type Violation = Pick<Result, 'id' | 'impact' | 'help' | 'nodes'>;

/**
 * axe-core's violations of the WCAG tags on the page. Instrumented contexts load axe-core into
 * every document up front (an init script), which is much cheaper than sending it with each
 * check; a page without it gets it injected by @axe-core/playwright.
 */
async function violations(page: Page): Promise<Violation[]> {
  const preloaded = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe?: { run(ctx: unknown, opts: unknown): Promise<{ violations: Violation[] }> } }).axe;
    if (!axe) return null;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary, html: n.html })),
    })) as Violation[];
  }, WCAG_TAGS);
  if (preloaded) return preloaded;
  // Legacy mode: one axe.run in the page itself (the console has no frames), instead of a
  // blank page opened in the test's context to merge the results of frames.
  return (
    await new AxeBuilder({ page })
      .withTags(WCAG_TAGS)
      .setLegacyMode(true)
      .options({ resultTypes: ['violations'] })
      .analyze()
  ).violations;
}

const instrumented = new WeakSet<object>();
const AXE_MIN = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

function isConsolePage(origin: string, res: Response | null, url: string): boolean {
  const u = new URL(url);
  if (u.origin !== origin || u.pathname.startsWith('/api/') || u.pathname.startsWith('/_sandbox/')) return false;
  const type = res?.headers()['content-type'] ?? '';
  return type.includes('text/html');
}

/** Every `goto` of a console page checks the page it lands on. */
function instrumentPage(page: Page, origin: string): void {
  if (instrumented.has(page)) return;
  instrumented.add(page);
  const goto = page.goto.bind(page);
  page.goto = async (url, options) => {
    const res = await goto(url, options);
    if (isConsolePage(origin, res, page.url())) await checkA11y(page);
    return res;
  };
}

/** Every page of the context is checked on `goto` and once more when the context closes. */
export async function instrumentContext(context: BrowserContext, origin: string): Promise<BrowserContext> {
  if (instrumented.has(context)) return context;
  instrumented.add(context);
  await context.addInitScript({ content: AXE_MIN });
  for (const p of context.pages()) instrumentPage(p, origin);
  context.on('page', (p) => instrumentPage(p, origin));
  const newPage = context.newPage.bind(context);
  context.newPage = async () => {
    const p = await newPage();
    instrumentPage(p, origin);
    return p;
  };
  const close = context.close.bind(context);
  context.close = async (options) => {
    try {
      for (const p of context.pages()) {
        if (!p.isClosed() && new URL(p.url()).origin === origin && !new URL(p.url()).pathname.startsWith('/api/')) await checkA11y(p);
      }
    } finally {
      await close(options);
    }
  };
  return context;
}

/** Every context the tests open on this browser is instrumented. */
export function instrumentBrowser(browser: Browser, origin: string): Browser {
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => instrumentContext(await newContext(options), origin);
  return browser;
}
