import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sqlite3 from '@journeyapps/sqlcipher';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeystoreKeyError, openDatabase, type Database } from '../../src/keystore/database.ts';
import { migrate, MIGRATIONS, schemaVersion } from '../../src/keystore/migrations.ts';
import { SqlWalletStore } from '../../src/keystore/sql-wallet-store.ts';
import { rawKey, tempDir, walletRecord } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function keystoreBytes(path: string): Buffer {
  const parts = [readFileSync(path)];
  if (existsSync(`${path}-wal`)) parts.push(readFileSync(`${path}-wal`));
  return Buffer.concat(parts);
}

describe('encryption at rest', () => {
  it('never writes a marker in plaintext, while the same marker is visible in an unkeyed control file', async () => {
    const marker = `PLAINTEXT-MARKER-${Date.now()}`;
    const path = join(dir, 'keystore.db');
    const db = await openDatabase({ path, key: rawKey() });
    await migrate(db);
    await new SqlWalletStore(db).insertWallet(walletRecord({ name: marker }), []);
    // While open, the row lives in the WAL: it must be encrypted there too.
    expect(keystoreBytes(path).includes(marker)).toBe(false);
    await db.close();
    expect(keystoreBytes(path).includes(marker)).toBe(false);

    // Control: the same library, no key, proves the byte search would find the marker.
    const plainPath = join(dir, 'plain.db');
    await new Promise<void>((resolve, reject) => {
      const plain = new sqlite3.Database(plainPath, (err) => {
        if (err) return reject(err);
        plain.exec(`CREATE TABLE t (name TEXT); INSERT INTO t VALUES ('${marker}');`, (e) =>
          e ? reject(e) : plain.close((c) => (c ? reject(c) : resolve())),
        );
      });
    });
    expect(keystoreBytes(plainPath).includes(marker)).toBe(true);
  });

  it('opens with a passphrase and reopens with the same passphrase', async () => {
    const path = join(dir, 'keystore.db');
    const key = { kind: 'passphrase', passphrase: "it's a secret" } as const;
    const db = await openDatabase({ path, key });
    await db.exec('CREATE TABLE t (x INTEGER)');
    await db.run('INSERT INTO t VALUES (?)', [42]);
    await db.close();
    const again = await openDatabase({ path, key });
    expect(await again.get<{ x: number }>('SELECT x FROM t')).toEqual({ x: 42 });
    await again.close();
  });
});

describe('wrong key', () => {
  it('is refused with KeystoreKeyError and leaves the file untouched', async () => {
    const path = join(dir, 'keystore.db');
    const good = rawKey();
    const db = await openDatabase({ path, key: good });
    await migrate(db);
    await db.close();
    const before = readFileSync(path);
    const mtime = statSync(path).mtimeMs;
    const files = readdirSync(dir).sort();

    const bad = rawKey();
    const err = await openDatabase({ path, key: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeystoreKeyError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).not.toContain(bad.kind === 'raw' ? bad.hex : '');
    const perr = await openDatabase({ path, key: { kind: 'passphrase', passphrase: 'hunter2-wrong' } }).catch(
      (e: unknown) => e,
    );
    expect(perr).toBeInstanceOf(KeystoreKeyError);
    expect((perr as Error).message).not.toContain('hunter2-wrong');

    expect(readFileSync(path).equals(before)).toBe(true);
    expect(statSync(path).mtimeMs).toBe(mtime);
    expect(readdirSync(dir).sort()).toEqual(files);
    // And the right key still opens it.
    const ok = await openDatabase({ path, key: good });
    expect(await schemaVersion(ok)).toBe(MIGRATIONS.length);
    await ok.close();
  });

  it('refuses an empty passphrase, which would disable encryption', async () => {
    await expect(openDatabase({ path: join(dir, 'k.db'), key: { kind: 'passphrase', passphrase: '' } })).rejects.toThrow();
    expect(existsSync(join(dir, 'k.db'))).toBe(false);
  });
});

describe('migrations', () => {
  it('apply once, in order, and re-open is idempotent', async () => {
    const path = join(dir, 'keystore.db');
    const key = rawKey();
    let db = await openDatabase({ path, key });
    expect(await schemaVersion(db)).toBe(0);
    expect(await migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrate(db)).toEqual([]);
    await db.close();
    db = await openDatabase({ path, key });
    expect(await migrate(db)).toEqual([]);
    const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
    expect(await schemaVersion(db)).toBe(latest);
    const tables = (await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")).map((t) => t.name);
    for (const t of ['wallets', 'addresses', 'wallet_txs', 'wallet_outputs', 'output_leases', 'sync_points',
      'idempotency', 'tokens', 'spend_ledger', 'events', 'audit_log', 'meta']) {
      expect(tables).toContain(t);
    }
    // An appended migration runs once, after the existing ones.
    const extra = [...MIGRATIONS, { version: latest + 1, description: 'test', up: ['CREATE TABLE extra (x)'] }];
    expect(await migrate(db, extra)).toEqual([latest + 1]);
    expect(await migrate(db, extra)).toEqual([]);
    // A failing migration rolls back entirely, version included.
    const broken = [...extra, { version: latest + 2, description: 'bad', up: ['CREATE TABLE y (x)', 'NOT SQL'] }];
    await expect(migrate(db, broken)).rejects.toThrow();
    expect(await schemaVersion(db)).toBe(latest + 1);
    expect(await db.get("SELECT name FROM sqlite_master WHERE name = 'y'")).toBeUndefined();
    // Older code refuses a newer schema.
    await expect(migrate(db, MIGRATIONS)).rejects.toThrow(/newer/);
    await db.close();
  });
});

describe('transactions', () => {
  let db: Database;
  beforeEach(async () => {
    db = await openDatabase({ path: join(dir, 'keystore.db'), key: rawKey() });
    await db.exec('CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO counter VALUES (1, 0)');
  });
  afterEach(async () => db.close());

  it('roll back when the body throws', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.run('UPDATE counter SET n = 99');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.get('SELECT n FROM counter')).toEqual({ n: 0 });
  });

  it('never interleave: 20 concurrent read-modify-write increments end at 20', async () => {
    const inc = () =>
      db.transaction(async (tx) => {
        const row = await tx.get<{ n: number }>('SELECT n FROM counter WHERE id = 1');
        await new Promise((r) => setTimeout(r, 1)); // yield so a broken queue would interleave
        await tx.run('UPDATE counter SET n = ? WHERE id = 1', [row!.n + 1]);
      });
    await Promise.all([...Array.from({ length: 20 }, inc), db.run('UPDATE counter SET n = n + 0')]);
    expect(await db.get('SELECT n FROM counter')).toEqual({ n: 20 });
  });

  it('refuse a Database call inside a transaction instead of deadlocking', async () => {
    await expect(db.transaction(async () => db.get('SELECT 1'))).rejects.toThrow(/tx handle/);
    // The queue is still usable afterwards.
    expect(await db.get('SELECT n FROM counter')).toEqual({ n: 0 });
  });

  it('runMany batches rows and reports changes', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => [i + 2, i]);
    expect(await db.transaction((tx) => tx.runMany('INSERT INTO counter (id, n) VALUES (?, ?)', rows))).toBe(500);
    expect(await db.get('SELECT count(*) AS c, sum(n) AS s FROM counter')).toEqual({ c: 501, s: (499 * 500) / 2 });
  });
});
