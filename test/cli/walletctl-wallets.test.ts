/**
 * Issue 15 against a real daemon, walletctl as a child process: the default wallet (SPEC §9),
 * a `wallet` param by unique name (and WALLET_AMBIGUOUS), select_wallet refused, strict sats,
 * --version on both bins, bash completion from the method table, and the TTY confirmation.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonProcess, type DaemonProcess } from '../daemon/daemon-process.ts';
import { walletctl } from './run-walletctl.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (await import('../../package.json', { with: { type: 'json' } })).default.version;

let datadir: string;
let daemon: DaemonProcess;
let g: string[];
const ids: Record<string, string> = {};

beforeAll(async () => {
  datadir = mkdtempSync(join(tmpdir(), 'walletctl-wallets-'));
  daemon = await startDaemonProcess(datadir);
  g = ['--datadir', datadir];
});

afterAll(async () => {
  daemon?.child.kill('SIGTERM');
  await daemon?.exited;
  rmSync(datadir, { recursive: true, force: true });
});

/** Runs walletctl inside a pseudo-TTY (`script`), feeding `input`; resolves with exit code and the terminal's text. */
function inPty(args: string[], input: string): Promise<{ code: number | null; out: string }> {
  const cmd = [process.execPath, join(ROOT, 'bin/walletctl.mjs'), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      // Answer once the prompt is up, so the reply cannot be read as anything else.
      if (out.includes('Proceed? [y/N]') && !child.stdin.writableEnded) child.stdin.end(input);
    });
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => resolve({ code, out }));
    setTimeout(() => child.stdin.writableEnded || child.stdin.end(input), 20_000).unref();
  });
}

describe('default wallet and wallet names', () => {
  it('uses the only wallet without --wallet, then needs one (exit 19, with a hint) once there are two', async () => {
    const first = await walletctl([...g, '--json', 'create_wallet', '--name', 'savings']);
    expect(first.code).toBe(0);
    ids.savings = first.json<{ id: string }>().id;
    const only = await walletctl([...g, '--json', 'get_wallet_info']);
    expect(only.code).toBe(0);
    expect(only.json<{ id: string }>().id).toBe(ids.savings);

    const second = await walletctl([...g, '--json', 'create_wallet', '--name', 'spending']);
    expect(second.code).toBe(0);
    ids.spending = second.json<{ id: string }>().id;
    const none = await walletctl([...g, 'get_wallet_info']);
    expect(none.code).toBe(19);
    expect(none.stderr).toContain('WALLET_NOT_SELECTED');
    expect(none.stderr).toMatch(/--wallet.*WALLETD_WALLET/);
  });

  it('takes a unique name in --wallet and in WALLETD_WALLET, and --wallet wins over the variable', async () => {
    const byName = await walletctl([...g, '--json', 'get_wallet_info', '--wallet', 'spending']);
    expect(byName.code).toBe(0);
    expect(byName.json<{ id: string }>().id).toBe(ids.spending);
    const byEnv = await walletctl([...g, '--json', 'get_wallet_info'], { WALLETD_WALLET: 'savings' });
    expect(byEnv.json<{ id: string }>().id).toBe(ids.savings);
    const flagWins = await walletctl([...g, '--json', 'get_wallet_info', '--wallet', ids.spending!], { WALLETD_WALLET: 'savings' });
    expect(flagWins.json<{ id: string }>().id).toBe(ids.spending);
  });

  it('answers WALLET_AMBIGUOUS (exit 19) with both ids when two wallets share the name; the id still works', async () => {
    const twin = await walletctl([...g, '--json', 'create_wallet', '--name', 'spending']);
    expect(twin.code).toBe(0);
    const twinId = twin.json<{ id: string }>().id;
    const run = await walletctl([...g, '--json', 'get_wallet_info', '--wallet', 'spending']);
    expect(run.code).toBe(19);
    const report = JSON.parse(run.stderr) as { error: string; data: { code: string; wallets: string[] } };
    expect(report.error).toBe('WALLET_AMBIGUOUS');
    expect(report.data.wallets.sort()).toEqual([ids.spending, twinId].sort());
    const byId = await walletctl([...g, '--json', 'get_wallet_info', '--wallet', twinId]);
    expect(byId.json<{ id: string }>().id).toBe(twinId);
  });

  it('a token bound to one wallet resolves names among its own wallets only', async () => {
    const minted = await walletctl([...g, '--json', 'token', 'create', '--scopes', 'wallet:read', '--wallets', ids.savings!]);
    const token = minted.json<{ token: string }>().token;
    const own = await walletctl([...g, '--token', token, '--json', 'get_wallet_info', '--wallet', 'savings']);
    expect(own.json<{ id: string }>().id).toBe(ids.savings);
    // Another wallet's name is not resolved for it: refused without learning that wallet's id.
    const other = await walletctl([...g, '--token', token, '--json', 'get_wallet_info', '--wallet', 'spending']);
    expect(other.code).toBe(4);
    expect(other.stderr).not.toContain(ids.spending);
  });

  it('refuses select_wallet with exit 2, pointing at --wallet and WALLETD_WALLET', async () => {
    const run = await walletctl([...g, 'select_wallet', 'savings']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/new one.*--wallet.*WALLETD_WALLET/);
  });
});

