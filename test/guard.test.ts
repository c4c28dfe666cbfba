// FR-216-014 / "no bypass": the gate is the only code that enqueues provider-backed jobs or
// writes a queued run. This scans the source, so a new module that reaches the queue or
// inserts runs directly fails here.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPERATION_TYPES } from '../src/operations/definition.ts';
import { DELIVER_TASK } from '../src/webhooks/events.ts';

const root = path.resolve('src');
// The sandbox cloud lives outside src/ (a test and demo double) but runs in the demo process: guarded too.
const sandboxRoot = path.resolve('sandbox');
function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return /\.(ts|sql|tsx)$/.test(e.name) ? [p] : [];
  });
}
const rel = (p: string) => path.relative(process.cwd(), p);

// The only places allowed: the admission SQL function and the gate that calls it.
// 0004 replaced the admission function (insert first; its job row written without NOTIFY);
// 0018 added its set-based twin for many tenants at once.
const ADMISSION_SQL = ['src/db/migrations/0002-admission.sql', 'src/db/migrations/0004-admission-insert-first.sql', 'src/db/migrations/0018-admit-many.sql'];
// Webhook deliveries are not provider-backed work: their one enqueuing module may add only its
// own task (checked below), never an operation's.
const WEBHOOK_QUEUE = 'src/webhooks/queue.ts';
const ALLOWED_ENQUEUE = new Set([...ADMISSION_SQL, WEBHOOK_QUEUE]);
const ALLOWED_RUN_INSERT = new Set(ADMISSION_SQL);

// Reading the queue (metrics count waiting jobs) is fine; writing a job row is enqueuing.
const ENQUEUE = [
  /\badd_jobs?\s*\(/,
  /\baddJob(Adhoc)?\s*\(/,
  /\bquickAddJob\s*\(/,
  /makeWorkerUtils/,
  /insert\s+into\s+\S*_private_jobs/i,
  /\.send\s*\(\s*['"`]/,
];
const RUN_INSERT = [/insert\s+into\s+operation_runs/i, /insertInto\(\s*['"]operation_runs['"]\s*\)/];
const QUEUED_WRITE = [/status:\s*['"]queued['"]/, /status\s*=\s*'queued'\s*(,|where|$)/i];

describe('no bypass of the gate', () => {
  const all = [...files(root), ...files(sandboxRoot)];

  it('finds the source files it guards', () => {
    expect(all.length).toBeGreaterThan(20);
    expect(all.map(rel)).toContain('src/gate/start.ts');
    expect(all.map(rel)).toContain('sandbox/server.ts');
  });

  it('only the admission function enqueues jobs', () => {
    const offenders = all.filter((f) => !ALLOWED_ENQUEUE.has(rel(f)) && ENQUEUE.some((re) => re.test(fs.readFileSync(f, 'utf8'))));
    expect(offenders.map(rel)).toEqual([]);
  });

  it('the webhook queue enqueues its delivery task and nothing else', () => {
    const text = fs.readFileSync(path.join(root, '..', WEBHOOK_QUEUE), 'utf8');
    const calls = [...text.matchAll(/\badd_jobs?\s*\(\s*([^,]+),/g)].map((m) => m[1]!.trim());
    expect(calls).toEqual(['${DELIVER_TASK}']);
    expect(text).toMatch(/import \{ DELIVER_TASK \} from '\.\/events\.ts'/);
    expect(DELIVER_TASK).toBe('webhook.deliver');
    expect((OPERATION_TYPES as readonly string[]).includes(DELIVER_TASK)).toBe(false);
  });

  it('only the admission functions insert runs', () => {
    const offenders = all.filter((f) => !ALLOWED_RUN_INSERT.has(rel(f)) && RUN_INSERT.some((re) => re.test(fs.readFileSync(f, 'utf8'))));
    expect(offenders.map(rel)).toEqual([]);
  });

  it('nothing sets a run back to queued', () => {
    const offenders = all.filter((f) => f.endsWith('.ts') && QUEUED_WRITE.some((re) => re.test(fs.readFileSync(f, 'utf8'))));
    expect(offenders.map(rel)).toEqual([]);
  });

  it('the gate calls the admission function, and only the gate does', () => {
    const callers = all.filter((f) => f.endsWith('.ts') && /opsgate_(admit|record_blocked)(_many)?\s*\(/.test(fs.readFileSync(f, 'utf8')));
    // start.ts for one start, start-many.ts for one operation on many tenants (the same functions).
    expect(callers.map(rel).sort()).toEqual(['src/gate/start-many.ts', 'src/gate/start.ts']);
  });
});
