/**
 * One raw SQLCipher connection behind one promise-chain queue, with its prepared statements
 * cached by SQL text. `Database` owns two of these: the writer and a read-only reader.
 *
 * Why a cache: preparing a statement parses and plans it, and was about a quarter of the main
 * thread's time on a `get_balance`. The cache is an LRU bounded by `maxStatements`; an evicted
 * statement is finalized once no caller still holds it, and `close()` finalizes every one.
 */
import type { AsyncLocalStorage } from 'node:async_hooks';
import sqlite3 from '@journeyapps/sqlcipher';
import type { RunResult as RawRunResult, Statement } from '@journeyapps/sqlcipher';

/** A value SQLite can bind. Bigints must be safe integers; Uint8Arrays become blobs. */
export type SqlValue = string | number | bigint | null | Uint8Array;

/** Positional (`?`) or named (`$name`) parameters. */
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

/** What a write statement reports. */
export interface RunResult {
  changes: number;
  lastID: number;
}

/** The raw node-sqlite3 connection type. */
export type Raw = InstanceType<typeof sqlite3.Database>;

/** Prepared-statement counters of one connection, for tests and benchmarks. */
export interface StatementStats {
  /** Statements prepared since the connection opened (a cache miss each). */
  prepared: number;
  /** Statements held in the cache now. */
  cached: number;
  /** Statements finalized (evicted or closed). */
  finalized: number;
}

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

/** Runs one or more parameterless statements (not cached: exec takes a script). */
export function rawExec(db: Raw, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (err: Error | null) => (err ? reject(err) : resolve())));
}

/** A one-off query outside the cache, for the checks run while a connection opens. */
export function rawGet<T>(db: Raw, sql: string): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    db.get(sql, [], (err: Error | null, row: T | undefined) => (err ? reject(err) : resolve(row)));
  });
}

/** Opens a raw connection with node-sqlite3 open flags. */
export function openRaw(path: string, mode: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const db: Raw = new sqlite3.Database(path, mode, (err: Error | null) => (err ? reject(err) : resolve(db)));
  });
}

/** Closes a raw connection. */
export function closeRaw(db: Raw): Promise<void> {
  return new Promise((resolve, reject) => db.close((err: Error | null) => (err ? reject(err) : resolve())));
}

interface Entry {
  stmt: Promise<Statement>;
  users: number;
  evicted: boolean;
}

/** Statements of one connection, prepared once per SQL text. */
export class StatementCache {
  private readonly entries = new Map<string, Entry>();
  private readonly counts = { prepared: 0, finalized: 0 };

  constructor(private readonly db: Raw, private readonly maxStatements = 256) {}

  /** Counters for tests and benchmarks. */
  stats(): StatementStats {
    return { ...this.counts, cached: this.entries.size };
  }

  /** Runs `fn` with the statement for `sql`, preparing it on first use; the statement is not finalized under `fn`. */
  async with<T>(sql: string, fn: (stmt: Statement) => Promise<T>): Promise<T> {
    let entry = this.entries.get(sql);
    if (entry) {
      // Re-insert: Map order is the LRU order.
      this.entries.delete(sql);
      this.entries.set(sql, entry);
    } else {
      entry = { stmt: this.prepare(sql), users: 0, evicted: false };
      this.entries.set(sql, entry);
      this.evictOverflow();
    }
    entry.users += 1;
    try {
      const stmt = await entry.stmt.catch((err: unknown) => {
        // A statement that does not prepare (bad SQL) is not kept.
        if (this.entries.get(sql) === entry) this.entries.delete(sql);
        throw err;
      });
      return await fn(stmt);
    } finally {
      entry.users -= 1;
      if (entry.evicted && entry.users === 0) this.finalize(entry);
    }
  }

