/**
 * Review regressions against a real regtest node: lookahead rescans, address issuance under
 * concurrency, lease release on failure, and the fee cap after the relay-fee floor.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EsploraBackend } from '../../src/chain/esplora-backend.ts';
import type { ChainBackend } from '../../src/wallet/ports.ts';
import { deriveAddresses } from '../../src/wallet/keys/hd.ts';
import { resolveNetwork } from '../../src/wallet/keys/networks.ts';
import { WalletService } from '../../src/wallet/wallet-service.ts';
import { startEsploraServer } from '../harness/esplora-server.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { startService, TEST_SETTINGS, type ServiceHarness } from './service-harness.ts';
import { rejectionCode } from '../harness/error-codes.ts';

const ctx = useRegtestNode();

describe.each(['bitcoind', 'esplora'] as const)('%s backend: lookahead rescan', (backend) => {
  let h: ServiceHarness;
  let esplora: { url: string; close(): Promise<void> } | undefined;
  beforeAll(async () => {
    if (backend === 'esplora') esplora = await startEsploraServer(ctx.node);
    h = await startService(ctx.node, esplora && new EsploraBackend({ url: esplora.url }));
  });
  afterAll(async () => {
    await h?.close();
    await esplora?.close();
  });

  it('finds a payment confirmed before the wallet derived its address', async () => {
    const { id } = await h.service.createWallet({ name: `lookahead-${backend}` });
    await h.service.sync.syncNow();
    const info = await h.service.getWalletInfo(id);
    const network = resolveNetwork('regtest', ctx.node.networkParams);
    // Index 20 lies just past the initial lookahead (gap limit 20): another copy of the seed issued it.
    const [beyond] = deriveAddresses(info.xpub, 'p2wpkh', network, 0, TEST_SETTINGS.gapLimit, 1);
    await ctx.node.fund(beyond!.address, 3_000_000n);
    await ctx.node.mine(1);
    await h.service.sync.syncNow();
    expect((await h.service.getBalance(id)).total).toBe(0);
    // A payment to index 5 moves the lookahead past index 20, whose payment lies in an already-scanned block.
    const [five] = deriveAddresses(info.xpub, 'p2wpkh', network, 0, 5, 1);
    await ctx.node.fund(five!.address, 1_000_000n);
    await ctx.node.mine(1);
    await h.service.sync.syncNow();
    expect(await h.service.getBalance(id)).toMatchObject({ confirmed: 4_000_000, unconfirmed: 0, total: 4_000_000 });
    expect((await h.service.getAddresses(id)).filter((a) => a.used).map((a) => a.index).sort()).toEqual([20, 5]);
  });
});

describe('spend paths', () => {
  let h: ServiceHarness;
  let id: string;
  beforeAll(async () => {
    h = await startService(ctx.node);
    id = (await h.service.createWallet({ name: 'spend-paths' })).id;
    for (let i = 0; i < 2; i++) await ctx.node.fund((await h.service.generateAddress(id, {})).address, 2_000_000n);
    await ctx.node.mine(1);
    await h.service.sync.syncNow();
  });
  afterAll(async () => h?.close());

  it('concurrent generate_address calls never hand out the same address', async () => {
    const issued = await Promise.all(Array.from({ length: 6 }, () => h.service.generateAddress(id, {})));
    expect(new Set(issued.map((a) => a.address)).size).toBe(6);
    const change = await Promise.all(Array.from({ length: 4 }, () => h.service.generateAddress(id, { change: true })));
    expect(new Set(change.map((a) => a.address)).size).toBe(4);
  });

  it('releases the draft’s leases when a send fails before broadcast', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress');
    const spy = vi.spyOn(h.keystore.wallets, 'putIdempotent').mockRejectedValueOnce(new Error('disk full'));
    try {
      await expect(h.service.sendTransaction(id, { outputs: [{ address: to, amount: 500_000 }], feeRate: 2, idempotencyKey: 'k1' })).rejects.toThrow('disk full');
    } finally {
      spy.mockRestore();
    }
    const coins = await h.service.getUnspentOutputs(id, { minConf: 1 });
    expect(coins.filter((c) => c.lockedUntil !== null)).toEqual([]);
    // Both coins are spendable again at once, not after the lease expires.
    const sent = await h.service.sendTransaction(id, { outputs: [{ address: to, amount: 3_000_000 }], feeRate: 2 });
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(sent.txid);
  });

  it('applies maxFeeRate after raising a low estimate to the node’s relay floor', async () => {
    const real = h.chain;
    const chain: ChainBackend = Object.assign(Object.create(real) as ChainBackend, {
      estimateFeeRate: async () => null,
      getMinRelayFeeRate: async () => 50,
    });
    const service = new WalletService({
      store: h.keystore.wallets, clock: { now: () => Date.now(), setTimer: () => () => {} },
      network: resolveNetwork('regtest', ctx.node.networkParams), chain,
      settings: { ...TEST_SETTINGS, maxFeeRate: 10 },
    });
    const to = await ctx.node.rpc<string>('getnewaddress');
    expect(await rejectionCode(service.signTransaction(id, { outputs: [{ address: to, amount: 100_000 }] }))).toBe('FEE_TOO_HIGH');
  });

  it('holds a caller’s PSBT to maxFeeSats and maxFeeRate', async () => {
    const coin = (await h.service.getUnspentOutputs(id, { minConf: 0 })).find((c) => c.value > 200_000)!;
    const to = await ctx.node.rpc<string>('getnewaddress');
    const psbt = await ctx.node.rpc<string>('createpsbt', [{ txid: coin.txid, vout: coin.vout }], [{ [to]: 0.0001 }]);
    const capped = (over: Partial<typeof TEST_SETTINGS>) => new WalletService({
      store: h.keystore.wallets, clock: { now: () => Date.now(), setTimer: () => () => {} },
      network: resolveNetwork('regtest', ctx.node.networkParams), chain: h.chain,
      settings: { ...TEST_SETTINGS, ...over },
    });
    expect(await rejectionCode(capped({ maxFeeSats: 100_000 }).signTransaction(id, { psbt }))).toBe('FEE_TOO_HIGH');
    expect(await rejectionCode(capped({ maxFeeRate: 100 }).signTransaction(id, { psbt }))).toBe('FEE_TOO_HIGH');
    const ok = await capped({ maxFeeSats: 100_000_000, maxFeeRate: 1_000_000 }).signTransaction(id, { psbt });
    expect(ok.complete).toBe(true);
  });
});
