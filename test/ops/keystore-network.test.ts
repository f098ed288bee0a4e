/**
 * Issue 15 point 3 (SPEC §7): a keystore records its network. The real daemon, started twice on
 * one data dir with different networks, refuses the second with NETWORK_MISMATCH naming both; an
 * upgraded keystore takes its network from the wallets it already holds (migration 8).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openKeystore } from '../../src/keystore/index.ts';
import { spawnDaemon, startDaemonProcess, type DaemonProcess } from '../daemon/daemon-process.ts';
import { ok } from '../e2e/e2e-helpers.ts';
import { LITECOIN_REGTEST } from '../harness/regtest-node.ts';

const dirs: string[] = [];
const running: DaemonProcess[] = [];
afterAll(async () => {
  // A failed assertion must not leave a daemon running.
  for (const d of running) {
    if (d.child.exitCode === null) d.child.kill('SIGKILL');
    await d.exited;
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'walletd-network-'));
  dirs.push(dir);
  return dir;
}

/** Runs the daemon expecting it to refuse to start; returns its exit code and stderr. */
async function refusedStart(datadir: string, args: string[]): Promise<{ code: number | null; stderr: string; fatal: string }> {
  const d = spawnDaemon(datadir, args);
  running.push(d);
  const code = await d.exited;
  const fatal = d.logs.find((l) => l.level === 60);
  return { code, stderr: d.stderr(), fatal: String(fatal?.msg ?? '') };
}

describe('a keystore remembers its network', () => {
  it('refuses a start on another network, naming both, and changes nothing', async () => {
    const datadir = tempDir();
    const first = await startDaemonProcess(datadir, ['--network', 'regtest']);
    running.push(first);
    const token = readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
    const { id: walletId } = await ok<{ id: string }>(first, token, 'create_wallet', { name: 'w' });
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const mainnet = await refusedStart(datadir, ['--network', 'mainnet']);
    expect(mainnet.code).toBe(1);
    expect(mainnet.stderr).toContain('NETWORK_MISMATCH');
    expect(mainnet.stderr).toMatch(/created for regtest \(bech32 bcrt\); this walletd runs mainnet \(bech32 bc\)/);
    expect(mainnet.fatal).toContain('NETWORK_MISMATCH');

    // Same name, other chain: regtest with litecoind's parameters is not Bitcoin Core's regtest.
    const litecoin = await refusedStart(datadir, ['--network', 'regtest', '--network-params', JSON.stringify(LITECOIN_REGTEST)]);
    expect(litecoin.code).toBe(1);
    expect(litecoin.stderr).toMatch(/NETWORK_MISMATCH: .*created for regtest \(bech32 bcrt\); this walletd runs regtest \(bech32 rltc\)/);

    // The right network still starts, with the wallet intact.
    const again = await startDaemonProcess(datadir, ['--network', 'regtest']);
    running.push(again);
    const token2 = readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
    const wallets = await ok<Array<{ id: string; network: string }>>(again, token2, 'list_wallets');
    expect(wallets.map((w) => w.id)).toEqual([walletId]);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 60_000);

  it('stamps an empty keystore at its first start (no wallet needed)', async () => {
    const datadir = tempDir();
    const first = await startDaemonProcess(datadir, ['--network', 'signet']);
    running.push(first);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const refused = await refusedStart(datadir, ['--network', 'testnet']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/NETWORK_MISMATCH: .*created for signet \(bech32 tb\); this walletd runs testnet \(bech32 tb\)/);
  }, 60_000);

  it('migration 8 takes an upgraded keystore\'s network from its wallets', async () => {
    const datadir = tempDir();
    cpSync(new URL('../fixtures/v1-keystore', import.meta.url), datadir, { recursive: true });
    const keystore = await openKeystore({ datadir });
    try {
      const row = await keystore.db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'network'");
      expect(row?.value).toBe('regtest');
    } finally {
      await keystore.close();
    }
    const refused = await refusedStart(datadir, ['--network', 'mainnet']);
    expect(refused.stderr).toMatch(/NETWORK_MISMATCH: .*created for regtest; this walletd runs mainnet/);
  }, 60_000);
});
