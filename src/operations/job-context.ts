// What a job gets to work with: its run, the tenant, the connection pinned at admission
// (never "the default now"), and a provider bound to that connection.
import type { Db } from '../db/connect.ts';
import type { OperationRun, ProviderConnection, ReasonParams, SummaryCounts, Tenant } from '../db/schema.ts';

export interface TokenFacts {
  roles: string[];
}

/** Microsoft Graph for one pinned connection; failures throw ProviderError with a reason. */
export interface PinnedProvider {
  /** `fresh` skips the token cache: verification must see grants as they are now. */
  token(opts?: { fresh?: boolean }): Promise<TokenFacts>;
  get<T = Record<string, unknown>>(path: string): Promise<T>;
  getAll<T = Record<string, unknown>>(path: string): Promise<T[]>;
  /** `idempotent` actions (e.g. /assign) may be retried like reads. */
  post<T = Record<string, unknown>>(path: string, body: unknown, opts?: { idempotent?: boolean }): Promise<T>;
  patch<T = Record<string, unknown>>(path: string, body: unknown): Promise<T>;
}

export interface JobContext {
  db: Db;
  run: OperationRun;
  tenant: Tenant;
  connection: ProviderConnection;
  provider: PinnedProvider;
  /** Extends the run's lease; long loops call it between pages. */
  heartbeat(): Promise<void>;
}

export interface JobReason {
  code: string;
  params?: ReasonParams;
}

export type JobResult =
  | { outcome: 'succeeded'; summaryCounts: SummaryCounts; reason?: undefined }
  | { outcome: 'partially_succeeded'; summaryCounts: SummaryCounts; reason: JobReason }
  | { outcome: 'failed'; summaryCounts: SummaryCounts; reason: JobReason };

export type JobHandler = (ctx: JobContext) => Promise<JobResult>;
