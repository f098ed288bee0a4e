/**
 * Versioned schema migrations, tracked in `PRAGMA user_version`.
 * To change the schema, append an entry to `MIGRATIONS` with the next version; never edit an
 * applied one. Sats are INTEGER columns (exact up to 2^53-1, beyond the 21e14-sat supply).
 */
import type { Database } from './database.ts';
import { LABELS_MIGRATION } from './migration-labels.ts';
import { LEDGER_MIGRATION } from './migration-ledger.ts';
import { NETWORK_MIGRATION } from './migration-network.ts';

/** One schema step: applied once, in order, in its own transaction. */
export interface Migration {
  version: number;
  description: string;
  up: string[];
}

/** Every migration, in version order. Append only. */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'initial schema: wallets, chain state, leases, tokens, ledger, events, audit',
    up: [
      `CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      )`,
      `CREATE TABLE wallets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        network TEXT NOT NULL,
        address_type TEXT NOT NULL,
        account_xpub TEXT NOT NULL,
        master_fingerprint TEXT NOT NULL,
        sealed_seed BLOB,
        has_passphrase INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        birth_height INTEGER NOT NULL DEFAULT 0
      )`,
      `CREATE INDEX wallets_by_xpub ON wallets (account_xpub)`,
      `CREATE TABLE addresses (
        wallet_id TEXT NOT NULL REFERENCES wallets (id) ON DELETE CASCADE,
        chain INTEGER NOT NULL CHECK (chain IN (0, 1)),
        idx INTEGER NOT NULL,
        address TEXT NOT NULL,
        script TEXT NOT NULL,
        path TEXT NOT NULL,
        label TEXT,
        issued INTEGER NOT NULL DEFAULT 0,
        used INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (wallet_id, chain, idx)
      )`,
      `CREATE INDEX addresses_by_script ON addresses (wallet_id, script)`,
      `CREATE INDEX addresses_by_address ON addresses (address)`,
      `CREATE TABLE wallet_txs (
        wallet_id TEXT NOT NULL REFERENCES wallets (id) ON DELETE CASCADE,
        txid TEXT NOT NULL,
        hex TEXT NOT NULL,
        block_height INTEGER,
        block_hash TEXT,
        block_time INTEGER,
        status TEXT NOT NULL,
        replaced_by TEXT,
        first_seen INTEGER NOT NULL,
        PRIMARY KEY (wallet_id, txid)
      )`,
      // History paging: unconfirmed first, then height desc, first_seen desc, txid desc.
      `CREATE INDEX wallet_txs_history ON wallet_txs
        (wallet_id, COALESCE(block_height, 2147483647) DESC, first_seen DESC, txid DESC)`,
      `CREATE TABLE wallet_outputs (
        wallet_id TEXT NOT NULL REFERENCES wallets (id) ON DELETE CASCADE,
        txid TEXT NOT NULL,
        vout INTEGER NOT NULL,
        value INTEGER NOT NULL,
        script TEXT NOT NULL,
        address TEXT NOT NULL,
        chain INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        block_height INTEGER,
        spent_by TEXT,
        PRIMARY KEY (wallet_id, txid, vout)
      )`,
      `CREATE INDEX wallet_outputs_unspent ON wallet_outputs (wallet_id, spent_by)`,
      `CREATE TABLE output_leases (
        wallet_id TEXT NOT NULL,
        txid TEXT NOT NULL,
        vout INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (wallet_id, txid, vout)
      )`,
      `CREATE INDEX output_leases_by_reason ON output_leases (wallet_id, reason)`,
      `CREATE TABLE sync_points (
        wallet_id TEXT PRIMARY KEY REFERENCES wallets (id) ON DELETE CASCADE,
        height INTEGER NOT NULL,
        hash TEXT NOT NULL
      )`,
      `CREATE TABLE idempotency (
        wallet_id TEXT NOT NULL,
        key TEXT NOT NULL,
        txid TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (wallet_id, key)
      )`,
      `CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        scopes TEXT NOT NULL,
        constraints TEXT NOT NULL,
        created_by TEXT,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      )`,
      `CREATE TABLE spend_ledger (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token_id TEXT NOT NULL,
        wallet_id TEXT NOT NULL,
        txid TEXT NOT NULL,
        amount INTEGER NOT NULL,
        at INTEGER NOT NULL
      )`,
      `CREATE INDEX spend_ledger_window ON spend_ledger (token_id, at)`,
      `CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        type TEXT NOT NULL,
        wallet_id TEXT,
        at INTEGER NOT NULL,
        data TEXT NOT NULL
      )`,
      `CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        token_id TEXT,
        method TEXT NOT NULL,
        wallet_id TEXT,
        outcome TEXT NOT NULL,
        txid TEXT
      )`,
    ],
  },
  LEDGER_MIGRATION,
  {
    version: 3,
    description: 'token lineage: spends are charged to every ancestor; index spends by transaction for cancel ownership',
    up: [`CREATE INDEX spend_ledger_tx ON spend_ledger (wallet_id, txid)`],
  },
  {
    version: 4,
    description: 'admin.token becomes a cookie: pre-upgrade admin tokens are marked as cookies (rotated at the next start) and the tokens they minted become roots, so they keep working',
    up: [
      `ALTER TABLE tokens ADD COLUMN cookie INTEGER NOT NULL DEFAULT 0`,
      // Say what was done, with numbers, before doing it.
      `INSERT OR REPLACE INTO meta (key, value) SELECT 'upgrade.admin-cookie',
        'marked ' || (SELECT COUNT(*) FROM tokens WHERE created_by IS NULL AND name = 'admin') ||
        ' pre-upgrade admin token(s) as cookies; re-parented ' ||
        (SELECT COUNT(*) FROM tokens WHERE created_by IN (SELECT id FROM tokens WHERE created_by IS NULL AND name = 'admin')) ||
        ' token(s) they minted as roots'`,
      // Only the old file held these; the first start after the upgrade rotates them out.
      `UPDATE tokens SET cookie = 1 WHERE created_by IS NULL AND name = 'admin'`,
      `UPDATE tokens SET created_by = NULL WHERE created_by IN (SELECT id FROM tokens WHERE cookie = 1)`,
    ],
  },
  {
    version: 5,
    description: 'wrong-passphrase backoff per wallet, kept across restarts',
    up: [
      `CREATE TABLE passphrase_backoff (
        wallet_id TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        blocked_until INTEGER NOT NULL
      )`,
    ],
  },
  {
    version: 6,
    description: 'ledger: whether the node relays each unconfirmed transaction (its outputs count only while it does, as in Core)',
    up: [`ALTER TABLE ledger_txs ADD COLUMN relayed INTEGER NOT NULL DEFAULT 1`],
  },
  LABELS_MIGRATION,
  NETWORK_MIGRATION,
];

