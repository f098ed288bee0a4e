/**
 * BIP174 interop with a real node: the node creates and updates a PSBT spending a walletd coin;
 * walletd signs it; the node accepts the result. Also: coin leases taken by a signed draft
 * survive a restart of the service.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { startService, type ServiceHarness } from './service-harness.ts';

const ctx = useRegtestNode();

describe.each(['p2wpkh', 'p2tr'] as const)('%s PSBT made by the node', (addressType) => {
  let h: ServiceHarness;
  let walletId: string;

  beforeAll(async () => {
    h = await startService(ctx.node);
    walletId = (await h.service.createWallet({ name: `psbt-${addressType}`, addressType })).id;
    for (let i = 0; i < 2; i++) await ctx.node.fund((await h.service.generateAddress(walletId, {})).address, 4_000_000n);
    await ctx.node.mine(1);
    await h.service.sync.syncNow();
  });
  afterAll(async () => h?.close());

  it('walletd signs a createpsbt + utxoupdatepsbt PSBT (BIP174 updater role) and the node accepts it', async () => {
    const [coin] = await h.service.getUnspentOutputs(walletId, { minConf: 1 });
    const to = await ctx.node.rpc<string>('getnewaddress');
    const unsigned = await ctx.node.rpc<string>('createpsbt', [{ txid: coin!.txid, vout: coin!.vout }], [{ [to]: (coin!.value - 10_000) / 1e8 }]);
    // The node adds only witness_utxo (it cannot describe tr() keys): walletd must recognise its own coin.
    const updated = await ctx.node.rpc<string>('utxoupdatepsbt', unsigned);
    const signed = await h.service.signTransaction(walletId, { psbt: updated });
    expect(signed.complete).toBe(true);
    const txid = await ctx.node.rpc<string>('sendrawtransaction', signed.hex);
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(txid);
  });

  it('keeps a draft’s coin leases across a restart', async () => {
    await ctx.node.mine(1);
    await h.service.sync.syncNow();
    const to = await ctx.node.rpc<string>('getnewaddress');
    const draft = await h.service.signTransaction(walletId, { outputs: [{ address: to, amount: 100_000 }], feeRate: 2 });
    const leasedBefore = (await h.service.getUnspentOutputs(walletId, { minConf: 1 })).filter((c) => c.lockedUntil !== null);
    expect(leasedBefore.length).toBeGreaterThan(0);
    await h.service.stop();
    await h.keystore.close();
    const reopened = await startService(ctx.node, undefined, h.datadir);
    try {
      const leasedAfter = (await reopened.service.getUnspentOutputs(walletId, { minConf: 1 })).filter((c) => c.lockedUntil !== null);
      expect(leasedAfter).toEqual(leasedBefore);
      expect(draft.leasedUntil).toBe(leasedBefore[0]!.lockedUntil);
    } finally {
      await reopened.close();
    }
    h = await startService(ctx.node, undefined, h.datadir);
  });
});
