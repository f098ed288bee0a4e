/** Prepared statements are made once per SQL text, bounded, and finalized on close. */
import { join } from 'node:path';
import sqlite3 from '@journeyapps/sqlcipher';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/keystore/database.ts';
import { closeRaw, openRaw, Statements } from '../../src/keystore/sql-connection.ts';
import { rawKey, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
let db: Database;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  db = await openDatabase({ path: join(dir, 'keystore.db'), key: rawKey() });
  await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
});
afterEach(async () => {
  await db.close().catch(() => undefined);
  cleanup();
});

describe('statement cache', () => {
  it('prepares each distinct SQL text once across repeated run/get/all/runMany calls', async () => {
    const before = db.statementStats().prepared;
    for (let i = 0; i < 50; i++) {
      await db.run('INSERT INTO t (n) VALUES (?)', [i]);
      await db.get('SELECT n FROM t WHERE id = ?', [i + 1]);
      await db.all('SELECT n FROM t ORDER BY id');
    }
    await db.transaction((tx) => tx.runMany('INSERT INTO t (n) VALUES (?)', [[1], [2], [3]]));
    await db.transaction((tx) => tx.runMany('INSERT INTO t (n) VALUES (?)', [[4]]));
    // Three texts (the runMany INSERT is the same text as the run INSERT).
    expect(db.statementStats().prepared - before).toBe(3);
    expect(await db.get('SELECT count(*) AS c FROM t')).toEqual({ c: 54 });
  });

  it('get on a reused statement starts from the first row and sees later writes', async () => {
    await db.run('INSERT INTO t (n) VALUES (1), (2), (3)');
    const sql = 'SELECT n FROM t ORDER BY id';
    expect(await db.get(sql)).toEqual({ n: 1 });
    // Without a reset the cached statement would step on to the second row.
    expect(await db.get(sql)).toEqual({ n: 1 });
    await db.run('UPDATE t SET n = 10 WHERE n = 1');
    expect(await db.get(sql)).toEqual({ n: 10 });
  });

  it('does not keep a statement that fails to prepare', async () => {
    const before = db.statementStats().cached;
    await expect(db.get('SELECT nope FROM t')).rejects.toThrow();
    expect(db.statementStats().cached).toBe(before);
  });

  it('stays within its bound, finalizing what it evicts, and finalizes the rest on close', async () => {
    const raw = await openRaw(join(dir, 'plain.db'), sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE);
    const s = new Statements(raw, 4);
    for (let i = 0; i < 10; i++) expect(await s.get(`SELECT ${i} AS v`)).toEqual({ v: i });
    expect(s.cache.stats()).toMatchObject({ prepared: 10, cached: 4 });
    // Evicted statements are finalized in the background; close waits for what it holds.
    await s.cache.close();
    await new Promise((r) => setImmediate(r));
    expect(s.cache.stats()).toEqual({ prepared: 10, cached: 0, finalized: 10 });
    // A connection with unfinalized statements would refuse to close (SQLITE_BUSY).
    await closeRaw(raw);
  });
});
