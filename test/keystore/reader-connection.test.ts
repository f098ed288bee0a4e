/** Plain reads run on a read-only second connection: they never wait for the writer's queue. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/keystore/database.ts';
import { rawKey, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
let db: Database;
const count = async () => (await db.get<{ c: number }>('SELECT count(*) AS c FROM t'))!.c;

beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  db = await openDatabase({ path: join(dir, 'keystore.db'), key: rawKey() });
  await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
});
afterEach(async () => {
  await db.close().catch(() => undefined);
  cleanup();
});

describe('reader connection', () => {
  it('answers a read while a write transaction holds the writer, without its uncommitted rows', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const insertedYet = new Promise<void>((r) => (inserted = r));
    const tx = db.transaction(async (h) => {
      await h.run('INSERT INTO t (n) VALUES (1)');
      inserted();
      await gate;
    }).then(() => order.push('tx'));
    // A queued write, too: the read must not wait for it either.
    const write = db.run('INSERT INTO t (n) VALUES (2)').then(() => order.push('write'));
    await insertedYet;
    // If reads queued behind the writer, only this fallback would release the gate, and 'read'
    // would come after 'tx'. The fallback only keeps a broken build from hanging.
    const fallback = setTimeout(release, 3000);
    const seen = await count();
    order.push('read');
    release();
    clearTimeout(fallback);
    await Promise.all([tx, write]);
    expect(order).toEqual(['read', 'tx', 'write']);
    expect(seen).toBe(0);
    // Read-your-writes: once the commits have returned, the reader sees them.
    expect(await count()).toBe(2);
  });

  it('sees each committed write at once, and nothing of a rolled-back transaction', async () => {
    for (let i = 1; i <= 20; i++) {
      await db.run('INSERT INTO t (n) VALUES (?)', [i]);
      expect(await db.get('SELECT max(n) AS m FROM t')).toEqual({ m: i });
    }
    await expect(
      db.transaction(async (h) => {
        await h.run('INSERT INTO t (n) VALUES (99)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.get('SELECT max(n) AS m FROM t')).toEqual({ m: 20 });
  });

  it('sees a write made with RETURNING through run(), whose statement would otherwise stay open', async () => {
    for (let i = 1; i <= 3; i++) {
      await db.run('INSERT INTO t (n) VALUES (?) RETURNING id', [i]);
      expect(await count()).toBe(i);
    }
    await db.transaction((h) => h.run('INSERT INTO t (n) VALUES (4) RETURNING id'));
    expect(await count()).toBe(4);
  });

  it('is read-only: a write sent down the read path fails', async () => {
    await expect(db.all('INSERT INTO t (n) VALUES (5) RETURNING id')).rejects.toMatchObject({ code: 'SQLITE_READONLY' });
    expect(await count()).toBe(0);
  });

  it('close() closes both connections: the WAL is checkpointed away and reads fail', async () => {
    await db.run('INSERT INTO t (n) VALUES (1)');
    expect(await count()).toBe(1);
    const path = join(dir, 'keystore.db');
    expect(existsSync(`${path}-wal`)).toBe(true);
    await db.close();
    // SQLite removes the WAL only when its last connection closes.
    expect(existsSync(`${path}-wal`)).toBe(false);
    await expect(db.get('SELECT 1')).rejects.toThrow(/closed/);
    await expect(db.run('INSERT INTO t (n) VALUES (2)')).rejects.toThrow(/closed/);
  });
});
