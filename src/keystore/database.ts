/**
 * One SQLCipher connection behind one queue.
 *
 * @journeyapps/sqlcipher is asynchronous over a single connection: two `BEGIN … COMMIT`s that
 * await in between would interleave their statements. Every statement and every transaction
 * therefore goes through one promise-chain mutex, and a transaction holds it from BEGIN to
 * COMMIT/ROLLBACK (STYLE.md "Pitfalls").
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { closeSync, existsSync, openSync } from 'node:fs';
import sqlite3 from '@journeyapps/sqlcipher';
import type { RunResult as RawRunResult, Statement } from '@journeyapps/sqlcipher';

/** The keystore's encryption key: a passphrase (runs SQLCipher's KDF) or a raw 256-bit key in hex. */
export type KeystoreKey = { kind: 'passphrase'; passphrase: string } | { kind: 'raw'; hex: string };

/** A value SQLite can bind. Bigints must be safe integers; Uint8Arrays become blobs. */
export type SqlValue = string | number | bigint | null | Uint8Array;

/** Positional (`?`) or named (`$name`) parameters. */
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

/** What a write statement reports. */
export interface RunResult {
  changes: number;
  lastID: number;
}

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

type Raw = InstanceType<typeof sqlite3.Database>;

function bindValue(v: SqlValue): string | number | null | Buffer {
  if (typeof v === 'bigint') {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new RangeError('integer out of the safe range for SQLite binding');
    return n;
  }
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return v;
}

function bind(params: SqlParams | undefined): unknown[] | Record<string, unknown> {
  if (params === undefined) return [];
  if (Array.isArray(params)) return (params as readonly SqlValue[]).map(bindValue);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params as Record<string, SqlValue>)) out[k] = bindValue(v);
  return out;
}

function rawRun(db: Raw, sql: string, params?: SqlParams): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    db.run(sql, bind(params), function (this: RawRunResult, err: Error | null) {
      if (err) reject(err);
      else resolve({ changes: this.changes, lastID: this.lastID });
    });
  });
}

function rawGet<T>(db: Raw, sql: string, params?: SqlParams): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    db.get(sql, bind(params), (err: Error | null, row: T | undefined) => (err ? reject(err) : resolve(row)));
  });
}

function rawAll<T>(db: Raw, sql: string, params?: SqlParams): Promise<T[]> {
  return new Promise((resolve, reject) => {
    db.all(sql, bind(params), (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows)));
  });
}

function rawExec(db: Raw, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (err: Error | null) => (err ? reject(err) : resolve())));
}

async function rawRunMany(db: Raw, sql: string, rows: readonly SqlParams[]): Promise<number> {
  if (rows.length === 0) return 0;
  const stmt = await new Promise<Statement>((resolve, reject) => {
    const s = db.prepare(sql, (err: Error | null) => (err ? reject(err) : resolve(s)));
  });
  try {
    // node-sqlite3 runs one statement's operations in order, so they can all be queued at once.
    const results = await Promise.all(
      rows.map(
        (p) =>
          new Promise<number>((resolve, reject) => {
            stmt.run(bind(p), function (this: RawRunResult, err: Error | null) {
              if (err) reject(err);
              else resolve(this.changes);
            });
          }),
      ),
    );
    return results.reduce((a, b) => a + b, 0);
  } finally {
    await new Promise<void>((resolve) => stmt.finalize(() => resolve()));
  }
}

function openRaw(path: string, mode: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const db: Raw = new sqlite3.Database(path, mode, (err: Error | null) => (err ? reject(err) : resolve(db)));
  });
}

