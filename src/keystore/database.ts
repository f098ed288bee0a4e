/**
 * The keystore database: a writer connection and a read-only reader on the same SQLCipher file.
 *
 * @journeyapps/sqlcipher is asynchronous over a single connection: two `BEGIN … COMMIT`s that
 * await in between would interleave their statements. Every write and every transaction
 * therefore goes through the writer's promise-chain mutex, and a transaction holds it from BEGIN
 * to COMMIT/ROLLBACK (STYLE.md "Pitfalls"). Plain reads go through the reader's own queue, so a
 * long write never delays them; WAL gives the reader the last committed state, never a
 * transaction in progress. Statements are prepared once per connection (sql-connection.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { closeSync, existsSync, openSync } from 'node:fs';
import sqlite3 from '@journeyapps/sqlcipher';
import {
  closeRaw, Connection, openRaw, rawExec, rawGet,
  type Raw, type RunResult, type SqlParams, type StatementStats, type Statements,
} from './sql-connection.ts';

export type { RunResult, SqlParams, SqlValue, StatementStats } from './sql-connection.ts';

/** The keystore's encryption key: a passphrase (runs SQLCipher's KDF) or a raw 256-bit key in hex. */
export type KeystoreKey = { kind: 'passphrase'; passphrase: string } | { kind: 'raw'; hex: string };

/** Statements available inside a transaction; valid only until the transaction ends. */
export interface TxHandle {
  run(sql: string, params?: SqlParams): Promise<RunResult>;
  get<T>(sql: string, params?: SqlParams): Promise<T | undefined>;
  all<T>(sql: string, params?: SqlParams): Promise<T[]>;
  exec(sql: string): Promise<void>;
  /** Runs one prepared statement once per parameter set: the fast path for bulk writes. */
  runMany(sql: string, rows: readonly SqlParams[]): Promise<number>;
}

/** Thrown when an existing keystore cannot be decrypted with the given key. Never holds the key. */
export class KeystoreKeyError extends Error {
  readonly code = 'KEYSTORE_KEY_WRONG';
  readonly path: string;

  constructor(path: string) {
    super(`keystore key is wrong for ${path} (or the file is not a walletd keystore): refusing to start`);
    this.name = 'KeystoreKeyError';
    this.path = path;
  }
}

/** The PRAGMA that keys the connection. The key text must never reach an error or a log. */
function keyPragma(key: KeystoreKey): string {
  if (key.kind === 'raw') {
    if (!/^[0-9a-fA-F]{64}$/.test(key.hex)) throw new Error('raw keystore key must be 64 hex characters');
    // SQLCipher: a blob literal key skips the PBKDF2 KDF.
    return `PRAGMA key = "x'${key.hex}'"`;
  }
  // An empty key would leave SQLCipher unencrypted.
  if (key.passphrase.length === 0) throw new Error('keystore passphrase must not be empty');
  return `PRAGMA key = '${key.passphrase.replaceAll("'", "''")}'`;
}

/** A serialized, encrypted SQLite connection. Create it with `openDatabase`. */
export class Database {
  readonly path: string;
  // Marks code running inside one of this connection's transactions, to catch a deadlock early.
  private readonly inTx = new AsyncLocalStorage<boolean>();
  private readonly writer: Connection;
  private readonly reader: Connection;

  /** @internal Use `openDatabase`. */
  constructor(writer: Raw, reader: Raw, path: string) {
    this.path = path;
    this.writer = new Connection(writer, path, this.inTx);
    this.reader = new Connection(reader, path, this.inTx);
  }

  /** Prepared-statement counters of both connections added up, for tests and benchmarks. */
  statementStats(): StatementStats {
    const w = this.writer.statements.cache.stats();
    const r = this.reader.statements.cache.stats();
    return { prepared: w.prepared + r.prepared, cached: w.cached + r.cached, finalized: w.finalized + r.finalized };
  }

  /** Runs a write statement. */
  run(sql: string, params?: SqlParams): Promise<RunResult> {
    return this.writer.enqueue((s) => s.run(sql, params));
  }

