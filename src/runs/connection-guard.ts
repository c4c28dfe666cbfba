// Keeps a worker process alive through a database outage.
//
// Why: graphile-worker 0.18 settles a job (completeJob / failJob) without awaiting it. When
// the database is unreachable at that moment the rejection is unhandled, and Node's default
// (--unhandled-rejections=throw) ends the process: `opsgate worker` died on every database
// restart in the reliability suite, and `start`/`serve` took the HTTP server down with it.
// Connection-class rejections are logged and dropped: the job stays locked by this live
// worker and opsgate's own lease recovery ends its run (execution_interrupted). Every other
// unhandled rejection still crashes the process, as before.

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);

export function isConnectionError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string' && /Connection terminated|not queryable|Client has encountered a connection error/i.test(message);
}

let installed = false;

export function installConnectionGuard(log: (line: string) => void = (l) => console.error(l)): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (err) => {
    if (isConnectionError(err)) {
      // The message of a pg connection error carries no credentials (host/code only).
      log(`worker: database unreachable while settling a job; continuing (${(err as Error).message})`);
      return;
    }
    throw err;
  });
}
