/**
 * `walletd recovery-phrase`: offline, reads the keystore directly, and prints the words only to a
 * terminal. A pipe is refused with exit 2 before any secret is read.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABANDON, LEGAL, openStack } from './helpers.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'walletd.mjs');
const datadir = mkdtempSync(join(tmpdir(), 'walletd-phrase-'));
let walletId = '';
const env = { ...process.env, WALLETD_KEYSTORE_PASSPHRASE: undefined, WALLETD_DATADIR: undefined };

beforeAll(async () => {
  const s = await openStack({ datadir });
  walletId = (await s.portability.importWallet({ mnemonic: ABANDON, name: 'paper' })).id;
  await s.close();
});
afterAll(() => rmSync(datadir, { recursive: true, force: true }));

describe('walletd recovery-phrase', () => {
  it('refuses a non-TTY stdout with exit 2 and prints no word', () => {
    const r = spawnSync(process.execPath, [BIN, 'recovery-phrase', '--wallet', walletId, '--datadir', datadir], { encoding: 'utf8', env });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/TTY/);
    expect(r.stdout).toBe('');
    expect(`${r.stdout}${r.stderr}`).not.toContain('abandon');
  });

  // util-linux `script` gives the child a pseudo-terminal, as an operator's shell would.
  const hasScript = existsSync('/usr/bin/script');
  it('prints the words, numbered, on a terminal', () => {
    expect(hasScript).toBe(true);
    const cmd = [process.execPath, BIN, 'recovery-phrase', '--wallet', walletId, '--datadir', datadir].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('/usr/bin/script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env, timeout: 30_000 });
    expect(r.status).toBe(0);
    const words = [...r.stdout.matchAll(/^\s*\d+\. (\w+)\r?$/gm)].map((m) => m[1]);
    expect(words.join(' ')).toBe(ABANDON);
  });

  it('refuses with exit 2, not a crash, when a protected wallet\'s passphrase cannot be typed (stdin not a TTY)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'walletd-phrase-locked-'));
    try {
      const s = await openStack({ datadir: dir });
      const id = (await s.portability.importWallet({ mnemonic: LEGAL, passphrase: 'wallet passphrase 1' })).id;
      await s.close();
      const cmd = `${[process.execPath, BIN, 'recovery-phrase', '--wallet', id, '--datadir', dir].map((a) => `'${a}'`).join(' ')} < /dev/null`;
      const r = spawnSync('/usr/bin/script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env, timeout: 30_000 });
      expect(r.status).toBe(2);
      expect(r.stdout).toContain('stdin is not a TTY');
      expect(r.stdout).not.toMatch(/\bat .*recovery-phrase\.ts/); // no stack trace
      expect(r.stdout).not.toContain('legal');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers with exit 1 for an unknown wallet or a data dir without a keystore', () => {
    const empty = mkdtempSync(join(tmpdir(), 'walletd-phrase-empty-'));
    try {
      const cmd = (dir: string, id: string) => [process.execPath, BIN, 'recovery-phrase', '--wallet', id, '--datadir', dir].map((a) => `'${a}'`).join(' ');
      const missing = spawnSync('/usr/bin/script', ['-qec', cmd(empty, 'w_x'), '/dev/null'], { encoding: 'utf8', env });
      expect(missing.status).toBe(1);
      expect(existsSync(join(empty, 'keystore.db'))).toBe(false); // it never creates a keystore
      const unknown = spawnSync('/usr/bin/script', ['-qec', cmd(datadir, 'w_nope'), '/dev/null'], { encoding: 'utf8', env });
      expect(unknown.status).toBe(1);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
