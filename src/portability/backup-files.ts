/**
 * Backup files on disk: the atomic write (temp file in the same directory, fsync, rename,
 * fsync of the directory), timestamped names, and rotation that keeps the newest N.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { writeFileAtomic, type BeforeRename } from '../keystore/atomic-file.ts';

export type { BeforeRename } from '../keystore/atomic-file.ts';
import { join } from 'node:path';

/** Extension of backup files. */
export const BACKUP_EXT = '.wdb';
const FINAL_RE = /^walletd-backup-\d{8}T\d{9}Z\.wdb$/;
const TEMP_RE = /^\.walletd-backup-.*\.tmp$/;
/** Temp files older than this are leftovers of a killed writer and are removed. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/** `walletd-backup-YYYYMMDDTHHMMSSmmmZ.wdb` for a unix-ms time (UTC, sortable by name). */
export function backupFileName(at: number): string {
  const iso = new Date(at).toISOString(); // 2030-01-01T00:00:00.000Z
  return `walletd-backup-${iso.replace(/[-:.]/g, '')}${BACKUP_EXT}`;
}

/**
 * Writes `data` under `dir/name` so that the final name only ever holds a complete file: a crash
 * at any moment leaves either nothing or a hidden `.tmp` file under that name.
 */
export async function writeAtomic(dir: string, name: string, data: Uint8Array | string, beforeRename?: BeforeRename): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const finalPath = join(dir, name);
  await writeFileAtomic(finalPath, data, 0o600, beforeRename);
  return finalPath;
}

/** Backup files in `dir`, oldest first. */
export async function listBackups(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => FINAL_RE.test(n)).sort();
}

/** Deletes all but the newest `keep` backups and stale temp files; returns the deleted names. */
export async function rotateBackups(dir: string, keep: number, now: number): Promise<string[]> {
  const all = await listBackups(dir);
  const doomed = all.slice(0, Math.max(0, all.length - keep));
  for (const name of doomed) await rm(join(dir, name), { force: true });
  for (const name of await readdir(dir)) {
    if (!TEMP_RE.test(name)) continue;
    const info = await stat(join(dir, name)).catch(() => null);
    if (info && now - info.mtimeMs > STALE_TEMP_MS) await rm(join(dir, name), { force: true });
  }
  return doomed;
}

/** The unix-ms time a backup file name encodes. */
function timeOfName(name: string): number {
  const m = /^walletd-backup-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(name)!;
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

/**
 * A free backup name at or after `at`, and after every existing backup: rotation keeps the
 * newest by name, so a clock stepped back must not name the new file older than the last one
 * (it would be the one rotated away).
 */
export async function freeBackupName(dir: string, at: number): Promise<string> {
  const newest = (await listBackups(dir)).at(-1);
  const t = newest !== undefined && backupFileName(at) <= newest ? timeOfName(newest) + 1 : at;
  return backupFileName(t);
}
