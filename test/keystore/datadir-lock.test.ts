import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock } from '../../src/keystore/datadir-lock.ts';
import { tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe('datadir lock', () => {
  it('holds our pid, refuses a second acquire while held, and frees on release', async () => {
    const lock = await acquireDataDirLock(dir);
    const lockPath = join(dir, 'walletd.lock');
    expect(readFileSync(lockPath, 'utf8').trim()).toBe(String(process.pid));
    await expect(acquireDataDirLock(dir)).rejects.toThrow(`another walletd (pid ${process.pid}) is using ${dir}`);
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
    const again = await acquireDataDirLock(dir);
    await again.release();
  });

  it('refuses a lock held by another live process', async () => {
    // pid 1 is always alive.
    writeFileSync(join(dir, 'walletd.lock'), '1\n');
    await expect(acquireDataDirLock(dir)).rejects.toThrow(/pid 1\)/);
  });

  it('takes over a stale lock left by a dead process', async () => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    expect(deadPid).toBeGreaterThan(0);
    writeFileSync(join(dir, 'walletd.lock'), `${deadPid}\n`);
    const lock = await acquireDataDirLock(dir);
    expect(readFileSync(join(dir, 'walletd.lock'), 'utf8').trim()).toBe(String(process.pid));
    await lock.release();
  });

  it('takes over a lock naming our own pid that this process does not hold (pid reuse)', async () => {
    writeFileSync(join(dir, 'walletd.lock'), `${process.pid}\n`);
    const lock = await acquireDataDirLock(dir);
    await lock.release();
    expect(existsSync(join(dir, 'walletd.lock'))).toBe(false);
  });
});
