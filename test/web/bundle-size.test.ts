/**
 * The README's "Build a UI" states the UI's bundle size (issue 17); this keeps the figure true
 * within 1 KB, from a fresh build of the current sources (sizes are bytes, not timings).
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildUi } from './browser.ts';

describe('web UI bundle', () => {
  it('is as large as the README says, raw and gzip', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'walletd-web-size-'));
    try {
      buildUi(dir);
      expect((await readdir(dir)).sort()).toEqual(['app.css', 'app.js', 'index.html']);
      const files = await Promise.all(['app.js', 'app.css', 'index.html'].map((f) => readFile(join(dir, f))));
      const raw = files.reduce((n, b) => n + b.length, 0) / 1024;
      const gzip = files.reduce((n, b) => n + gzipSync(b).length, 0) / 1024;
      const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
      const stated = /\*\*Bundle size: ([\d.]+) KB raw,\s+([\d.]+) KB gzip\*\*/.exec(readme);
      expect(stated, 'README states "**Bundle size: N KB raw, M KB gzip**"').not.toBeNull();
      expect(Math.abs(Number(stated![1]) - raw)).toBeLessThan(1);
      expect(Math.abs(Number(stated![2]) - gzip)).toBeLessThan(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
