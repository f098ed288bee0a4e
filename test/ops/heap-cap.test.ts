/**
 * The daemon's V8 heap cap (issue 11's RSS target): every launcher starts node with the flags of
 * bin/walletd.mjs's shebang, and a daemon started the way a user's PATH starts it, by executing
 * the bin, really runs with that limit.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DAEMON_NODE_FLAGS, shebangNodeFlags } from '../daemon/daemon-process.ts';
import { execForm, lastOf, REPO_ROOT, runtimeStage } from './dockerfile-parse.ts';

const BIN = join(REPO_ROOT, 'bin', 'walletd.mjs');
const HEAP_CAP_MIB = 1024;
const datadirs: string[] = [];

afterAll(() => {
  for (const d of datadirs) rmSync(d, { recursive: true, force: true });
});

describe('the heap cap', () => {
  it('the shebang runs node through `env -S` with --max-old-space-size', () => {
    expect(readFileSync(BIN, 'utf8').split('\n', 1)[0]).toBe(`#!/usr/bin/env -S node --max-old-space-size=${HEAP_CAP_MIB}`);
    expect(DAEMON_NODE_FLAGS).toEqual([`--max-old-space-size=${HEAP_CAP_MIB}`]);
    expect(shebangNodeFlags('#!/usr/bin/env node\n')).toEqual([]);
  });

  it('`npm start` and the image CMD pass the shebang flags', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`exec node ${DAEMON_NODE_FLAGS.join(' ')} bin/walletd.mjs`);
    expect(execForm(lastOf(runtimeStage(), 'CMD')!.args)).toEqual(['node', ...DAEMON_NODE_FLAGS, 'bin/walletd.mjs']);
  });

  it('a daemon started by executing the bin reports that heap limit in /metrics', async () => {
    const datadir = mkdtempSync(join(tmpdir(), 'walletd-heap-cap-'));
    datadirs.push(datadir);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WALLETD_')));
    const child = spawn(BIN, ['--datadir', datadir, '--rpc-port', '0', '--log-level', 'info'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          const http = /"http":"([^"]+)"/.exec(out)?.[1];
          if (http) resolve(http);
        });
        child.once('exit', (code) => reject(new Error(`walletd exited ${code} before listening`)));
      });
      const token = readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
      const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      const limitMiB = Number(/^nodejs_heap_size_limit_bytes (\d+)$/m.exec(text)?.[1]) / 2 ** 20;
      // heap_size_limit is the old space plus the young generation's semi-spaces.
      expect(limitMiB).toBeGreaterThanOrEqual(HEAP_CAP_MIB);
      expect(limitMiB).toBeLessThan(HEAP_CAP_MIB + 128);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 60_000);
});