  /** First row of a query, or undefined; read on the reader, so it never waits for a write. */
  get<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.reader.enqueue((s) => s.get<T>(sql, params));
  }

  /** Every row of a query; read on the reader, so it never waits for a write. */
  all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.reader.enqueue((s) => s.all<T>(sql, params));
  }

  /** Runs one or more statements without parameters. */
  exec(sql: string): Promise<void> {
    return this.writer.enqueue((s) => s.exec(sql));
  }

  /**
   * Runs `fn` inside `BEGIN IMMEDIATE … COMMIT`, holding the queue throughout so no other
   * statement interleaves; rolls back and rethrows when `fn` throws.
   */
  transaction<T>(fn: (tx: TxHandle) => Promise<T>): Promise<T> {
    return this.writer.enqueue(async (s) => {
      let open = true;
      const guard = (): Statements => {
        if (!open) throw new Error('transaction handle used after the transaction ended');
        return s;
      };
      const tx: TxHandle = {
        run: async (sql, params) => guard().run(sql, params),
        get: async <R>(sql: string, params?: SqlParams) => guard().get<R>(sql, params),
        all: async <R>(sql: string, params?: SqlParams) => guard().all<R>(sql, params),
        exec: async (sql) => guard().exec(sql),
        runMany: async (sql, rows) => guard().runMany(sql, rows),
      };
      await s.exec('BEGIN IMMEDIATE');
      try {
        const value = await this.inTx.run(true, () => fn(tx));
        open = false;
        await s.exec('COMMIT');
        return value;
      } catch (err) {
        open = false;
        // SQLite may already have rolled back (e.g. on SQLITE_FULL); a second ROLLBACK then fails harmlessly.
        await s.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /** Waits for queued work, then closes both connections; the writer last, so it checkpoints the WAL. */
  async close(): Promise<void> {
    const reader = this.reader.close();
    await reader.catch(() => undefined);
    await Promise.all([reader, this.writer.close()]);
  }
}

/** Opens one connection and keys it; a key that does not decrypt the file is KeystoreKeyError. */
async function openKeyed(path: string, mode: number, pragma: string): Promise<Raw> {
  const raw = await openRaw(path, mode);
  try {
    await rawExec(raw, 'PRAGMA cipher_log_level = NONE');
    await rawExec(raw, pragma).catch(() => {
      throw new Error(`could not key keystore ${path}`);
    });
    // A wrong key only shows at the first read (SQLITE_NOTADB), so read before any write.
    try {
      await rawGet(raw, 'SELECT count(*) AS n FROM sqlite_master');
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_NOTADB') throw new KeystoreKeyError(path);
      throw err;
    }
    raw.configure('busyTimeout', 5000);
    return raw;
  } catch (err) {
    await closeRaw(raw).catch(() => undefined);
    throw err;
  }
}

/**
 * Opens (or creates, when `path` is missing) an encrypted keystore database: the writer, then
 * the read-only reader on the same file and key.
 * An existing file that the key does not decrypt raises `KeystoreKeyError` and is left untouched.
 */
export async function openDatabase(opts: { path: string; key: KeystoreKey }): Promise<Database> {
  const pragma = keyPragma(opts.key);
  const exists = existsSync(opts.path);
  // Created 0600 up front: SQLite would use the umask (often 0644), and it gives the -wal and
  // -shm files the database file's mode.
  if (!exists) closeSync(openSync(opts.path, 'wx', 0o600));
  // Without OPEN_CREATE an existing keystore can never be replaced by a fresh one.
  const writer = await openKeyed(opts.path, sqlite3.OPEN_READWRITE, pragma);
  let reader: Raw;
  try {
    await rawGet(writer, 'PRAGMA journal_mode = WAL');
    // FULL: every acknowledged commit is on disk before COMMIT returns (SPEC §10, kill -9).
    await rawExec(writer, 'PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON');
    // Opened after WAL is on, so the reader shares the writer's -wal and -shm files.
    reader = await openKeyed(opts.path, sqlite3.OPEN_READONLY, pragma);
  } catch (err) {
    await closeRaw(writer).catch(() => undefined);
    throw err;
  }
  return new Database(writer, reader, opts.path);
}
