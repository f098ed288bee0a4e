/**
 * Issue 15 point 9: the README runs the daemon with `npm start --` (or `node bin/walletd.mjs`),
 * never `npx walletd`, and `npm start --` really stops the daemon on SIGTERM: the walletd process
 * shuts down cleanly (admin.token deleted) instead of being left running.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('README run commands', () => {
  it('never run the daemon through npx walletd', () => {
    const blocks = [...readme.matchAll(/```(?:sh|bash|console)?\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const lines = blocks.flatMap((b) => b.split('\n')).filter((l) => /\bnpx walletd\b/.test(l));
    expect(lines).toEqual([]);
    expect(readme).toMatch(/^npm start -- --datadir /m);
  });

  it('`npm start --` forwards SIGTERM: the daemon stops gracefully and nothing is left running', async () => {
    const datadir = mkdtempSync(join(tmpdir(), 'walletd-npm-start-'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WALLETD_') && !k.startsWith('npm_')));
    const npm = spawn('npm', ['start', '--silent', '--', '--datadir', datadir, '--rpc-port', '0', '--network', 'regtest'], {
      cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let daemonPid = 0;
    try {
      let out = '';
      const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 60_000);
        npm.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          for (const line of out.split('\n')) {
            try {
              const parsed = JSON.parse(line) as Record<string, unknown>;
              if (typeof parsed.http === 'string') {
                clearTimeout(timer);
                resolve(parsed);
              }
            } catch {
              // A partial line: wait for the rest.
            }
          }
        });
        npm.once('exit', (code) => reject(new Error(`npm exited ${code}: ${out}`)));
      });
      daemonPid = listening.pid as number;
      expect(daemonPid).not.toBe(npm.pid);
      expect(existsSync(join(datadir, 'admin.token'))).toBe(true);
      const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
      npm.kill('SIGTERM');
      await exited;
      const deadline = Date.now() + 10_000;
      while (alive(daemonPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(alive(daemonPid)).toBe(false);
      // A graceful stop deletes the cookie; a killed daemon would leave it behind.
      expect(existsSync(join(datadir, 'admin.token'))).toBe(false);
      expect(out).toContain('walletd stopped');
    } finally {
      if (npm.exitCode === null) npm.kill('SIGKILL');
      // Never leave an orphaned daemon behind when an assertion above failed.
      if (daemonPid && alive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
      rmSync(datadir, { recursive: true, force: true });
    }
  }, 90_000);
});