/** The schema version the given database is at (0 = empty). */
export async function schemaVersion(db: Database): Promise<number> {
  const row = await db.get<{ user_version: number }>('PRAGMA user_version');
  return row?.user_version ?? 0;
}

/**
 * Applies every migration above the database's version, each in its own transaction, and
 * returns the versions applied. Refuses a database newer than this code (no silent downgrade).
 */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const versions = new Set(migrations.map((m) => m.version));
  if (versions.size !== migrations.length || migrations.some((m) => !Number.isInteger(m.version) || m.version < 1)) {
    throw new Error('migration versions must be unique positive integers');
  }
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const current = await schemaVersion(db);
  if (current > latest) {
    throw new Error(`keystore schema version ${current} is newer than this walletd supports (${latest})`);
  }
  const applied: number[] = [];
  const pending = [...migrations].filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  for (const m of pending) {
    await db.transaction(async (tx) => {
      // Re-check inside the lock: the version is part of the same transaction as the DDL.
      const row = await tx.get<{ user_version: number }>('PRAGMA user_version');
      if ((row?.user_version ?? 0) >= m.version) return;
      for (const sql of m.up) await tx.run(sql);
      // user_version lives in the file header, so it commits or rolls back with the DDL.
      await tx.exec(`PRAGMA user_version = ${Math.trunc(m.version)}`);
      await tx.run('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', [
        `migration.${m.version}`,
        m.description,
      ]);
      applied.push(m.version);
    });
  }
  return applied;
}