function closeRaw(db: Raw): Promise<void> {
  return new Promise((resolve, reject) => db.close((err: Error | null) => (err ? reject(err) : resolve())));
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
  private raw: Raw | null;
  private tail: Promise<unknown> = Promise.resolve();
  // Marks code running inside one of this connection's transactions, to catch a deadlock early.
  private readonly inTx = new AsyncLocalStorage<boolean>();

  /** @internal Use `openDatabase`. */
  constructor(raw: Raw, path: string) {
    this.raw = raw;
    this.path = path;
  }

  private conn(): Raw {
    if (!this.raw) throw new Error(`keystore ${this.path} is closed`);
    return this.raw;
  }

  private enqueue<T>(fn: (db: Raw) => Promise<T>): Promise<T> {
    if (this.inTx.getStore()) {
      // Waiting on the queue from inside a transaction would wait on ourselves forever.
      return Promise.reject(new Error('statement issued on the Database inside a transaction: use the tx handle'));
    }
    const result = this.tail.then(() => fn(this.conn()));
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Runs a write statement. */
  run(sql: string, params?: SqlParams): Promise<RunResult> {
    return this.enqueue((db) => rawRun(db, sql, params));
  }

  /** First row of a query, or undefined. */
  get<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.enqueue((db) => rawGet<T>(db, sql, params));
  }

  /** Every row of a query. */
  all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.enqueue((db) => rawAll<T>(db, sql, params));
  }

  /** Runs one or more statements without parameters. */
  exec(sql: string): Promise<void> {
    return this.enqueue((db) => rawExec(db, sql));
  }

  /**
   * Runs `fn` inside `BEGIN IMMEDIATE … COMMIT`, holding the queue throughout so no other
   * statement interleaves; rolls back and rethrows when `fn` throws.
   */
  transaction<T>(fn: (tx: TxHandle) => Promise<T>): Promise<T> {
    return this.enqueue(async (db) => {
      let open = true;
      const guard = (): Raw => {
        if (!open) throw new Error('transaction handle used after the transaction ended');
        return db;
      };
      const tx: TxHandle = {
        run: async (sql, params) => rawRun(guard(), sql, params),
        get: async <R>(sql: string, params?: SqlParams) => rawGet<R>(guard(), sql, params),
        all: async <R>(sql: string, params?: SqlParams) => rawAll<R>(guard(), sql, params),
        exec: async (sql) => rawExec(guard(), sql),
        runMany: async (sql, rows) => rawRunMany(guard(), sql, rows),
      };
      await rawExec(db, 'BEGIN IMMEDIATE');
      try {
        const value = await this.inTx.run(true, () => fn(tx));
        open = false;
        await rawExec(db, 'COMMIT');
        return value;
      } catch (err) {
        open = false;
        // SQLite may already have rolled back (e.g. on SQLITE_FULL); a second ROLLBACK then fails harmlessly.
        await rawExec(db, 'ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /** Waits for queued work, then closes the connection (SQLite checkpoints the WAL). */
  close(): Promise<void> {
    return this.enqueue(async (db) => {
      this.raw = null;
      await closeRaw(db);
    });
  }
}

/**
 * Opens (or creates, when `path` is missing) an encrypted keystore database.
 * An existing file that the key does not decrypt raises `KeystoreKeyError` and is left untouched.
 */
export async function openDatabase(opts: { path: string; key: KeystoreKey }): Promise<Database> {
  const pragma = keyPragma(opts.key);
  const exists = existsSync(opts.path);
  // Created 0600 up front: SQLite would use the umask (often 0644), and it gives the -wal and
  // -shm files the database file's mode.
  if (!exists) closeSync(openSync(opts.path, 'wx', 0o600));
  // Without OPEN_CREATE an existing keystore can never be replaced by a fresh one.
  const mode = sqlite3.OPEN_READWRITE;
  const raw = await openRaw(opts.path, mode);
  try {
    await rawExec(raw, 'PRAGMA cipher_log_level = NONE');
    await rawExec(raw, pragma).catch(() => {
      throw new Error(`could not key keystore ${opts.path}`);
    });
    // A wrong key only shows at the first read (SQLITE_NOTADB), so read before any write.
    try {
      await rawGet(raw, 'SELECT count(*) AS n FROM sqlite_master');
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_NOTADB') throw new KeystoreKeyError(opts.path);
      throw err;
    }
    raw.configure('busyTimeout', 5000);
    await rawGet(raw, 'PRAGMA journal_mode = WAL');
    // FULL: every acknowledged commit is on disk before COMMIT returns (SPEC §10, kill -9).
    await rawExec(raw, 'PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON');
  } catch (err) {
    await closeRaw(raw).catch(() => undefined);
    throw err;
  }
  return new Database(raw, opts.path);
}
