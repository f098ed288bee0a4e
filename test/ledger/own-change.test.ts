/**
 * Issue 11, "Own change": the wallet's own unconfirmed change is trustedPending and spendable
 * (Core's -spendzeroconfchange, default on); a stranger's unconfirmed payment is untrustedPending
 * and not spendable. No block is mined after the wallet is funded.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ok, rpc, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { settle, useDaemons, walletCaller, type LedgerBalance, type LedgerCoin, type NodeTx } from './ledger-helpers.ts';

const ctx = useRegtestNode();
const startDaemon = useDaemons();

interface Sent { txid: string; fee: number }

describe('own unconfirmed change', () => {
  let d: RunningDaemon;
  let wallet: string;
  let call: ReturnType<typeof walletCaller>;
  let first: Sent;
  let second: Sent;
  let tipAfterFunding: number;

  beforeAll(async () => {
    d = await startDaemon(ctx.node);
    wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'change' })).id;
    call = walletCaller(d, wallet);
    await ctx.node.fund((await call<{ address: string }>('generate_address')).address, 100_000_000n);
    await ctx.node.mine(1);
    tipAfterFunding = await ctx.node.rpc<number>('getblockcount');
    await settle(d, wallet, ctx.node);
  });

  it('after an own send, the unconfirmed change is trustedPending and spendable', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress');
    first = await call<Sent>('send_transaction', { outputs: [{ address: to, amount: 30_000_000 }], feeRate: 2 });
    await settle(d, wallet, ctx.node);
    const change = 100_000_000 - 30_000_000 - first.fee;
    expect(await call<LedgerBalance>('get_balance')).toMatchObject({
      confirmed: 0, trustedPending: change, untrustedPending: 0, unconfirmed: change, spendable: change, total: change,
    });
    const coins = await call<LedgerCoin[]>('get_unspent_outputs', { minConf: 0 });
    expect(coins.map((c) => [c.txid, c.value, c.confirmations, c.trusted, c.spendable])).toEqual([[first.txid, change, 0, true, true]]);
  });

  it('a second send that needs the change is accepted by the node before any block', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress');
    const answer = await rpc(d, d.adminToken, 'send_transaction', { wallet, outputs: [{ address: to, amount: 50_000_000 }], feeRate: 2 });
    expect(answer.error).toBeUndefined();
    second = answer.result as Sent;
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(second.txid);
    const tx = await ctx.node.rpc<NodeTx>('getrawtransaction', second.txid, true);
    expect(tx.vin.map((i) => i.txid)).toEqual([first.txid]);
    expect(await ctx.node.rpc<number>('getblockcount')).toBe(tipAfterFunding);
  });

  it("a stranger's unconfirmed payment is untrustedPending and not spendable", async () => {
    const { address } = await call<{ address: string }>('generate_address');
    const stranger = await ctx.node.fund(address, 200_000_000n);
    await settle(d, wallet, ctx.node);
    const ownChange = 100_000_000 - 30_000_000 - first.fee - 50_000_000 - (second?.fee ?? 0);
    expect(await call<LedgerBalance>('get_balance')).toMatchObject({
      confirmed: 0, trustedPending: ownChange, untrustedPending: 200_000_000, unconfirmed: ownChange + 200_000_000, spendable: ownChange,
    });
    const coin = (await call<LedgerCoin[]>('get_unspent_outputs', { minConf: 0 })).find((c) => c.txid === stranger);
    expect(coin).toMatchObject({ value: 200_000_000, confirmations: 0, trusted: false, spendable: false });
    const to = await ctx.node.rpc<string>('getnewaddress');
    const refused = await rpc(d, d.adminToken, 'send_transaction', { wallet, outputs: [{ address: to, amount: 100_000_000 }], feeRate: 2 });
    expect(refused.error?.data?.code).toBe('INSUFFICIENT_FUNDS');
    expect(await ctx.node.rpc<number>('getblockcount')).toBe(tipAfterFunding);
  });
});
