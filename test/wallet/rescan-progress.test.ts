/**
 * rescan_wallet's mechanics on a real keystore and a scripted chain that pauses mid-scan, so the
 * progress fields can be read while the scan runs: the sync point moves back at once (and the
 * birth with it), get_wallet_info.sync shows the height the scan really reached with a rate and
 * ETA from the injected clock, and the scan ends synced at the tip. No real time is measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openKeystore, type Keystore } from '../../src/keystore/index.ts';
import { resolveNetwork } from '../../src/wallet/keys/networks.ts';
import type { ChainBackend, ScanRequest, ScanResult } from '../../src/wallet/ports.ts';
import type { BlockRef } from '../../src/wallet/types.ts';
import { WalletService } from '../../src/wallet/wallet-service.ts';
import { TEST_SETTINGS } from '../integration/service-harness.ts';
import { FakeClock } from '../rpc/fakes.ts';

const hash = (height: number) => height.toString(16).padStart(64, '0');

/** A chain of `tip + 1` empty blocks whose scan can stop at one height until released. */
class PausingChain implements ChainBackend {
  readonly kind = 'bitcoind' as const;
  readonly tip: BlockRef = { height: 100, hash: hash(100) };
  pauseAt: number | null = null;
  reached: Promise<void> = Promise.resolve();
  private onReached = () => undefined as void;
  private release = () => undefined as void;
  private released: Promise<void> = Promise.resolve();

  pause(height: number): void {
    this.pauseAt = height;
    this.reached = new Promise((r) => (this.onReached = r));
    this.released = new Promise((r) => (this.release = r));
  }
  resume(): void {
    this.pauseAt = null;
    this.release();
  }
  async getTip() { return this.tip; }
  async getBlockHash(height: number) { return height <= this.tip.height ? hash(height) : null; }
  async scan(req: ScanRequest): Promise<ScanResult> {
    for (let h = req.fromHeight; h <= this.tip.height; h++) {
      req.onProgress?.(h, this.tip.height);
      if (h === this.pauseAt) {
        this.onReached();
        await this.released;
      }
    }
    return { tip: this.tip, txs: [], blocks: [this.tip] };
  }
  async getTx() { return null; }
  async broadcast(): Promise<string> { throw new Error('not used'); }
  async estimateFeeRate() { return null; }
  async getMinRelayFeeRate() { return 1; }
  async close() {}
}

describe('rescan progress', () => {
  const dir = mkdtempSync(join(tmpdir(), 'walletd-rescan-'));
  let keystore: Keystore | undefined;
  afterAll(async () => {
    await keystore?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves the sync point back, reports the scan height, rate and ETA, and ends synced', async () => {
    keystore = await openKeystore({ datadir: dir });
    const chain = new PausingChain();
    const clock = new FakeClock();
    const service = new WalletService({ store: keystore.wallets, clock, network: resolveNetwork('regtest'), chain, settings: TEST_SETTINGS });
    const { id } = await service.createWallet({ name: 'r' });
    await service.sync.syncNow();
    expect((await service.getWalletInfo(id)).sync).toMatchObject({ state: 'synced', syncHeight: 100, scanHeight: 100, rate: null });

    expect(await service.rescanWallet(id, { fromHeight: 10 })).toEqual({ fromHeight: 10, tipHeight: 100 });
    // Stored at once: a restart before the pass would still rescan.
    expect(await keystore.wallets.getSyncPoint(id)).toEqual({ height: 9, hash: hash(9) });
    expect((await keystore.wallets.getWallet(id))?.birthHeight).toBe(10);
    expect((await service.getWalletInfo(id)).sync.state).toBe('syncing');

    chain.pause(49);
    const pass = service.sync.syncNow();
    await chain.reached;
    clock.t += 2_000; // 40 blocks (10..49) in 2 s
    const mid = (await service.getWalletInfo(id)).sync;
    expect(mid).toEqual({
      state: 'syncing', syncHeight: 9, tipHeight: 100, progress: 40 / 91,
      scanHeight: 49, scanFrom: 10, rate: 20, etaSeconds: 3,
    });
    chain.resume();
    await pass;
    expect((await service.getWalletInfo(id)).sync).toEqual({
      state: 'synced', syncHeight: 100, tipHeight: 100, progress: 1, scanHeight: 100, scanFrom: null, rate: null, etaSeconds: null,
    });
    expect(await keystore.wallets.getSyncPoint(id)).toEqual({ height: 100, hash: hash(100) });
    await service.stop();
  });
});
