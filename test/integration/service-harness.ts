/**
 * Builds a real WalletService (SQLCipher keystore in a temp dir, bitcoind backend) against the
 * test's regtest node, for integration tests below the RPC layer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BitcoindBackend } from '../../src/chain/bitcoind-backend.ts';
import { openKeystore, type Keystore } from '../../src/keystore/index.ts';
import { resolveNetwork } from '../../src/wallet/keys/networks.ts';
import type { ChainBackend, Clock } from '../../src/wallet/ports.ts';
import { WalletService, type WalletSettings } from '../../src/wallet/wallet-service.ts';
import type { RegtestNode } from '../harness/regtest-node.ts';
import type { DeriveKey } from '../../src/wallet/secrets/seed-cache.ts';

/** Settings as the daemon's defaults, with a slow poll: tests sync explicitly. */
export const TEST_SETTINGS: WalletSettings = {
  gapLimit: 20, discoveryGap: 1000, spendZeroConfChange: true, leaseSeconds: 600, maxUnlockSeconds: 3600, fallbackFeeRate: 2, maxFeeRate: 1000,
  maxFeeSats: 5_000_000, defaultConfTarget: 6, pollIntervalMs: 60_000, confirmationDepth: 6,
};

const systemClock = (): Clock => ({
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
});

/** A service wired to a node, and how to tear it down. */
export interface ServiceHarness {
  service: WalletService;
  keystore: Keystore;
  chain: ChainBackend;
  datadir: string;
  close(): Promise<void>;
}

/** Opens a fresh keystore and a service following `node` through `chain` (bitcoind by default). */
export async function startService(
  node: RegtestNode, chain?: ChainBackend, datadir?: string,
  opts: { settings?: Partial<WalletSettings>; deriveKey?: DeriveKey } = {},
): Promise<ServiceHarness> {
  const dir = datadir ?? mkdtempSync(join(tmpdir(), 'walletd-it-'));
  const keystore = await openKeystore({ datadir: dir });
  const backend = chain ?? new BitcoindBackend({ url: node.url, user: node.user, password: node.password });
  const service = new WalletService({
    store: keystore.wallets,
    clock: systemClock(),
    network: resolveNetwork('regtest', node.networkParams),
    chain: backend,
    settings: { ...TEST_SETTINGS, ...opts.settings },
    ...(opts.deriveKey ? { deriveKey: opts.deriveKey } : {}),
  });
  return {
    service, keystore, chain: backend, datadir: dir,
    async close() {
      await service.stop();
      await backend.close();
      await keystore.close();
      if (!datadir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sats in a node `getrawmempool`-style BTC amount. */
export const btc = (sats: number) => sats / 1e8;
