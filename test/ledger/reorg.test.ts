/**
 * Issue 11, "Reorged-out receives" and "Deep reorgs": a receive that leaves the chain and is
 * double-spent, an orphaned coinbase, and a 120-block reorg, judged by the node's own chain.
 * Target (LEDGER-API.md): conflicted with conflictedBy, out of every balance category, restored
 * when a reorg mines it again, and no stale "confirmed" coin at any depth.
 */
import { Transaction } from 'bitcoinjs-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ok, rpc, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import {
  doubleSpendHex, mineWith, outAddress, sats, settle, useDaemons, walletCaller,
  type LedgerBalance, type LedgerCoin, type NodeTx,
} from './ledger-helpers.ts';

const ctx = useRegtestNode();
const startDaemon = useDaemons();

interface TxStatusView { status: string; conflictedBy?: string | null; blockHash: string | null }

describe('reorgs against the node', () => {
  let d: RunningDaemon;
  let wallet: string;
  let call: ReturnType<typeof walletCaller>;
  /** The orphaned coinbase of the second test, and the block that held it. */
  let coinbase: { txid: string; value: number; block: string; rival: string };

  beforeAll(async () => {
    d = await startDaemon(ctx.node);
    wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'reorged' })).id;
    call = walletCaller(d, wallet);
  });

  it('a receive reorged out and double-spent by a confirmed node tx becomes conflicted, with conflictedBy, and leaves the balance', async () => {
    const { address } = await call<{ address: string }>('generate_address');
    const txid = await ctx.node.fund(address, 100_000_000n);
    const [block] = await ctx.node.mine(1);
    await settle(d, wallet, ctx.node);
    expect((await call<TxStatusView>('get_tx_status', { txid })).status).toBe('confirmed');

    await ctx.node.rpc('invalidateblock', block);
    const rival = await doubleSpendHex(ctx.node, txid);
    await mineWith(ctx.node, [rival]);
    await ctx.node.mine(1);
    await settle(d, wallet, ctx.node);
    // The node agrees: the receive is gone for good.
    expect(await ctx.node.rpc<string[]>('getrawmempool')).not.toContain(txid);

    expect(await call<TxStatusView>('get_tx_status', { txid })).toMatchObject({
      status: 'conflicted', conflictedBy: Transaction.fromHex(rival).getId(),
    });
    expect(await call<LedgerBalance>('get_balance')).toMatchObject({ confirmed: 0, unconfirmed: 0, total: 0 });
    expect(await call<LedgerCoin[]>('get_unspent_outputs', { minConf: 0 })).toEqual([]);
  });

  it('an orphaned coinbase becomes conflicted and leaves the balance', async () => {
    const { address } = await call<{ address: string }>('generate_address');
    const [block] = await ctx.node.mine(1, address);
    const cb = (await ctx.node.rpc<{ tx: NodeTx[] }>('getblock', block, 2)).tx[0]!;
    const value = cb.vout.filter((o) => outAddress(o) === address).reduce((s, o) => s + sats(o.value), 0);
    await settle(d, wallet, ctx.node);
    expect((await call<TxStatusView>('get_tx_status', { txid: cb.txid })).status).toBe('confirmed');

    await ctx.node.rpc('invalidateblock', block);
    const [rival] = await ctx.node.mine(2);
    coinbase = { txid: cb.txid, value, block: block!, rival: rival! };
    await settle(d, wallet, ctx.node);

    expect((await call<TxStatusView>('get_tx_status', { txid: cb.txid })).status).toBe('conflicted');
    expect(await call<LedgerBalance>('get_balance')).toMatchObject({ confirmed: 0, immature: 0, unconfirmed: 0, total: 0 });
    expect((await call<LedgerCoin[]>('get_unspent_outputs', { minConf: 0 })).map((c) => c.txid)).not.toContain(cb.txid);
  });

  it('a reorg that mines the orphaned coinbase again restores it (reconsiderblock)', async () => {
    await ctx.node.rpc('invalidateblock', coinbase.rival);
    await ctx.node.rpc('reconsiderblock', coinbase.block);
    await ctx.node.mine(2);
    await settle(d, wallet, ctx.node);
    expect(await call<TxStatusView>('get_tx_status', { txid: coinbase.txid })).toMatchObject({ status: 'confirmed', blockHash: coinbase.block });
    expect(await call<LedgerBalance>('get_balance')).toMatchObject({ confirmed: 0, immature: coinbase.value, total: coinbase.value });
  });

  describe('a 120-block-deep reorg', () => {
    let deep: ReturnType<typeof walletCaller>;
    let deepWallet: string;
    let stale: string;

    beforeAll(async () => {
      // A wallet of its own, so no coinbase of the tests above takes part in coin selection.
      deepWallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'deep' })).id;
      deep = walletCaller(d, deepWallet);
      const below = (await deep<{ address: string }>('generate_address')).address;
      const above = (await deep<{ address: string }>('generate_address')).address;
      await ctx.node.fund(below, 50_000_000n); // stays: confirmed below the fork
      await ctx.node.mine(1);
      stale = await ctx.node.fund(above, 200_000_000n); // the larger coin: largest-first picks it
      const [fork] = await ctx.node.mine(1);
      await ctx.node.mine(119);
      await settle(d, deepWallet, ctx.node);
      expect(await deep<LedgerBalance>('get_balance')).toMatchObject({ confirmed: 250_000_000 });

      await ctx.node.rpc('invalidateblock', fork);
      await mineWith(ctx.node, [await doubleSpendHex(ctx.node, stale)]);
      await ctx.node.mine(120); // one block longer than the chain it replaces
      await settle(d, deepWallet, ctx.node);
    }, 120_000);

    it('leaves no stale confirmed coin: the reorged-out receive is conflicted and out of the balance', async () => {
      expect((await deep<TxStatusView>('get_tx_status', { txid: stale })).status).toBe('conflicted');
      expect(await deep<LedgerBalance>('get_balance')).toMatchObject({ confirmed: 50_000_000, unconfirmed: 0, total: 50_000_000 });
      expect((await deep<LedgerCoin[]>('get_unspent_outputs', { minConf: 0 })).map((c) => c.txid)).not.toContain(stale);
    });

    it('the next send is accepted by the node', async () => {
      const to = await ctx.node.rpc<string>('getnewaddress');
      const answer = await rpc(d, d.adminToken, 'send_transaction', { wallet: deepWallet, outputs: [{ address: to, amount: 30_000_000 }], feeRate: 2 });
      expect(answer.error).toBeUndefined();
      const { txid } = answer.result as { txid: string };
      expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(txid);
      const tx = await ctx.node.rpc<NodeTx>('getrawtransaction', txid, true);
      expect(tx.vin.map((i) => i.txid)).not.toContain(stale);
    });
  });
});
