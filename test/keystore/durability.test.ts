import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openKeystore } from '../../src/keystore/index.ts';
import { tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const fixture = fileURLToPath(new URL('./fixtures/ack-writer.ts', import.meta.url));

describe('durability', () => {
  it('keeps every acknowledged write after kill -9', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const acked = await new Promise<number>((resolve, reject) => {
      let buf = '';
      let last = 0;
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        for (const m of buf.matchAll(/ACK (\d+)\n/g)) last = Math.max(last, Number(m[1]));
        if (last >= 25 && child.exitCode === null) child.kill('SIGKILL');
      });
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(last) : reject(new Error(`fixture exited ${code}: ${stderr}`))));
    });
    expect(acked).toBeGreaterThanOrEqual(25);

    const ks = await openKeystore({ datadir: dir });
    const rows = await ks.db.all<{ method: string }>('SELECT method FROM audit_log ORDER BY id');
    await ks.close();
    const methods = new Set(rows.map((r) => r.method));
    for (let n = 1; n <= acked; n++) expect(methods.has(`ack-${n}`)).toBe(true);
  });
});
