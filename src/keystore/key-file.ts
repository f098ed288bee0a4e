/**
 * Chooses the keystore key (SPEC §2): a configured passphrase, else `<datadir>/keystore.key`,
 * else — only for a brand-new keystore — a freshly generated random 256-bit key in that file.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';
import type { KeystoreKey } from './database.ts';

/** File name of the generated key inside the data dir. */
export const KEY_FILE_NAME = 'keystore.key';
/** File name of the SQLCipher database inside the data dir. */
export const KEYSTORE_FILE_NAME = 'keystore.db';

/**
 * Resolves the keystore key. `generated` is true when a new key file was just written; the
 * daemon must then warn that the keystore is only as safe as that file.
 */
export async function resolveKeystoreKey(opts: {
  datadir: string;
  passphrase?: string;
}): Promise<{ key: KeystoreKey; generated: boolean }> {
  await mkdir(opts.datadir, { recursive: true, mode: 0o700 });
  if (opts.passphrase !== undefined) {
    if (opts.passphrase.length === 0) throw new Error('keystore passphrase is empty');
    return { key: { kind: 'passphrase', passphrase: opts.passphrase }, generated: false };
  }
  const keyPath = join(opts.datadir, KEY_FILE_NAME);
  const dbPath = join(opts.datadir, KEYSTORE_FILE_NAME);
  let text: string | null = null;
  try {
    text = await readFile(keyPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== null) {
    const hex = text.trim();
    // The message never echoes the file's content: it is the key.
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`${keyPath} is not a 64-hex-character key`);
    return { key: { kind: 'raw', hex: hex.toLowerCase() }, generated: false };
  }
  if (existsSync(dbPath)) {
    // Generating a key now would make a second keystore beside the one we cannot open.
    throw new Error(
      `${dbPath} exists but no keystore passphrase is configured and ${keyPath} is missing: ` +
        'set WALLETD_KEYSTORE_PASSPHRASE (or _FILE) or restore the key file; refusing to start',
    );
  }
  const hex = randomBytes(32).toString('hex');
  await writeFileAtomic(keyPath, `${hex}\n`, 0o600);
  return { key: { kind: 'raw', hex }, generated: true };
}
