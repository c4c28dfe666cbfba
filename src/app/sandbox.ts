// Which sandbox cloud this process talks to: its own (npm start), another process's
// (OPSGATE_SANDBOX_URL, trusting that process's CA file), or none (production).
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { SANDBOX_TLS_FILES, startSandboxCloud, type SandboxCloud } from '../../sandbox/index.ts';
import type { CloudEndpoints } from '../provider/types.ts';
import { registerDemoInSandbox } from '../seed/sandbox-demo.ts';
import { registerSsoDemo } from '../seed/sso-demo.ts';
import { registerMspAppInSandbox } from '../seed/msp-app.ts';

export const sandboxDir = (config: Config) => path.join(config.dataDir, 'sandbox');

export async function startOwnSandbox(config: Config, opts: { demo: boolean }): Promise<SandboxCloud> {
  const cloud = await startSandboxCloud({ dir: sandboxDir(config), port: config.sandboxPort, latencyMs: config.sandboxLatencyMs });
  if (opts.demo) {
    registerDemoInSandbox(cloud.state);
    // The MSP's own directory and its sign-in app: "Sign in with Microsoft" in the demo.
    registerSsoDemo(cloud.state, { publicUrl: config.publicUrl ?? null });
    // After the sign-in demo, which registers the same home tenant with its people.
    registerMspAppInSandbox(cloud.state);
  }
  return cloud;
}

export function remoteSandboxEndpoints(config: Config): CloudEndpoints | null {
  if (!config.sandboxUrl) return null;
  const url = config.sandboxUrl.replace(/\/+$/, '');
  const caFile = config.sandboxCaFile ?? path.join(sandboxDir(config), SANDBOX_TLS_FILES.caCert);
  if (!fs.existsSync(caFile)) {
    throw new Error(`OPSGATE_SANDBOX_URL is set but the sandbox CA file ${caFile} does not exist (set OPSGATE_SANDBOX_CA)`);
  }
  return { authorityHost: url, graphBaseUrl: url, caPem: fs.readFileSync(caFile, 'utf8') };
}
