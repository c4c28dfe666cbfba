// Credentials at rest: AES-256-GCM with a key id and associated data.
//
//   v2.<key id>.<iv>.<tag>.<ciphertext>   (base64url parts)
//
// The associated data names the row and column that own the value (credentialAad): a value
// copied into another row, or into another column of its row, fails to open. The key id says
// which key of the keyring sealed it, so keys can be rotated (`opsgate rotate-key`, see
// rotate-key.ts) while every stored value stays readable. Values sealed before (v1: no key id,
// no associated data) still open with any key of the keyring; re-sealing writes v2.
//
// Keys: OPSGATE_ENCRYPTION_KEY (base64, 32 bytes; a comma-separated list is a keyring: the
// first seals, all open), or else the key file `secret.key` in the data folder, generated
// once (0600). The file holds one key per line, the first the current one; during a rotation
// `secret.key.next` holds the new keyring and is read too. Boxes made from the file re-read
// it when they seal and when a value names a key they do not know, so running processes follow
// a rotation without a restart.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface SecretBox {
  /** Seals under the current key. `aad`: what the value belongs to (credentialAad); it must be given again to open. */
  seal(plain: string, aad?: string): string;
  /** Opens a value sealed under any key of the keyring, with the `aad` it was sealed with. Throws when it cannot. */
  open(sealed: string, aad?: string): string;
  /** The id of the key seal() uses now. */
  currentKeyId(): string;
}

/** The rows that own sealed credentials. */
export type SealedTable = 'provider_connections' | 'app_registrations' | 'webhooks';
export interface SealedRow {
  table: SealedTable;
  id: string;
}

/** The associated data of a credential: its table, column and the id of its row. */
export const credentialAad = (row: SealedRow, column: string): string => `${row.table}.${column}:${row.id}`;

/**
 * Every column that holds a sealed credential, by table (rows are identified by `id`).
 * `opsgate rotate-key` re-seals each of them; a new sealed column belongs here.
 */
export const SEALED_COLUMNS: readonly { table: SealedTable; columns: readonly string[] }[] = [
  { table: 'provider_connections', columns: ['secret_ciphertext', 'private_key_ciphertext'] },
  { table: 'app_registrations', columns: ['secret_ciphertext', 'private_key_ciphertext'] },
  { table: 'webhooks', columns: ['secret_ciphertext'] },
];

export class SecretBoxError extends Error {}

const KEY_BYTES = 32;

/** A key's id: a digest of the key (8 bytes, base64url), never the key itself. */
export function keyId(key: Buffer): string {
  return crypto.createHash('sha256').update('opsgate secret-box key id\0').update(key).digest().subarray(0, 8).toString('base64url');
}

/** Where keys come from: read again on seal and on an unknown key id (the key file), or fixed. */
export interface KeySource {
  /** The keyring, current key first. */
  load(): Buffer[];
  /** Whether load() may answer something new later (a key file). */
  readonly live: boolean;
}

interface Ring {
  current: Buffer;
  currentId: string;
  byId: Map<string, Buffer>;
}

function ring(keys: Buffer[]): Ring {
  if (!keys.length) throw new SecretBoxError('no encryption key');
  for (const k of keys) if (k.length !== KEY_BYTES) throw new SecretBoxError('encryption key must be 32 bytes');
  return { current: keys[0]!, currentId: keyId(keys[0]!), byId: new Map(keys.map((k) => [keyId(k), k])) };
}

const gcmAad = (kid: string, aad: string | undefined) => Buffer.from(`opsgate-secret.v2.${kid}|${aad ?? ''}`, 'utf8');

function decrypt(key: Buffer, iv: string, tag: string, body: string, aad: Buffer | null): string {
  const d = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  if (aad) d.setAAD(aad);
  d.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
}

