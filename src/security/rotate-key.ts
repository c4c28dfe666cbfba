// `opsgate rotate-key`: every stored credential re-sealed under a new key in one transaction,
// then the new key becomes the current one (docs/ACCESS.md, "Credentials at rest").
//
// With the data folder's key file:
//   1. the new keyring (new key, then the current one) is written to secret.key.next. Every
//      box made from the key file reads that file too, so from now on any process can open
//      values sealed under the new key;
//   2. one transaction locks every row holding a sealed credential, opens each value with the
//      keyring and seals it again under the new key, bound to its row and column;
//   3. secret.key.next replaces secret.key (one rename): the new key is current, and processes
//      seal with it from their next seal on;
//   4. a last pass re-seals what other processes sealed under the old key between 2 and 3.
// Interrupted anywhere, it is run again: a secret.key.next left behind is taken up (same new
// key), and values already under the new key are left as they are. Keys older than the one
// just retired are dropped: nothing stored uses them any more.
//
// With OPSGATE_ENCRYPTION_KEY (a keyring "new,old" that every process was restarted with),
// it re-seals everything under the first key; removing the old key is then the operator's step.
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/connect.ts';
import {
  createSecretBox,
  credentialAad,
  KEY_FILE,
  keyId,
  NEXT_KEY_FILE,
  newKey,
  parseConfiguredKeys,
  readKeyFile,
  SEALED_COLUMNS,
  sealedKeyId,
  syncDir,
  writeKeyFile,
  type SecretBox,
} from './secret-box.ts';

export interface ResealResult {
  /** Values sealed again under the current key, per "table.column". */
  resealed: Record<string, number>;
  /** Values already under the current key. */
  current: number;
  /** Values no key of the keyring opens (left as they are: enter those credentials again). */
  unreadable: { table: string; column: string; id: string }[];
}

/** rotate-key takes turns with itself (two at once would race for the key file). */
const ROTATION_LOCK = 4242_0003;

/**
 * Opens a stored value for re-sealing, with how it was bound: to its row (`aad`), or to
 * nothing (sealed before associated data existed, or by a caller that passed none).
 */
function openForReseal(box: SecretBox, sealed: string, aad: string): { plain: string; bound: boolean } | null {
  try {
    return { plain: box.open(sealed, aad), bound: true };
  } catch {
    // not bound to this row
  }
  try {
    // v1 values (no associated data) are bound from now on; unbound v2 values stay unbound, so
    // whoever reads them without associated data still can (and a value copied from another
    // row, which is bound to that row, opens with neither and is reported, not adopted).
    const plain = box.open(sealed);
    return { plain, bound: sealedKeyId(sealed) === null };
  } catch {
    return null;
  }
}

/** Re-seals every stored credential not yet under `box`'s current key, in the caller's transaction. */
export async function resealAll(tx: DbOrTx, box: SecretBox): Promise<ResealResult> {
  const currentId = box.currentKeyId();
  const result: ResealResult = { resealed: {}, current: 0, unreadable: [] };
  for (const { table, columns } of SEALED_COLUMNS) {
    const cols = columns.map((c) => sql.ref(c));
    const { rows } = await sql<Record<string, string | null> & { id: string }>`
      select id, ${sql.join(cols)} from ${sql.table(table)}
       where ${sql.join(
         columns.map((c) => sql`${sql.ref(c)} is not null`),
         sql` or `,
       )}
       order by id
         for update`.execute(tx);
    for (const row of rows) {
      for (const column of columns) {
        const sealed = row[column];
        if (!sealed) continue;
        if (sealedKeyId(sealed) === currentId) {
          result.current += 1;
          continue;
        }
        const aad = credentialAad({ table, id: row.id }, column);
        const opened = openForReseal(box, sealed, aad);
        if (!opened) {
          result.unreadable.push({ table, column, id: row.id });
          continue;
        }
        const next = box.seal(opened.plain, opened.bound ? aad : undefined);
        await sql`update ${sql.table(table)} set ${sql.ref(column)} = ${next} where id = ${row.id}`.execute(tx);
        const k = `${table}.${column}`;
        result.resealed[k] = (result.resealed[k] ?? 0) + 1;
      }
    }
  }
  return result;
}

