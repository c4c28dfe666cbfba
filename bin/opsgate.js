#!/usr/bin/env node
// Runs src/cli.ts on the project's pinned Node 24 (which runs TypeScript directly), even
// when the shell's `node` is older.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pinned = path.join(root, 'node_modules', '.bin', 'node');
const major = Number(process.versions.node.split('.')[0]);
const node = major >= 24 || !existsSync(pinned) ? process.execPath : pinned;
const child = spawn(node, [path.join(root, 'src', 'cli.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
