/**
 * Coin selection tries confirmed coins before the wallet's own unconfirmed change, as Core's
 * wallet does (its eligibility filters): spending change lengthens a mempool chain, and past 25
 * the node refuses the send with too-long-mempool-chain. Found by the 3,000-step differential
 * (seed 2168255767, step 468): after a deep reorg put a long chain of own sends back in the
 * mempool, a send the confirmed coins could pay picked the chain's change and was refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { startService, type ServiceHarness } from './service-harness.ts';

const ctx = useRegtestNode();
/** Core's (and Litecoin Core's) default -limitdescendantcount: a tx and its descendants. */
const DESCENDANT_LIMIT = 25;

describe('confirmed coins first', () => {
  let h: ServiceHarness;
  beforeAll(async () => {
    h = await startService(ctx.node);
  });
  afterAll(async () => h?.close());

  const sync = () => h.service.sync.syncNow();
  const dest = () => ctx.node.rpc<string>('getnewaddress', '', 'bech32');
  const inputsOf = async (txid: string) =>
    (await ctx.node.rpc<{ vin: Array<{ txid: string; vout: number }> }>('getrawtransaction', txid, true)).vin.map((v) => `${v.txid}:${v.vout}`);

  it('a send the confirmed coins can pay spends them, not the end of a full mempool chain of change', async () => {
    const { id } = await h.service.createWallet({ name: 'chain' });
    const big = (await h.service.generateAddress(id, {})).address;
    const small = (await h.service.generateAddress(id, {})).address;
    await ctx.node.fund(big, 40_0000_0000n);
    const smallTxid = await ctx.node.fund(small, 5000_0000n);
    await ctx.node.mine(1);
    await sync();
    const smallCoin = (await h.service.getUnspentOutputs(id, { minConf: 1 })).find((c) => c.txid === smallTxid)!;

    // Sends larger than the small coin can only be paid from the big coin's change, so each one
    // spends the change of the last: a chain of exactly the node's limit.
    let last = '';
    for (let i = 0; i < DESCENDANT_LIMIT; i++) {
      last = (await h.service.sendTransaction(id, { outputs: [{ address: await dest(), amount: 1_0000_0000 }], feeRate: 2 })).txid;
    }
    const chain = await ctx.node.rpc<{ ancestorcount: number }>('getmempoolentry', last);
    expect(chain.ancestorcount).toBe(DESCENDANT_LIMIT);
    const change = (await h.service.getUnspentOutputs(id, { minConf: 0 })).find((c) => c.txid === last)!;
    expect(change).toMatchObject({ trusted: true, spendable: true });
    expect(change.value).toBeGreaterThan(smallCoin.value);

    // The small confirmed coin pays this one; the larger trusted change would break the limit.
    const sent = await h.service.sendTransaction(id, { outputs: [{ address: await dest(), amount: 1000_0000 }], feeRate: 2 });
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(sent.txid);
    expect(await inputsOf(sent.txid)).toEqual([`${smallCoin.txid}:${smallCoin.vout}`]);
    await ctx.node.mine(1);
    await sync();
  });

  it('unconfirmed change still pays what the confirmed coins cannot', async () => {
    const { id } = await h.service.createWallet({ name: 'change-pays' });
    await ctx.node.fund((await h.service.generateAddress(id, {})).address, 1_0000_0000n);
    await ctx.node.mine(1);
    await sync();
    const first = await h.service.sendTransaction(id, { outputs: [{ address: await dest(), amount: 1000_0000 }], feeRate: 2 });
    // Only the first send's change (unconfirmed, trusted) can pay this.
    const second = await h.service.sendTransaction(id, { outputs: [{ address: await dest(), amount: 5000_0000 }], feeRate: 2 });
    expect((await inputsOf(second.txid)).every((o) => o.startsWith(first.txid))).toBe(true);
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(second.txid);
    await ctx.node.mine(1);
    await sync();
  });
});
