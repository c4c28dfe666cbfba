// A real sandbox cloud on an ephemeral port with its CA in a temp dir, plus helpers to
// register connections in it. No mocks: tests drive the real MSAL client over HTTPS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { expect } from 'vitest';
import type { ProviderReasonCode, SecretCredentials } from '../../src/provider/types.ts';
import { ProviderError } from '../../src/provider/types.ts';
import type { AppInput, SandboxCloud, SandboxTenant } from '../../sandbox/index.ts';
import { startSandboxCloud } from '../../sandbox/index.ts';

export const ROLES = {
  configRead: 'DeviceManagementConfiguration.Read.All',
  configWrite: 'DeviceManagementConfiguration.ReadWrite.All',
  devicesRead: 'DeviceManagementManagedDevices.Read.All',
  groupsRead: 'Group.Read.All',
  rolesRead: 'RoleManagement.Read.Directory',
} as const;

export const ALL_READ_ROLES = [ROLES.configRead, ROLES.devicesRead, ROLES.groupsRead, ROLES.rolesRead];

export interface TestCloud {
  cloud: SandboxCloud;
  tenant: SandboxTenant;
  close(): Promise<void>;
}

export async function startTestCloud(): Promise<TestCloud> {
  const dir = mkdtempSync(join(tmpdir(), 'opsgate-sandbox-test-'));
  const cloud = await startSandboxCloud({ dir, port: 0 });
  const tenant = cloud.state.addTenant({ displayName: 'Contoso Test' });
  return {
    cloud,
    tenant,
    async close() {
      await cloud.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Registers an app in the tenant and returns the credentials a provider connection would store. */
export function connect(t: TestCloud, input: AppInput = {}): SecretCredentials {
  const { app, secret } = t.cloud.state.addApp(t.tenant.id, { grantedRoles: ALL_READ_ROLES, ...input });
  return { entraTenantId: t.tenant.id, clientId: app.clientId, clientSecret: secret };
}

/** Awaits a rejection and returns it as a ProviderError with the expected code. */
export async function expectProviderError(promise: Promise<unknown>, code: ProviderReasonCode): Promise<ProviderError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ProviderError);
  const error = caught as ProviderError;
  expect(error.failure.code).toBe(code);
  return error;
}

/** Every way an error can reach a log line or a run record. */
export function renderings(error: Error): string[] {
  return [error.message, String(error), error.stack ?? '', JSON.stringify(error), inspect(error, { depth: 10 })];
}

export function expectNoSecrets(error: Error, ...secrets: string[]): void {
  for (const text of renderings(error)) {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }
}

export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
  };
}
