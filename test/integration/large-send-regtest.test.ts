/**
 * Issue 13 point 7 against a real regtest node: a wallet of 1,530 small coins. A send that would
 * need more than the standard 400,000 WU is refused with TX_TOO_LARGE before anything is leased
 * or signed, saying how far over; a send that fits picks no more inputs than fit, and the node
 * accepts it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { startService, type ServiceHarness } from './service-harness.ts';
import { isWalletdError } from '../../src/errors.ts';
import { MAX_STANDARD_TX_WEIGHT } from '../../src/wallet/spend/fee-math.ts';

const ctx = useRegtestNode();
const ADDRESSES = 153;
const ROUNDS = 10;
const COIN = 10_000;

describe('a wallet of 1,530 small coins', () => {
  let h: ServiceHarness;
  let id: string;
  beforeAll(async () => {
    h = await startService(ctx.node);
    id = (await h.service.createWallet({ name: 'many-coins' })).id;
    const addresses: string[] = [];
    for (let i = 0; i < ADDRESSES; i++) addresses.push((await h.service.generateAddress(id, {})).address);
    // Cheap to build: ten node transactions of 153 outputs each.
    const outputs = Object.fromEntries(addresses.map((a) => [a, COIN / 1e8]));
    for (let r = 0; r < ROUNDS; r++) await ctx.node.rpc<string>('sendmany', '', outputs);
    await ctx.node.mine(1);
    await h.service.sync.syncNow();
  }, 300_000);
  afterAll(async () => h?.close());

  const refusal = async (p: Promise<unknown>) => {
    const err = await p.then(() => null, (e: unknown) => e);
    expect(isWalletdError(err, 'TX_TOO_LARGE'), String(err)).toBe(true);
    return (err as { details: { weight: number; over: number; maxWeight: number; inputs: number } }).details;
  };

  it('holds the coins', async () => {
    expect((await h.service.getBalance(id)).confirmed).toBe(ADDRESSES * ROUNDS * COIN);
  });

  it('refuses a send needing every coin with TX_TOO_LARGE, saying how far over, and leases nothing', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress', '', 'bech32');
    const pool = await ctx.node.rpc<string[]>('getrawmempool');
    const details = await refusal(h.service.sendTransaction(id, { outputs: [{ address: to, amount: 15_000_000 }], feeRate: 1 }));
    expect(details.maxWeight).toBe(MAX_STANDARD_TX_WEIGHT);
    expect(details.weight).toBeGreaterThan(MAX_STANDARD_TX_WEIGHT);
    expect(details.over).toBe(details.weight - MAX_STANDARD_TX_WEIGHT);
    expect(details.inputs).toBeGreaterThan(1_470);
    const sweep = await refusal(h.service.sendAll(id, { address: to, feeRate: 1 }));
    expect(sweep.inputs).toBe(ADDRESSES * ROUNDS);
    // Coin control is held to the same bound.
    const coins = await h.service.getUnspentOutputs(id, { minConf: 1 });
    await refusal(h.service.sendAll(id, { address: to, feeRate: 1, inputs: coins.map((c) => ({ txid: c.txid, vout: c.vout })) }));
    expect((await h.service.getUnspentOutputs(id, { minConf: 1 })).every((c) => c.lockedUntil === null)).toBe(true);
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toEqual(pool);
  });

  it('a send that fits stays under the weight and the node accepts it', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress', '', 'bech32');
    const sent = await h.service.sendTransaction(id, { outputs: [{ address: to, amount: 13_500_000 }], feeRate: 1 });
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(sent.txid);
    const tx = await ctx.node.rpc<{ weight: number; vin: unknown[] }>('getrawtransaction', sent.txid, true);
    expect(tx.weight).toBeLessThanOrEqual(MAX_STANDARD_TX_WEIGHT);
    expect(tx.vin.length).toBeGreaterThan(1_350);
    await ctx.node.mine(1);
  }, 120_000);
});
