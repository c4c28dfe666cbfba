// The secret box: AES-256-GCM with a key id and associated data (the owning row and column),
// a keyring (the first key seals, every key opens), values from before (v1) still open, and a
// box over the data folder's key file follows a new key without being made again.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createSecretBox,
  credentialAad,
  KEY_FILE,
  keyId,
  keySource,
  NEXT_KEY_FILE,
  openSecretBox,
  parseConfiguredKeys,
  readKeyFile,
  sealedKeyId,
  writeKeyFile,
} from '../../src/security/secret-box.ts';

const k1 = crypto.randomBytes(32);
const k2 = crypto.randomBytes(32);
const rowA = credentialAad({ table: 'provider_connections', id: '11111111-1111-4111-8111-111111111111' }, 'secret_ciphertext');
const rowB = credentialAad({ table: 'provider_connections', id: '22222222-2222-4222-8222-222222222222' }, 'secret_ciphertext');
const rowAKey = credentialAad({ table: 'provider_connections', id: '11111111-1111-4111-8111-111111111111' }, 'private_key_ciphertext');

/** A value as opsgate sealed them before key ids and associated data. */
function sealV1(key: Buffer, plain: string): string {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
const dataDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'opsgate-keys-'));
  dirs.push(d);
  return d;
};

describe('sealed values', () => {
  it('are v2.<key id>.<iv>.<tag>.<ciphertext>, AES-256-GCM under the current key', () => {
    const box = createSecretBox(k1);
    const sealed = box.seal('client-secret-value', rowA);
    const [v, kid, iv, tag, body] = sealed.split('.');
    expect(v).toBe('v2');
    expect(kid).toBe(keyId(k1));
    expect(sealedKeyId(sealed)).toBe(keyId(k1));
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
    expect(sealed).not.toContain('client-secret-value');
    expect(Buffer.from(body!, 'base64url')).toHaveLength('client-secret-value'.length);
    expect(box.open(sealed, rowA)).toBe('client-secret-value');
    // The key id is a digest: it says which key, never what it is.
    expect(keyId(k1)).not.toContain(k1.toString('base64url').slice(0, 6));
    expect(keyId(k1)).not.toBe(keyId(k2));
  });

  it('a value copied to another row, or to another column of its row, does not open', () => {
    const box = createSecretBox(k1);
    const sealed = box.seal('client-secret-value', rowA);
    expect(() => box.open(sealed, rowB)).toThrow(/does not open/);
    expect(() => box.open(sealed, rowAKey)).toThrow(/does not open/);
    expect(() => box.open(sealed)).toThrow(/does not open/);
    // Sealed without associated data, it opens only without.
    const loose = box.seal('x');
    expect(box.open(loose)).toBe('x');
    expect(() => box.open(loose, rowA)).toThrow();
  });

  it('any change to the value is refused (key id, iv, tag, ciphertext)', () => {
    const box = createSecretBox([k1, k2]);
    const sealed = box.seal('client-secret-value', rowA);
    const parts = sealed.split('.');
    const flip = (s: string) => {
      const b = Buffer.from(s, 'base64url');
      b[0] = b[0]! ^ 1;
      return b.toString('base64url');
    };
    for (let i = 2; i < 5; i++) {
      const t = [...parts];
      t[i] = flip(t[i]!);
      expect(() => box.open(t.join('.'), rowA)).toThrow();
    }
    // Naming the other key of the keyring does not help either: the key id is authenticated too.
    expect(() => box.open(['v2', keyId(k2), ...parts.slice(2)].join('.'), rowA)).toThrow();
    expect(() => box.open('v3.a.b.c.d', rowA)).toThrow(/unknown format/);
  });

  it('values from before (v1: no key id, no associated data) still open, with any key of the keyring', () => {
    const old = sealV1(k1, 'legacy-secret');
    expect(createSecretBox(k1).open(old)).toBe('legacy-secret');
    expect(createSecretBox(k1).open(old, rowA)).toBe('legacy-secret');
    expect(createSecretBox([k2, k1]).open(old, rowA)).toBe('legacy-secret');
    expect(() => createSecretBox(k2).open(old)).toThrow(/any key/);
  });
});

describe('keyrings', () => {
  it('the first key seals, every key opens; a key that left the keyring is named when missing', () => {
    const before = createSecretBox(k1).seal('s', rowA);
    const ring = createSecretBox([k2, k1]);
    expect(ring.currentKeyId()).toBe(keyId(k2));
    expect(ring.open(before, rowA)).toBe('s');
    expect(sealedKeyId(ring.seal('s', rowA))).toBe(keyId(k2));
    expect(() => createSecretBox(k2).open(before, rowA)).toThrow(new RegExp(`key ${keyId(k1)}`));
  });

  it('OPSGATE_ENCRYPTION_KEY: a key, or a comma-separated keyring', () => {
    expect(parseConfiguredKeys(k1.toString('base64'))).toEqual([k1]);
    expect(parseConfiguredKeys(` ${k2.toString('base64')}, ${k1.toString('base64')} `)).toEqual([k2, k1]);
    expect(() => parseConfiguredKeys('c2hvcnQ=')).toThrow(/32 bytes/);
    expect(() => parseConfiguredKeys(`${k1.toString('base64')},c2hvcnQ=`)).toThrow(/32 bytes/);
  });

  it('the key file: generated once (0600); a box over it follows a new keyring without being made again', () => {
    const dir = dataDir();
    const box = openSecretBox({ configuredKey: undefined, dataDir: dir });
    const file = path.join(dir, KEY_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const [first] = readKeyFile(file);
    const sealed = box.seal('s', rowA);
    expect(sealedKeyId(sealed)).toBe(keyId(first!));
    // Another process rotates: the new keyring's file appears, then replaces the key file.
    const fresh = crypto.randomBytes(32);
    writeKeyFile(path.join(dir, NEXT_KEY_FILE), [fresh, first!]);
    const other = createSecretBox([fresh, first!]).seal('t', rowB);
    expect(box.open(other, rowB)).toBe('t'); // an unknown key id: the files are read again
    expect(box.currentKeyId()).toBe(keyId(first!)); // secret.key.next never seals
    fs.renameSync(path.join(dir, NEXT_KEY_FILE), file);
    expect(sealedKeyId(box.seal('u', rowA))).toBe(keyId(fresh));
    expect(box.open(sealed, rowA)).toBe('s');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    // A key set in the environment is used instead of the file, and fixed.
    const env = keySource({ configuredKey: `${k2.toString('base64')},${k1.toString('base64')}`, dataDir: dir });
    expect(env.live).toBe(false);
    expect(env.load()).toEqual([k2, k1]);
  });

  it('a key file written before keyrings (one key, no newline) is read as it is', () => {
    const dir = dataDir();
    fs.writeFileSync(path.join(dir, KEY_FILE), k1.toString('base64'), { mode: 0o600 });
    const box = openSecretBox({ configuredKey: undefined, dataDir: dir });
    expect(box.currentKeyId()).toBe(keyId(k1));
    expect(box.open(sealV1(k1, 'legacy'), rowA)).toBe('legacy');
  });
});
