/**
 * Issue 11, "Coinbase maturity": 101 blocks mined to a walletd address. The node counts 1 mature
 * coinbase and 100 immature (Core's wallet: mature at 101 confirmations); walletd must agree,
 * never select an immature coin, and announce each maturity.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ok, rpc, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import type { WsClient } from '../notify/ws-client.ts';
import {
  connectWs, outAddress, sats, settle, useDaemons, walletCaller, type LedgerBalance, type LedgerCoin, type NodeTx,
} from './ledger-helpers.ts';

const ctx = useRegtestNode();
const startDaemon = useDaemons();

/** Core's wallet treats a coinbase as mature at COINBASE_MATURITY + 1 = 101 confirmations. */
const MATURE_AT = 101;

describe('coinbase maturity against the node', () => {
  let d: RunningDaemon;
  let wallet: string;
  let call: ReturnType<typeof walletCaller>;
  let address: string;
  /** Coinbase value paid to `address`, by block height. */
  const coinbaseAt = new Map<number, { txid: string; value: number }>();

  /** What the node says is mature and immature at its current tip. */
  async function nodeView(): Promise<{ mature: number; immature: number }> {
    const tip = await ctx.node.rpc<number>('getblockcount');
    let mature = 0;
    let immature = 0;
    for (const [height, cb] of coinbaseAt) {
      if (tip - height + 1 >= MATURE_AT) mature += cb.value;
      else immature += cb.value;
    }
    return { mature, immature };
  }

  beforeAll(async () => {
    d = await startDaemon(ctx.node);
    wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'miner' })).id;
    call = walletCaller(d, wallet);
    ({ address } = await call<{ address: string }>('generate_address'));
    const hashes = await ctx.node.mine(101, address);
    for (const hash of hashes) {
      const block = await ctx.node.rpc<{ height: number; tx: NodeTx[] }>('getblock', hash, 2);
      const cb = block.tx[0]!;
      const value = cb.vout.filter((o) => outAddress(o) === address).reduce((s, o) => s + sats(o.value), 0);
      coinbaseAt.set(block.height, { txid: cb.txid, value });
    }
    await settle(d, wallet, ctx.node);
  });

  it('reports 100 coinbases as immature and 1 as confirmed, as the node counts them', async () => {
    const { mature, immature } = await nodeView();
    expect(coinbaseAt.size).toBe(101);
    const balance = await call<LedgerBalance>('get_balance');
    expect(balance).toMatchObject({ confirmed: mature, immature, unconfirmed: 0, total: mature + immature });
  });

  it('lists immature coinbase coins with coinbase: true and spendable: false; the node lists only the mature one', async () => {
    const coins = await call<LedgerCoin[]>('get_unspent_outputs', { minConf: 0 });
    expect(coins).toHaveLength(101);
    const immature = coins.filter((c) => c.confirmations < MATURE_AT);
    expect(immature).toHaveLength(100);
    expect(new Set(immature.map((c) => `coinbase:${c.coinbase} spendable:${c.spendable}`))).toEqual(new Set(['coinbase:true spendable:false']));
    const mature = coins.filter((c) => c.confirmations >= MATURE_AT);
    expect(mature.map((c) => [c.txid, c.coinbase, c.spendable])).toEqual([[coinbaseAt.get(Math.min(...coinbaseAt.keys()))!.txid, true, true]]);
    // Core's listunspent (here via scantxoutset) sees all 101 outputs; only the mature one is spendable.
    const scan = await ctx.node.rpc<{ unspents: Array<{ txid: string; height: number }> }>('scantxoutset', 'start', [`addr(${address})`]);
    expect(scan.unspents).toHaveLength(101);
  });

  it('announces a coinbase reaching maturity with a balance event when one more block is mined', async () => {
    const ws: WsClient = await connectWs(d, d.adminToken);
    await ws.result('subscribe', { wallet, events: ['balance'] });
    await ctx.node.mine(1);
    const { mature, immature } = await nodeView();
    try {
      // Rejects with the events received so far when none carries the new split.
      await ws.waitForEvents(
        (events) => events.some((e) => e.type === 'balance' && e.data.confirmed === mature && e.data.immature === immature),
        15_000,
      );
    } finally {
      await ws.close();
    }
  });

  it('refuses a send above the mature amount with INSUFFICIENT_FUNDS', async () => {
    const { mature } = await nodeView();
    const to = await ctx.node.rpc<string>('getnewaddress');
    const answer = await rpc(d, d.adminToken, 'send_transaction', { wallet, outputs: [{ address: to, amount: mature + 100_000_000 }], feeRate: 2 });
    expect(answer.error?.data?.code).toBe('INSUFFICIENT_FUNDS');
  });

  it('accepts 10 of 10 sends within the mature amount, none spending an immature coinbase', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress');
    const failures: string[] = [];
    const sent: string[] = [];
    for (let i = 0; i < 10; i++) {
      const answer = await rpc(d, d.adminToken, 'send_transaction', { wallet, outputs: [{ address: to, amount: 100_000_000 }], feeRate: 2 });
      if (answer.error) failures.push(`${answer.error.data?.code}: ${answer.error.message}`);
      else sent.push((answer.result as { txid: string }).txid);
    }
    expect(failures).toEqual([]);
    const pool = new Set(await ctx.node.rpc<string[]>('getrawmempool'));
    expect(sent.filter((t) => !pool.has(t))).toEqual([]);
    const tip = await ctx.node.rpc<number>('getblockcount');
    const heightOf = new Map([...coinbaseAt].map(([h, cb]) => [cb.txid, h]));
    for (const txid of sent) {
      const tx = await ctx.node.rpc<NodeTx>('getrawtransaction', txid, true);
      for (const vin of tx.vin) {
        const h = heightOf.get(vin.txid!);
        if (h !== undefined) expect(tip - h + 1).toBeGreaterThanOrEqual(MATURE_AT);
      }
    }
  });
});
