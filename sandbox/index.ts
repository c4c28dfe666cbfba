/** The sandbox cloud: a local Microsoft identity platform + Graph with fault injection. */
export { startSandboxCloud } from './server.ts';
export type { SandboxCloud, SandboxOptions } from './server.ts';
export { SandboxState, SandboxStateError, isSecretExpired, newSecret } from './state.ts';
export type { AppInput, FaultAction, NewTenantInput, RequestRecord, SandboxApp, SandboxAppView, SandboxFaults, SandboxTenant, TenantView } from './state.ts';
export { DEFAULT_COUNTS, complianceSummary, createRng, generateTenantData } from './data.ts';
export type { GraphObject, TenantCounts, TenantData } from './data.ts';
export { ensureSandboxTls, SANDBOX_TLS_FILES } from './ca.ts';
export type { SandboxTls } from './ca.ts';
export { AuthorizationCodes, DirectoryError, SandboxDirectory } from './directory.ts';
export type { SandboxUser, SandboxUserView, UserInput } from './directory.ts';