  /** Finalizes every statement; callers must have finished (the connection's queue ensures it). */
  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => this.finalize(e)));
  }

  private prepare(sql: string): Promise<Statement> {
    this.counts.prepared += 1;
    return new Promise<Statement>((resolve, reject) => {
      const s = this.db.prepare(sql, (err: Error | null) => (err ? reject(err) : resolve(s)));
    });
  }

  private evictOverflow(): void {
    for (const [sql, entry] of this.entries) {
      if (this.entries.size <= this.maxStatements) break;
      this.entries.delete(sql);
      entry.evicted = true;
      if (entry.users === 0) void this.finalize(entry);
    }
  }

  private async finalize(entry: Entry): Promise<void> {
    const stmt = await entry.stmt.catch(() => null);
    if (!stmt) return;
    this.counts.finalized += 1;
    await new Promise<void>((resolve) => stmt.finalize(() => resolve()));
  }
}

function stmtRun(stmt: Statement, params: SqlParams | undefined): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    stmt.run(bind(params), function (this: RawRunResult, err: Error | null) {
      if (err) reject(err);
      else resolve({ changes: this.changes, lastID: this.lastID });
    });
  });
}

/** Resets a statement so it holds no open row: a statement stopped at a row keeps its snapshot (and, for `RETURNING`, its write) open. */
function stmtReset(stmt: Statement): Promise<void> {
  return new Promise((resolve) => stmt.reset(() => resolve()));
}

function stmtGet<T>(stmt: Statement, params: SqlParams | undefined): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    let row: T | undefined;
    let failure: Error | null = null;
    stmt.get(bind(params), (err: Error | null, r?: T) => {
      failure = err;
      row = r;
    });
    // A statement stopped at a row keeps its read snapshot open: reset it before answering, so
    // the next read on this connection starts a fresh snapshot (read-your-writes).
    stmt.reset(() => (failure ? reject(failure) : resolve(row)));
  });
}

function stmtAll<T>(stmt: Statement, params: SqlParams | undefined): Promise<T[]> {
  return new Promise((resolve, reject) => {
    stmt.all(bind(params), (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows)));
  });
}

/** Statement operations over one raw connection, through its cache. */
export class Statements {
  readonly cache: StatementCache;

  constructor(private readonly db: Raw, maxStatements?: number) {
    this.cache = new StatementCache(db, maxStatements);
  }

  run(sql: string, params?: SqlParams): Promise<RunResult> {
    return this.cache.with(sql, async (s) => {
      try {
        return await stmtRun(s, params);
      } finally {
        // An `INSERT … RETURNING` stops at its first row; unreset, it would keep its transaction open.
        await stmtReset(s);
      }
    });
  }

  get<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.cache.with(sql, (s) => stmtGet<T>(s, params));
  }

  all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.cache.with(sql, (s) => stmtAll<T>(s, params));
  }

  exec(sql: string): Promise<void> {
    return rawExec(this.db, sql);
  }

  /** One cached statement run once per parameter set. */
  runMany(sql: string, rows: readonly SqlParams[]): Promise<number> {
    if (rows.length === 0) return Promise.resolve(0);
    return this.cache.with(sql, async (stmt) => {
      // node-sqlite3 runs one statement's operations in order, so they can all be queued at once.
      const results = await Promise.all(rows.map((p) => stmtRun(stmt, p).then((r) => r.changes))).finally(() => stmtReset(stmt));
      return results.reduce((a, b) => a + b, 0);
    });
  }
}

/** One connection, its statements, and the queue that serializes its work. */
export class Connection {
  private raw: Raw | null;
  readonly statements: Statements;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(raw: Raw, private readonly path: string, private readonly inTx: AsyncLocalStorage<boolean>) {
    this.raw = raw;
    this.statements = new Statements(raw);
  }

  /** Queues `fn`; it runs once everything queued before it has settled. */
  enqueue<T>(fn: (s: Statements, raw: Raw) => Promise<T>): Promise<T> {
    if (this.inTx.getStore()) {
      // Waiting on the queue from inside a transaction would wait on ourselves forever.
      return Promise.reject(new Error('statement issued on the Database inside a transaction: use the tx handle'));
    }
    const result = this.tail.then(() => {
      if (!this.raw) throw new Error(`keystore ${this.path} is closed`);
      return fn(this.statements, this.raw);
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Waits for queued work, finalizes the cached statements and closes the connection. */
  close(): Promise<void> {
    return this.enqueue(async (s, raw) => {
      this.raw = null;
      await s.cache.close();
      await closeRaw(raw);
    });
  }
}
