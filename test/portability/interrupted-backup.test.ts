/** SPEC §10 / issue 5: a backup killed mid-write leaves nothing under its final name. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupFileName, listBackups, rotateBackups } from '../../src/portability/backup-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'walletd-killed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('interrupted backup', () => {
  it('kill -9 between write and rename leaves only a hidden temp file, which rotation later removes', async () => {
    const name = backupFileName(Date.UTC(2030, 0, 1));
    const fixture = join(import.meta.dirname, 'fixtures', 'killed-backup-writer.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir, name, '32'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('WRITTEN')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`writer exited early (${code})`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const names = readdirSync(dir);
    expect(names).not.toContain(name);
    expect(await listBackups(dir)).toEqual([]);
    expect(names.filter((n) => n.endsWith('.tmp'))).toHaveLength(1);
    // A later backup run sweeps temp files older than an hour.
    await rotateBackups(dir, 5, Date.now() + 2 * 3_600_000);
    expect(readdirSync(dir)).toEqual([]);
  });
});
