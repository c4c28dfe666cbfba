// Stopping a process without dropping work: the HTTP server stops accepting connections and
// finishes the requests in flight; connections still open when the grace period is over are
// cut, so a stuck client cannot keep the process alive past its orchestrator's kill timeout.
import type { FastifyInstance } from 'fastify';

export async function closeHttpGracefully(app: FastifyInstance, graceMs: number): Promise<void> {
  // Fastify answers 503 (Connection: close) to requests arriving on kept-alive connections
  // meanwhile; keep-alive connections that go idle are closed, not left open for their timeout.
  const closing = app.close();
  const idle = setInterval(() => app.server.closeIdleConnections(), 100);
  const cut = setTimeout(() => app.server.closeAllConnections(), graceMs);
  try {
    await closing;
  } finally {
    clearInterval(idle);
    clearTimeout(cut);
  }
}
