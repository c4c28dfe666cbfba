/**
 * People in the sandbox cloud: the users of each tenant (who can sign in at the authorize
 * page) and the authorization codes the sign-in hands out.
 *
 * A user signs in with their user principal name (or mail) and a password; the password lives
 * only here and no view returns it. Codes are single use and short-lived, as in Entra: a
 * redeemed code stays known until it expires, so a replay gets "already redeemed" rather than
 * "unknown".
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export interface SandboxUser {
  /** The Entra object id (`oid`). */
  id: string;
  tenantId: string;
  userPrincipalName: string;
  mail: string | null;
  displayName: string;
  password: string;
  accountEnabled: boolean;
  /** A guest is a person from another organization invited into this tenant. */
  userType: 'Member' | 'Guest';
  createdDateTime: string;
}

export type SandboxUserView = Omit<SandboxUser, 'password'>;

export interface UserInput {
  id?: string;
  userPrincipalName: string;
  mail?: string | null;
  displayName?: string;
  password?: string;
  accountEnabled?: boolean;
  userType?: 'Member' | 'Guest';
}

export type UserPatch = Partial<Omit<UserInput, 'id'>>;

/** Refusals of the directory (unknown user 404, a name already taken 409). */
export class DirectoryError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'DirectoryError';
    this.status = status;
  }
}

const key = (tenantId: string, id: string) => `${tenantId.toLowerCase()}|${id.toLowerCase()}`;

function passwordsEqual(a: string, b: string): boolean {
  // Hashing first makes the comparison constant-time whatever the lengths.
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

export class SandboxDirectory {
  private readonly users = new Map<string, SandboxUser>();

  add(tenantId: string, input: UserInput): { user: SandboxUser; password: string } {
    const id = (input.id ?? randomUUID()).toLowerCase();
    if (this.users.has(key(tenantId, id))) throw new DirectoryError(409, `user ${id} already exists in tenant ${tenantId}`);
    this.assertNamesFree(tenantId, [input.userPrincipalName, input.mail ?? null], id);
    const password = input.password ?? `Sbx-${randomBytes(12).toString('base64url')}`;
    const user: SandboxUser = {
      id,
      tenantId: tenantId.toLowerCase(),
      userPrincipalName: input.userPrincipalName,
      mail: input.mail === undefined ? input.userPrincipalName : input.mail,
      displayName: input.displayName ?? input.userPrincipalName.split('@')[0]!,
      password,
      accountEnabled: input.accountEnabled ?? true,
      userType: input.userType ?? 'Member',
      createdDateTime: new Date().toISOString(),
    };
    this.users.set(key(tenantId, id), user);
    return { user, password };
  }

  get(tenantId: string, id: string): SandboxUser | undefined {
    return this.users.get(key(tenantId, id));
  }

  require(tenantId: string, id: string): SandboxUser {
    const user = this.get(tenantId, id);
    if (!user) throw new DirectoryError(404, `user ${id} not found in tenant ${tenantId}`);
    return user;
  }

  update(tenantId: string, id: string, patch: UserPatch): SandboxUser {
    const user = this.require(tenantId, id);
    this.assertNamesFree(tenantId, [patch.userPrincipalName ?? null, patch.mail ?? null], user.id);
    if (patch.userPrincipalName !== undefined) user.userPrincipalName = patch.userPrincipalName;
    if (patch.mail !== undefined) user.mail = patch.mail;
    if (patch.displayName !== undefined) user.displayName = patch.displayName;
    if (patch.password !== undefined) user.password = patch.password;
    if (patch.accountEnabled !== undefined) user.accountEnabled = patch.accountEnabled;
    if (patch.userType !== undefined) user.userType = patch.userType;
    return user;
  }

  remove(tenantId: string, id: string): void {
    this.require(tenantId, id);
    this.users.delete(key(tenantId, id));
  }

  removeTenant(tenantId: string): void {
    for (const [k, u] of this.users) if (u.tenantId === tenantId.toLowerCase()) this.users.delete(k);
  }

  list(tenantId: string): SandboxUser[] {
    return [...this.users.values()].filter((u) => u.tenantId === tenantId.toLowerCase());
  }

  /** The user who signs in with this name (UPN or mail, any case), if any. */
  findBySignInName(tenantId: string, name: string): SandboxUser | undefined {
    const n = name.trim().toLowerCase();
    return this.list(tenantId).find((u) => u.userPrincipalName.toLowerCase() === n || u.mail?.toLowerCase() === n);
  }

  /** The user for these credentials; undefined for an unknown name, a wrong password or a disabled account. */
  authenticate(tenantId: string, name: string, password: string): { user?: SandboxUser; failure?: 'unknown' | 'password' | 'disabled' } {
    const user = this.findBySignInName(tenantId, name);
    if (!user) return { failure: 'unknown' };
    if (!passwordsEqual(password, user.password)) return { failure: 'password' };
    if (!user.accountEnabled) return { failure: 'disabled' };
    return { user };
  }

  view(user: SandboxUser): SandboxUserView {
    const { password: _password, ...rest } = user;
    return { ...rest };
  }

  private assertNamesFree(tenantId: string, names: (string | null)[], exceptId: string): void {
    for (const name of names) {
      if (!name) continue;
      const other = this.findBySignInName(tenantId, name);
      if (other && other.id !== exceptId) throw new DirectoryError(409, `${name} is already a user of tenant ${tenantId}`);
    }
  }
}

// ---- authorization codes ----------------------------------------------------------------

export interface AuthorizationRequest {
  tenantId: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
}

interface IssuedCode extends AuthorizationRequest {
  userId: string;
  expiresAt: number;
  redeemed: boolean;
}

export type RedeemResult = { ok: true; grant: AuthorizationRequest & { userId: string } } | { ok: false; reason: 'unknown' | 'redeemed' | 'expired' };

/** Entra's codes live about ten minutes. */
export const CODE_LIFETIME_MS = 10 * 60 * 1000;
const digest = (code: string) => createHash('sha256').update(code).digest('base64url');

export class AuthorizationCodes {
  private readonly codes = new Map<string, IssuedCode>();

  issue(request: AuthorizationRequest, userId: string, now = Date.now()): string {
    this.prune(now);
    const code = `sbx.${randomBytes(32).toString('base64url')}`;
    this.codes.set(digest(code), { ...request, userId, expiresAt: now + CODE_LIFETIME_MS, redeemed: false });
    return code;
  }

  /** Marks the code used (whatever follows): a code is accepted once. */
  redeem(code: string, now = Date.now()): RedeemResult {
    const issued = this.codes.get(digest(code));
    if (!issued) return { ok: false, reason: 'unknown' };
    if (issued.redeemed) return { ok: false, reason: 'redeemed' };
    issued.redeemed = true;
    if (issued.expiresAt <= now) return { ok: false, reason: 'expired' };
    const { expiresAt: _e, redeemed: _r, ...grant } = issued;
    return { ok: true, grant };
  }

  private prune(now: number): void {
    if (this.codes.size < 1000) return;
    for (const [k, c] of this.codes) if (c.expiresAt <= now) this.codes.delete(k);
  }
}
