/**
 * Issue 12: tsx's compile cache (`tsx-<uid>` in the temp folder) can be pre-created and poisoned
 * by another local user, so the bins run with it off: nothing is read from or written to it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

describe('bins and the tsx compile cache', () => {
  it.each(['walletctl', 'walletd'])('%s --help leaves no tsx cache in the temp folder', (bin) => {
    const tmp = mkdtempSync(join(tmpdir(), 'walletd-tsx-'));
    try {
      execFileSync(process.execPath, [join(ROOT, 'bin', `${bin}.mjs`), '--help'], {
        env: { ...process.env, TMPDIR: tmp, TSX_DISABLE_CACHE: '' }, stdio: 'ignore',
      });
      expect(readdirSync(tmp).filter((f) => f.startsWith('tsx'))).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
