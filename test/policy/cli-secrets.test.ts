/**
 * Issue 12, item 9 against a real daemon: walletctl takes every secret and the token from a
 * file or stdin (so it never sits in argv), warns when one is given on argv; walletd tightens a
 * group- or world-readable data dir to 0700 and says so.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonProcess, type DaemonProcess } from '../daemon/daemon-process.ts';

const BIN = fileURLToPath(new URL('../../bin/walletctl.mjs', import.meta.url));

/** Runs walletctl with `stdin` piped in; resolves with exit code and output. */
function ctl(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('WALLETD_')) delete env[k];
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

let root: string;
let datadir: string;
let daemon: DaemonProcess & { url: string; socket: string };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'walletd-secrets-'));
  datadir = join(root, 'data');
  mkdirSync(datadir);
  chmodSync(datadir, 0o755);
  daemon = await startDaemonProcess(datadir);
});
afterAll(async () => {
  daemon?.child.kill('SIGTERM');
  await daemon?.exited;
  rmSync(root, { recursive: true, force: true });
});

describe('secrets off argv', () => {
  it('set_passphrase takes --new-passphrase-file/--old-passphrase-file, and the old --new-file/--old-file too', async () => {
    const { readFileSync } = await import('node:fs');
    const token = readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
    const file = (name: string, text: string) => {
      const path = join(root, name);
      writeFileSync(path, `${text}\n`, { mode: 0o600 });
      return path;
    };
    const base = ['--socket', daemon.socket, '--token-file', file('tok', token), '--json'];
    const made = await ctl([...base, 'create_wallet', '--name', 'renamed-params']);
    const wallet = (JSON.parse(made.stdout) as { id: string }).id;
    const first = await ctl([...base, 'set_passphrase', '--wallet', wallet, '--new-passphrase-file', file('p1', 'first passphrase 1')]);
    expect(first.code, first.stderr).toBe(0);
    const second = await ctl([...base, 'set_passphrase', '--wallet', wallet, '--old-file', file('p1b', 'first passphrase 1'), '--new-file', file('p2', 'second passphrase 2')]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/warning/);
    // The alias really set it: the second passphrase unlocks, the first does not.
    const ok = await ctl([...base, 'unlock_wallet', '--wallet', wallet, '--passphrase-file', file('p3', 'second passphrase 2'), '--timeout-sec', '5']);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('tightens a world-readable data dir to 0700 and logs a warning', () => {
    expect(statSync(datadir).mode & 0o777).toBe(0o700);
    expect(daemon.logs.some((l) => l.level === 40 && l.was === '755')).toBe(true);
  });

  it('takes the token from --token-file and from stdin, and a passphrase from a file, with no warning', async () => {
    const { readFileSync } = await import('node:fs');
    const token = readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
    const tokenFile = join(root, 'token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const passFile = join(root, 'pass');
    writeFileSync(passFile, 'a wallet passphrase\n', { mode: 0o600 });
    const made = await ctl(['--socket', daemon.socket, '--token-file', tokenFile, '--json', 'create_wallet', '--name', 'p', '--passphrase-file', passFile]);
    expect(made.code).toBe(0);
    expect(made.stderr).not.toMatch(/warning/);
    const wallet = (JSON.parse(made.stdout) as { id: string }).id;
    // The passphrase from the file is the one the wallet got: a wrong one fails, it unlocks.
    const viaStdin = await ctl(['--socket', daemon.socket, '--token', '-', '--json', 'unlock_wallet', '--wallet', wallet, '--passphrase-file', passFile, '--timeout-sec', '5'], `${token}\n`);
    expect(viaStdin.code).toBe(0);
    expect(viaStdin.stderr).not.toMatch(/warning/);
    writeFileSync(passFile, 'not the passphrase\n');
    const wrong = await ctl(['--socket', daemon.socket, '--token-file', tokenFile, 'unlock_wallet', '--wallet', wallet, '--passphrase-file', passFile, '--timeout-sec', '5']);
    expect(wrong.stderr).toMatch(/BAD_PASSPHRASE/);
  });

  it('accepts a secret or token on argv but warns on stderr', async () => {
    const { readFileSync } = await import('node:fs');
    const token = readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
    const run = await ctl(['--socket', daemon.socket, '--token', token, '--json', 'create_wallet', '--name', 'q', '--passphrase', 'an argv passphrase']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: --token on the command line/);
    expect(run.stderr).toMatch(/warning: --passphrase on the command line/);
    expect(run.stderr).not.toContain('an argv passphrase');
  });
});
