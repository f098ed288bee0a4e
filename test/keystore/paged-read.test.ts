/** Large reads in pages: the same rows, in order, as one read would give, whatever the page size. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/keystore/database.ts';
import { allByOutpoint, chunks, READ_PAGE_ROWS } from '../../src/keystore/paged-read.ts';
import { rawKey, tempDir } from './helpers.ts';

const N = READ_PAGE_ROWS * 2 + 345;
const SQL = 'SELECT txid, vout, n FROM t WHERE grp = ? AND (txid, vout) > (?, ?) ORDER BY txid, vout LIMIT ?';
let db: Database;
let cleanup: () => void;

beforeAll(async () => {
  let dir: string;
  ({ dir, cleanup } = tempDir());
  db = await openDatabase({ path: join(dir, 'k.db'), key: rawKey() });
  await db.exec('CREATE TABLE t (grp TEXT, txid TEXT, vout INTEGER, n INTEGER, PRIMARY KEY (grp, txid, vout))');
  await db.transaction(async (tx) => {
    // Three outputs per txid, so pages end inside a txid as well as between them.
    for (let n = 0; n < N; n++) await tx.run('INSERT INTO t VALUES (?, ?, ?, ?)', ['a', `tx${String(Math.floor(n / 3)).padStart(6, '0')}`, n % 3, n]);
    await tx.run('INSERT INTO t VALUES (?, ?, ?, ?)', ['b', 'tx000000', 0, -1]);
  });
});
afterAll(async () => {
  await db.close();
  cleanup();
});

describe('allByOutpoint', () => {
  it('reads every row of a result larger than a page, in outpoint order, once each', async () => {
    const rows = await allByOutpoint<{ txid: string; vout: number; n: number }>(db, SQL, ['a']);
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it('stops at the limit and resumes after a given outpoint', async () => {
    const first = await allByOutpoint<{ txid: string; vout: number; n: number }>(db, SQL, ['a'], READ_PAGE_ROWS + 1);
    expect(first).toHaveLength(READ_PAGE_ROWS + 1);
    const last = first.at(-1)!;
    const rest = await allByOutpoint<{ txid: string; vout: number; n: number }>(db, SQL, ['a'], Infinity, [last.txid, last.vout]);
    expect([...first, ...rest].map((r) => r.n)).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it('chunks an IN-list without losing or repeating an item', () => {
    expect(chunks([1, 2, 3, 4, 5, 6, 7, 8, 9], 4)).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9]]);
    expect(chunks([], 4)).toEqual([]);
  });
});