export interface RotationReport extends ResealResult {
  /** The key that seals from now on. */
  keyId: string;
  /** Keys kept for opening only (the one just retired). */
  retiredKeyIds: string[];
  /** Where the keys are: the key file, or OPSGATE_ENCRYPTION_KEY. */
  source: 'file' | 'env';
  /** Values the last pass re-sealed (sealed by other processes under the old key meanwhile). */
  stragglers: number;
}

const total = (r: ResealResult) => Object.values(r.resealed).reduce((a, b) => a + b, 0);

async function resealInOneTransaction(db: Db, box: SecretBox): Promise<ResealResult> {
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${ROTATION_LOCK})`.execute(tx);
    return resealAll(tx, box);
  });
}

export async function rotateKey(db: Db, opts: { configuredKey: string | undefined; dataDir: string }): Promise<RotationReport> {
  if (opts.configuredKey) {
    const keys = parseConfiguredKeys(opts.configuredKey);
    const box = createSecretBox(keys);
    const r = await resealInOneTransaction(db, box);
    return { ...r, keyId: keyId(keys[0]!), retiredKeyIds: keys.slice(1).map(keyId), source: 'env', stragglers: 0 };
  }
  const file = path.join(opts.dataDir, KEY_FILE);
  const nextFile = path.join(opts.dataDir, NEXT_KEY_FILE);
  if (!fs.existsSync(file)) throw new Error(`no key file ${file}: nothing was ever sealed with it (is OPSGATE_DATA_DIR right?)`);
  const keys = readKeyFile(file);
  let next: Buffer[];
  if (fs.existsSync(nextFile)) {
    // An earlier rotation stopped after step 1 or 2: finish it with its key.
    next = readKeyFile(nextFile);
  } else {
    next = [newKey(), keys[0]!];
    writeKeyFile(nextFile, next);
  }
  // Opens anything under the new key, the current one or older retired ones; seals with the new.
  const box = createSecretBox([next[0]!, ...next.slice(1), ...keys]);
  const first = await resealInOneTransaction(db, box);
  // The new key becomes current.
  fs.renameSync(nextFile, file);
  syncDir(opts.dataDir);
  const sweep = await resealInOneTransaction(db, box);
  return {
    resealed: first.resealed,
    current: first.current,
    unreadable: sweep.unreadable,
    keyId: keyId(next[0]!),
    retiredKeyIds: next.slice(1).map(keyId),
    source: 'file',
    stragglers: total(sweep),
  };
}

/** The lines `opsgate rotate-key` prints. */
export function describeRotation(r: RotationReport): string[] {
  const lines = [
    r.source === 'file' ? `new key ${r.keyId} is current (key file)` : `re-sealed under ${r.keyId}, the first key of OPSGATE_ENCRYPTION_KEY`,
    ...Object.entries(r.resealed).map(([k, n]) => `  ${k}: ${n} re-sealed`),
    `  ${total(r) + r.stragglers} re-sealed in all${r.current ? `, ${r.current} already under the current key` : ''}${r.stragglers ? ` (${r.stragglers} in the last pass)` : ''}`,
  ];
  if (r.retiredKeyIds.length) {
    lines.push(
      r.source === 'file'
        ? `retired key ${r.retiredKeyIds.join(', ')} is kept for opening only (the next rotation drops it)`
        : `keys kept for opening only: ${r.retiredKeyIds.join(', ')}; once every process runs with the first key alone, remove them from OPSGATE_ENCRYPTION_KEY`,
    );
  }
  for (const u of r.unreadable) lines.push(`  could not open ${u.table}.${u.column} of ${u.id} with any key: left as it is; enter that credential again`);
  return lines;
}
