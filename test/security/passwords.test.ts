// scrypt at OWASP's current cost, with the parameters in each hash; older hashes verify and are
// marked for an upgrade; stored parameters outside sane bounds are refused, not obeyed.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, PASSWORD_COST, setPasswordCostForTests, unmatchableHash, verifyPassword } from '../../src/security/passwords.ts';

// The production cost, not the suite's cheaper one (test/helpers/fast-passwords.ts).
setPasswordCostForTests(PASSWORD_COST);

const made = (password: string, N: number, r = 8, p = 1, keyLen = 32) => {
  const salt = crypto.randomBytes(16);
  return [
    'scrypt',
    N,
    r,
    p,
    salt.toString('base64url'),
    crypto.scryptSync(password, salt, keyLen, { N, r, p, maxmem: 256 * 1024 * 1024 }).toString('base64url'),
  ].join('$');
};

describe('password hashes', () => {
  it('are scrypt N=2^17, r=8, p=1 with a 16-byte salt and a 32-byte key, all in the string', async () => {
    const h = await hashPassword('correct horse battery');
    const [kind, N, r, p, salt, key] = h.split('$');
    expect([kind, N, r, p]).toEqual(['scrypt', '131072', '8', '1']);
    expect(Buffer.from(salt!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(key!, 'base64url')).toHaveLength(32);
    // The key is scrypt at exactly those parameters.
    expect(
      crypto
        .scryptSync('correct horse battery', Buffer.from(salt!, 'base64url'), 32, { N: 131072, r: 8, p: 1, maxmem: 256 * 1024 * 1024 })
        .toString('base64url'),
    ).toBe(key);
    expect(await verifyPassword('correct horse battery', h)).toBe(true);
    expect(await verifyPassword('correct horse batterY', h)).toBe(false);
    expect(needsRehash(h)).toBe(false);
    expect(await hashPassword('correct horse battery')).not.toBe(h);
  });

  it('hashes at an older cost still verify, and are due for an upgrade', async () => {
    const old = made('pw', 16384);
    expect(await verifyPassword('pw', old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(made('pw', 1024, 8, 1, 16))).toBe(true);
    // A stronger one than today's is kept.
    expect(needsRehash(`scrypt$${2 ** 18}$8$1$${'a'.repeat(22)}$${'b'.repeat(43)}`)).toBe(false);
    expect(PASSWORD_COST).toEqual({ N: 2 ** 17, r: 8, p: 1 });
  });

  it('parameters outside sane bounds, and things that are no hash, verify as false without trying', async () => {
    for (const bad of [
      `scrypt$${2 ** 30}$8$1$${'a'.repeat(22)}$${'b'.repeat(43)}`, // 128 GiB
      `scrypt$100000$8$1$${'a'.repeat(22)}$${'b'.repeat(43)}`, // not a power of two
      `scrypt$16384$64$1$${'a'.repeat(22)}$${'b'.repeat(43)}`,
      `scrypt$16384$8$99$${'a'.repeat(22)}$${'b'.repeat(43)}`,
      'scrypt$16384$8$1$$',
      'none:microsoft-sign-in',
      'x',
      '',
    ]) {
      expect(await verifyPassword('pw', bad), bad).toBe(false);
      expect(needsRehash(bad), bad).toBe(false);
    }
  });

  it('the unmatchable hash costs like a real one and matches nothing', async () => {
    const h = unmatchableHash();
    expect(h.startsWith('scrypt$131072$8$1$')).toBe(true);
    expect(await verifyPassword('', h)).toBe(false);
    expect(await verifyPassword('anything', h)).toBe(false);
  });
});
