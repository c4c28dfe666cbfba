import fs from 'node:fs';
import path from 'node:path';

/** The Node 24 binary for child processes (the project's pinned runtime when present). */
export function nodeBin(): string {
  const pinned = path.resolve('node_modules/.bin/node');
  return fs.existsSync(pinned) ? pinned : process.execPath;
}
