/**
 * The keystore: one SQLCipher file in the data dir, opened with the resolved key, migrated,
 * and exposed through the store adapters the wallet core and the RPC layer depend on.
 */
import { join } from 'node:path';
import { openDatabase, type Database } from './database.ts';
import { KEY_FILE_NAME, KEYSTORE_FILE_NAME, resolveKeystoreKey } from './key-file.ts';
import { rebuildLedger } from './ledger-rebuild.ts';
import { migrate } from './migrations.ts';
import { SqlEventStore } from './sql-event-store.ts';
import { SqlTokenStore } from './sql-token-store.ts';
import { SqlWalletStore } from './sql-wallet-store.ts';

export { Database, KeystoreKeyError, openDatabase, type KeystoreKey, type TxHandle } from './database.ts';
export { writeFileAtomic } from './atomic-file.ts';
export { KEY_FILE_NAME, KEYSTORE_FILE_NAME, resolveKeystoreKey } from './key-file.ts';
export { MIGRATIONS, migrate, schemaVersion, type Migration } from './migrations.ts';
export { acquireDataDirLock, LOCK_FILE_NAME, type DataDirLock } from './datadir-lock.ts';
export { checkKeystoreNetwork, type KeystoreNetwork } from './keystore-network.ts';
export { SqlEventStore } from './sql-event-store.ts';
export { SqlTokenStore } from './sql-token-store.ts';
export { SqlWalletStore } from './sql-wallet-store.ts';

/** An open keystore and its adapters. */
export interface Keystore {
  db: Database;
  wallets: SqlWalletStore;
  tokens: SqlTokenStore;
  events: SqlEventStore;
  /** Path of `keystore.db`. */
  path: string;
  /** Finishes queued work and closes the database. */
  close(): Promise<void>;
}

/**
 * Opens `<datadir>/keystore.db`: resolves the key (passphrase, key file, or a new key file,
 * reported through `onGeneratedKey` so the daemon can warn), then applies pending migrations.
 */
export async function openKeystore(opts: {
  datadir: string;
  passphrase?: string;
  onGeneratedKey?: (keyFilePath: string) => void;
  /** Called after a v1 keystore's history was replayed into the v2 ledger. */
  onLedgerRebuilt?: (transactions: number) => void;
}): Promise<Keystore> {
  const { key, generated } = await resolveKeystoreKey(opts);
  if (generated) opts.onGeneratedKey?.(join(opts.datadir, KEY_FILE_NAME));
  const path = join(opts.datadir, KEYSTORE_FILE_NAME);
  const db = await openDatabase({ path, key });
  const wallets = new SqlWalletStore(db);
  try {
    await migrate(db);
    const replayed = await rebuildLedger(db, wallets, Date.now());
    if (replayed > 0) opts.onLedgerRebuilt?.(replayed);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return {
    db,
    wallets,
    tokens: new SqlTokenStore(db),
    events: new SqlEventStore(db),
    path,
    close: () => db.close(),
  };
}
