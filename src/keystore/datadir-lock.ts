/**
 * One daemon per data dir: an exclusive `walletd.lock` holding the owner's pid. A lock left by
 * a dead process (kill -9) is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** File name of the lock inside the data dir. */
export const LOCK_FILE_NAME = 'walletd.lock';

/** A held data-dir lock. */
export interface DataDirLock {
  /** Path of the lock file. */
  path: string;
  /** Removes the lock file if it is still ours. */
  release(): Promise<void>;
}

// Locks held by this process: a lock file naming our own pid but absent here is stale (pid reuse,
// e.g. pid 1 in a restarted container).
const held = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(path: string): Promise<number | null> {
  try {
    const pid = Number((await readFile(path, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Takes the data dir's lock, or throws naming the live walletd that holds it. */
export async function acquireDataDirLock(datadir: string): Promise<DataDirLock> {
  const path = resolve(join(datadir, LOCK_FILE_NAME));
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      // O_EXCL: exactly one creator wins.
      const fh = await open(path, 'wx', 0o600);
      try {
        await fh.writeFile(`${process.pid}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      held.add(path);
      return { path, release: () => release(path) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let pid = await readPid(path);
    if (pid === null) {
      // Another process may have just created the file and not yet written its pid.
      await new Promise((r) => setTimeout(r, 100));
      pid = await readPid(path);
    }
    const ours = pid === process.pid;
    if (pid !== null && ((ours && held.has(path)) || (!ours && isAlive(pid)))) {
      throw new Error(`another walletd (pid ${pid}) is using ${datadir}`);
    }
    // Stale, or an unreadable/half-written file from a crash: remove it and try again.
    await rm(path, { force: true });
  }
  throw new Error(`could not take the lock ${path}`);
}

async function release(path: string): Promise<void> {
  if (!held.delete(path)) return;
  if ((await readPid(path)) === process.pid) await rm(path, { force: true });
}
