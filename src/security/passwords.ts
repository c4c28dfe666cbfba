// scrypt password hashes: "scrypt$N$r$p$salt$hash", compared in constant time. The cost
// parameters travel with each hash, so hashes made at an older (lower) cost keep verifying,
// and a successful sign-in replaces such a hash with one at today's cost (upgradeStoredHash).
import crypto from 'node:crypto';
import type { DbOrTx } from '../db/connect.ts';

type ScryptParams = { N: number; r: number; p: number };

/** OWASP's current recommendation for scrypt: N=2^17 (128 MiB), r=8, p=1. */
export const PASSWORD_COST: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

let cost: Readonly<ScryptParams> = PASSWORD_COST;

/**
 * For the test suite only, like a test configuration's fast hasher: its hundreds of sign-ins
 * run at a lower cost (test/helpers/fast-passwords.ts). Nothing in opsgate itself calls it.
 */
export function setPasswordCostForTests(params: Readonly<ScryptParams>): void {
  cost = Object.freeze({ ...params });
}
const SALT_BYTES = 16;
const KEY_BYTES = 32;

// Stored parameters are believed only within these bounds (a hash is not a way to make us
// allocate gigabytes): N a power of two up to 2^20, r up to 32, p up to 16, 1 GiB at most.
const MAX_MEMORY = 1024 * 1024 * 1024;

function scrypt(password: string, salt: Buffer, len: number, { N, r, p }: ScryptParams): Promise<Buffer> {
  // node's default maxmem (32 MiB) is below what N=2^17, r=8 needs (128 * N * r = 128 MiB).
  const maxmem = 128 * N * r + 128 * r * p + 1024 * 1024;
  return new Promise((resolve, reject) => crypto.scrypt(password, salt, len, { N, r, p, maxmem }, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const { N, r, p } = cost;
  const hash = await scrypt(password, salt, KEY_BYTES, cost);
  return ['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

interface Parsed {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

function parse(stored: string): Parsed | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const isInt = (n: number, max: number) => Number.isInteger(n) && n >= 1 && n <= max;
  if (!isInt(N, 2 ** 20) || N < 2 || (N & (N - 1)) !== 0 || !isInt(r, 32) || !isInt(p, 16) || 128 * N * r > MAX_MEMORY) return null;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const hash = Buffer.from(parts[5]!, 'base64url');
  if (!salt.length || hash.length < 16 || hash.length > 64) return null;
  return { params: { N, r, p }, salt, hash };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h) return false;
  const actual = await scrypt(password, h.salt, h.hash.length, h.params);
  return crypto.timingSafeEqual(actual, h.hash);
}

/** True when the hash was made at less than today's cost (or with a shorter salt or key). */
export function needsRehash(stored: string): boolean {
  const h = parse(stored);
  if (!h) return false; // not a password hash at all (e.g. an account that signs in with Microsoft only)
  return h.params.N < cost.N || h.params.r < cost.r || h.params.p < cost.p || h.salt.length < SALT_BYTES || h.hash.length < KEY_BYTES;
}

/**
 * After `password` was verified against `stored`: when `stored` is below today's cost, the
 * user's hash becomes one at today's cost. Only if it is still `stored` (a password changed
 * meanwhile is not overwritten). Best effort: a failure here does not fail the sign-in.
 */
export async function upgradeStoredHash(db: DbOrTx, userId: string, stored: string, password: string): Promise<boolean> {
  if (!needsRehash(stored)) return false;
  try {
    const next = await hashPassword(password);
    const r = await db.updateTable('users').set({ password_hash: next }).where('id', '=', userId).where('password_hash', '=', stored).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  } catch {
    return false;
  }
}

/**
 * A hash no password matches, at today's cost: checking a password against it takes as long
 * as against a real one (unknown emails and accounts without a password are not told apart
 * by timing).
 */
export function unmatchableHash(): string {
  const { N, r, p } = cost;
  return ['scrypt', N, r, p, crypto.randomBytes(SALT_BYTES).toString('base64url'), crypto.randomBytes(KEY_BYTES).toString('base64url')].join('$');
}
