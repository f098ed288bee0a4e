/**
 * Atomic file replacement for everything walletd writes outside SQLite (keystore.key,
 * admin.token, backups): a crash at any moment leaves the old file, the new one, or a hidden
 * temp file, never a partial file under the final name.
 */
import { randomBytes } from 'node:crypto';
import { chmod, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Test hook: runs after the temp file is written and synced, before the rename. */
export type BeforeRename = (tempPath: string) => Promise<void> | void;

/** Writes `data` to `path` with `mode`: temp file in the same directory, fsync, rename, fsync of the directory. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode: number,
  beforeRename?: BeforeRename,
): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    // The umask may have narrowed the mode; it can never have widened it.
    await chmod(tmp, mode);
    await beforeRename?.(tmp);
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    await fh.close();
  }
}