describe('strict sats', () => {
  it.each([['--amount', '0x2710'], ['--amount', '1e4'], ['--amount', ' 10000'], ['--amount', '10000.5'], ['--amount', '-1'], ['--amount-btc', '0.000000001']])(
    'send_transaction %s %j exits 2 before any call', async (flag, value) => {
      const run = await walletctl([...g, 'send_transaction', '--wallet', 'savings', '--to', 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', flag, value]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(flag);
    },
  );

  it('refuses hex, exponents and negatives in integer flags, and sends a good amount to the daemon', async () => {
    expect((await walletctl([...g, 'get_unspent_outputs', '--min-conf', '-1'])).code).toBe(2);
    expect((await walletctl([...g, 'get_transaction_history', '--limit', '0x10'])).code).toBe(2);
    // A well-formed amount reaches the daemon, which answers for itself (no chain: exit 28).
    const ok = await walletctl([...g, 'send_transaction', '--wallet', 'savings', '--to', 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', '--amount-btc', '0.0001']);
    expect(ok.code).not.toBe(2);
    expect(ok.stderr).toMatch(/error: [A-Z_]+ \(-?\d+\)/);
  });
});

describe('--version and completion', () => {
  it('prints the package version from both bins', async () => {
    expect((await walletctl(['--version'])).stdout.trim()).toBe(VERSION);
    const walletd = await new Promise<string>((resolve) =>
      execFile(process.execPath, [join(ROOT, 'bin/walletd.mjs'), '--version'], (_e, out) => resolve(out)),
    );
    expect(walletd.trim()).toBe(VERSION);
  });

  it('bash completion, sourced in a real bash, completes methods and their flags', async () => {
    const script = (await walletctl(['completion', 'bash'])).stdout;
    const complete = (line: string) => new Promise<string>((resolve) => {
      const words = line.split(' ');
      const prog = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _walletctl; printf '%s\\n' "\${COMPREPLY[@]}"`;
      execFile('bash', ['-c', prog], (_e, out) => resolve(out));
    });
    expect((await complete('walletctl get_bal')).split('\n')).toContain('get_balance');
    expect((await complete('walletctl --datadir /x send_transaction --fee')).split('\n')).toEqual(expect.arrayContaining(['--fee-rate']));
    expect((await complete('walletctl token cr')).trim()).toBe('create');
    expect((await walletctl(['completion', 'zsh'])).stdout).toMatch(/^#compdef walletctl/);
    expect((await walletctl(['completion', 'fish'])).code).toBe(2);
  });
});

describe('confirmation before moving money', () => {
  it('asks on a TTY and sends nothing on "n"; --yes skips the prompt; a non-TTY stdin is never asked', async () => {
    const args = [...g, 'send_transaction', '--wallet', 'savings', '--to', 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', '--amount', '10000'];
    const declined = await inPty(args, 'n\n');
    expect(declined.out).toContain('Proceed? [y/N]');
    expect(declined.out).toContain('not confirmed');
    expect(declined.code).toBe(2);
    const yes = await inPty([...args, '--yes'], '');
    expect(yes.out).not.toContain('Proceed?');
    expect(yes.code).not.toBe(2);
    // execFile's stdin is a pipe, not a TTY: the call goes straight to the daemon.
    const piped = await walletctl(args);
    expect(piped.stderr).not.toContain('Proceed?');
    expect(piped.code).toBe(yes.code);
  });
});
