// GET /metrics on a listener of its own (OPSGATE_METRICS_PORT), for every role including
// `worker`, which serves no HTTP otherwise. Plain node:http, so a worker never loads the web
// stack. No token here: the port is meant to be reachable by the scraper only (bind it to a
// private interface, or keep it off the load balancer).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from '../db/connect.ts';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.ts';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(o: { db: Db; port: number; host: string }): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'Not found.' } }));
      return;
    }
    renderMetrics(o.db).then(
      (text) => res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
