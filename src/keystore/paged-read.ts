/**
 * Large reads in bounded pages. The SQLite addon builds a whole result set in native memory
 * before handing it to JavaScript, and glibc keeps what was freed in its per-thread arenas: one
 * read of 100k coin rows left ~50 MiB of resident memory behind, for good (bench/results/
 * profile-memory.md). Reading in pages keeps that peak, and so the daemon's RSS, bounded by the
 * page instead of the wallet.
 */
import type { Database, SqlValue } from './database.ts';

/** Rows per page of a large read. */
export const READ_PAGE_ROWS = 2000;

/**
 * Runs `sql` page by page in (txid, vout) order. `sql` must end with
 * `(txid, vout) > (?, ?) ORDER BY txid, vout LIMIT ?` over an index in that order (the primary
 * key), and `params` are the parameters before those three. Stops after `limit` rows.
 */
export async function allByOutpoint<R extends { txid: string; vout: number }>(
  db: Pick<Database, 'all'>,
  sql: string,
  params: readonly SqlValue[],
  limit: number = Number.POSITIVE_INFINITY,
  after: [string, number] = ['', -1],
): Promise<R[]> {
  const out: R[] = [];
  let key = after;
  while (out.length < limit) {
    const want = Math.min(READ_PAGE_ROWS, limit - out.length);
    const page = await db.all<R>(sql, [...params, ...key, want]);
    out.push(...page);
    if (page.length < want) break;
    const last = page[page.length - 1]!;
    key = [last.txid, last.vout];
  }
  return out;
}

/** Splits `items` into chunks of `size`, for IN-lists whose rows could be many per item. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