/** A box over fixed keys (a key, or a keyring: current first) or over a key source. */
export function createSecretBox(keys: Buffer | readonly Buffer[] | KeySource): SecretBox {
  const source: KeySource = Buffer.isBuffer(keys)
    ? { load: () => [keys], live: false }
    : Array.isArray(keys)
      ? { load: () => [...(keys as readonly Buffer[])], live: false }
      : (keys as KeySource);
  let r = ring(source.load());
  const reload = () => {
    if (!source.live) return;
    try {
      r = ring(source.load());
    } catch {
      // A key file being replaced this instant: keep the keyring we have.
    }
  };
  return {
    seal(plain, aad) {
      reload();
      const iv = crypto.randomBytes(12);
      const c = crypto.createCipheriv('aes-256-gcm', r.current, iv);
      c.setAAD(gcmAad(r.currentId, aad));
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return ['v2', r.currentId, iv.toString('base64url'), c.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed, aad) {
      const parts = sealed.split('.');
      if (parts[0] === 'v2' && parts.length === 5) {
        const [, kid, iv, tag, body] = parts as [string, string, string, string, string];
        if (!r.byId.has(kid)) reload();
        const key = r.byId.get(kid);
        if (!key) throw new SecretBoxError(`sealed with key ${kid}, which is not in the keyring`);
        try {
          return decrypt(key, iv, tag, body, gcmAad(kid, aad));
        } catch {
          throw new SecretBoxError('sealed value does not open: altered, or it belongs to another row');
        }
      }
      if (parts[0] === 'v1' && parts.length === 4) {
        // Before key ids and associated data: any key of the keyring may have sealed it.
        const [, iv, tag, body] = parts as [string, string, string, string];
        for (const key of [r.current, ...[...r.byId.values()].filter((k) => k !== r.current)]) {
          try {
            return decrypt(key, iv, tag, body, null);
          } catch {
            // the next key
          }
        }
        throw new SecretBoxError('sealed value (v1) does not open with any key of the keyring');
      }
      throw new SecretBoxError('sealed secret has an unknown format');
    },
    currentKeyId: () => {
      reload();
      return r.currentId;
    },
  };
}

/** The key id a sealed value names; null for values from before key ids (v1) and for anything else. */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split('.');
  return parts[0] === 'v2' && parts.length === 5 ? parts[1]! : null;
}

// ---- where keys come from ----------------------------------------------------------------

export const KEY_FILE = 'secret.key';
/** The new keyring while `opsgate rotate-key` runs; read for opening, never for sealing. */
export const NEXT_KEY_FILE = 'secret.key.next';

export const newKey = (): Buffer => crypto.randomBytes(KEY_BYTES);

function decodeKey(text: string, what: string): Buffer {
  const k = Buffer.from(text, 'base64');
  if (k.length !== KEY_BYTES) throw new SecretBoxError(`${what} must be 32 bytes, base64-encoded`);
  return k;
}

/** OPSGATE_ENCRYPTION_KEY: a key, or keys separated by commas (the first seals). */
export function parseConfiguredKeys(value: string): Buffer[] {
  const keys = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => decodeKey(s, 'OPSGATE_ENCRYPTION_KEY'));
  if (!keys.length) throw new SecretBoxError('OPSGATE_ENCRYPTION_KEY must be 32 bytes, base64-encoded');
  return keys;
}

/** The keys of a key file, one base64 key per line (blank lines and # comments ignored). */
export function readKeyFile(file: string): Buffer[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => decodeKey(l, file));
}

/** Writes a key file atomically (temporary file, fsync, rename), mode 0600. */
export function writeKeyFile(file: string, keys: Buffer[]): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, keys.map((k) => k.toString('base64')).join('\n') + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  syncDir(path.dirname(file));
}

export function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // not every platform can fsync a directory
  }
}

/** The key file of the data folder, created (one new key, 0600) when missing. */
function ensureKeyFile(dataDir: string): string {
  const file = path.join(dataDir, KEY_FILE);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(dataDir, { recursive: true });
  // wx: two processes starting at once must not overwrite each other's key.
  try {
    fs.writeFileSync(file, newKey().toString('base64'), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return file;
}

/**
 * The keyring of this installation: OPSGATE_ENCRYPTION_KEY when set (fixed for the process's
 * life), else the data folder's key file plus, while a rotation runs, its next keyring.
 */
export function keySource(opts: { configuredKey: string | undefined; dataDir: string }): KeySource {
  if (opts.configuredKey) {
    const keys = parseConfiguredKeys(opts.configuredKey);
    return { load: () => keys, live: false };
  }
  const file = ensureKeyFile(opts.dataDir);
  const next = path.join(opts.dataDir, NEXT_KEY_FILE);
  return {
    live: true,
    load: () => {
      const keys = readKeyFile(file);
      // A rotation in progress: its new key may already have sealed values (rotate-key.ts).
      if (fs.existsSync(next)) {
        try {
          keys.push(...readKeyFile(next));
        } catch {
          // being written: the keys it adds are not in use yet
        }
      }
      return keys;
    },
  };
}

/** The secret box of this installation (see keySource). */
export function openSecretBox(opts: { configuredKey: string | undefined; dataDir: string }): SecretBox {
  return createSecretBox(keySource(opts));
}

/** The current key alone (the first of the keyring). */
export function loadKey(opts: { configuredKey: string | undefined; dataDir: string }): Buffer {
  return keySource(opts).load()[0]!;
}
