/**
 * Issue 13 point 1: bump_fee against a real daemon and node. A BIP125 replacement keeps the
 * recipients (less change, or an added input), out-pays a payee's child (rule 3), and marks the
 * original replaced in status, history and events; an incoming or unreplaceable tx is bumped
 * by CPFP; token limits count the extra fee, as they do a cancel's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { fundedDaemon } from '../policy/funded-daemon.ts';
import { ok, rpc, until, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { connectWs } from '../ledger/ledger-helpers.ts';
import type { WsClient } from '../notify/ws-client.ts';
import { spendInChild, voutPaying } from './node-child.ts';

const ctx = useRegtestNode();

interface Bumped { txid: string; method: 'rbf' | 'cpfp'; fee: number; feeRate: number; effectiveFeeRate: number }
interface NodeTx { locktime: number; vin: Array<{ txid: string; vout: number }>; vout: Array<{ value: number; scriptPubKey: { address?: string; addresses?: string[] } }> }

describe('bump_fee against a real node', () => {
  let d: RunningDaemon;
  let wallet: string;
  let dest: string;
  let ws: WsClient;
  const send = async (amount: number, token = d.adminToken) =>
    ok<{ txid: string; fee: number }>(d, token, 'send_transaction', { wallet, outputs: [{ address: dest, amount }], feeRate: 1 });
  const bump = (params: Record<string, unknown>, token = d.adminToken) => rpc(d, token, 'bump_fee', { wallet, ...params });
  const nodeTx = (txid: string) => ctx.node.rpc<NodeTx>('getrawtransaction', txid, true);
  const paid = (tx: NodeTx, address: string) =>
    tx.vout.filter((o) => o.scriptPubKey.address === address || o.scriptPubKey.addresses?.includes(address)).map((o) => Math.round(o.value * 1e8));
  /** Mines what is pending, so each case starts from confirmed coins. */
  const confirmAll = async () => {
    await ctx.node.mine(1);
    const tip = await ctx.node.rpc<number>('getblockcount');
    await until(() => ok<{ sync: { syncHeight: number } }>(d, d.adminToken, 'get_wallet_info', { wallet }), (i) => i.sync.syncHeight === tip);
  };

  beforeAll(async () => {
    ({ d, wallet, dest } = await fundedDaemon(ctx.node, 'bump'));
    ws = await connectWs(d, d.adminToken);
    await ws.result('subscribe', { wallet, events: ['tx'] });
  });
  afterAll(async () => {
    await ws?.close();
    d?.child.kill('SIGTERM');
    await d?.exited;
  });

  it('replaces a send, keeping its recipient and taking the fee from change; the original shows replaced', async () => {
    const sent = await send(500_000);
    const before = await nodeTx(sent.txid);
    const bumped = (await bump({ txid: sent.txid, feeRate: 10 })).result as Bumped;
    expect(bumped.method).toBe('rbf');
    const pool = await ctx.node.rpc<string[]>('getrawmempool');
    expect(pool).toContain(bumped.txid);
    expect(pool).not.toContain(sent.txid);
    const after = await nodeTx(bumped.txid);
    expect(paid(after, dest)).toEqual([500_000]);
    expect(after.vin.map((i) => `${i.txid}:${i.vout}`)).toEqual(before.vin.map((i) => `${i.txid}:${i.vout}`));
    expect(bumped.feeRate).toBeGreaterThanOrEqual(10);
    expect(bumped.fee).toBeGreaterThan(sent.fee);

    expect(await ok(d, d.adminToken, 'get_tx_status', { wallet, txid: sent.txid })).toMatchObject({ status: 'replaced', replacedBy: bumped.txid });
    const history = await ok<{ transactions: Array<{ txid: string; status: string; replacedBy: string | null }> }>(
      d, d.adminToken, 'get_transaction_history', { wallet, limit: 50 });
    expect(history.transactions.find((t) => t.txid === sent.txid)).toMatchObject({ status: 'replaced', replacedBy: bumped.txid });
    await ws.waitForEvents((events) => events.some((e) => e.type === 'tx' && e.data.txid === sent.txid &&
      e.data.status === 'replaced' && e.data.replacedBy === bumped.txid), 10_000);
    await confirmAll();
  });

  it('out-pays the payee’s child (rule 3) and the node accepts the replacement', async () => {
    const sent = await send(400_000);
    const { vout, sats } = await voutPaying(ctx.node, sent.txid, dest);
    const child = await spendInChild(ctx.node, sent.txid, vout, sats, 30_000);
    const bumped = (await bump({ txid: sent.txid, feeRate: 3 })).result as Bumped;
    expect(bumped?.method).toBe('rbf');
    const pool = await ctx.node.rpc<string[]>('getrawmempool');
    expect(pool).toContain(bumped.txid);
    expect(pool).not.toContain(child);
    expect(bumped.fee).toBeGreaterThanOrEqual(sent.fee + 30_000 + Math.floor(bumped.fee / bumped.feeRate));
    expect(paid(await nodeTx(bumped.txid), dest)).toEqual([400_000]);
    await confirmAll();
  });

  it('adds an input when the change cannot pay the higher fee', async () => {
    const sent = await send(990_000);
    expect((await nodeTx(sent.txid)).vin).toHaveLength(1);
    const bumped = (await bump({ txid: sent.txid, feeRate: 100 })).result as Bumped;
    expect(bumped?.method).toBe('rbf');
    const after = await nodeTx(bumped.txid);
    expect(after.vin.length).toBeGreaterThan(1);
    expect(paid(after, dest)).toEqual([990_000]);
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(bumped.txid);
    await confirmAll();
  });

  it('bumps an incoming payment by CPFP through the wallet’s output', async () => {
    const { address } = await ok<{ address: string }>(d, d.adminToken, 'generate_address', { wallet });
    const incoming = await ctx.node.fund(address, 300_000n);
    await until(() => rpc(d, d.adminToken, 'get_tx_status', { wallet, txid: incoming }), (a) => a.result !== undefined);
    // The node's own send pays its fallback fee, 20 sat/vB.
    const answer = await bump({ txid: incoming, feeRate: 50 });
    expect(answer.error).toBeUndefined();
    const bumped = answer.result as Bumped;
    expect(bumped.method).toBe('cpfp');
    const childTx = await nodeTx(bumped.txid);
    expect(childTx.vin.some((i) => i.txid === incoming)).toBe(true);
    // The child is a new tx: anti-fee-sniping nLockTime at the tip (one time in ten up to 99 below), never 0.
    const tip = await ctx.node.rpc<number>('getblockcount');
    expect(childTx.locktime).toBeGreaterThanOrEqual(tip - 99);
    expect(childTx.locktime).toBeLessThanOrEqual(tip);
    // The node's own view of the package the child joined.
    const entry = await ctx.node.rpc<{ ancestorfees: number; ancestorsize: number }>('getmempoolentry', bumped.txid);
    expect(entry.ancestorfees / entry.ancestorsize).toBeGreaterThanOrEqual(50);
    expect(bumped.effectiveFeeRate).toBeGreaterThanOrEqual(50);
    expect(await ok(d, d.adminToken, 'get_tx_status', { wallet, txid: incoming })).toMatchObject({ status: 'pending' });
    await confirmAll();
  });

  it('bumps the wallet’s own transaction that does not signal BIP125 by CPFP through its change', async () => {
    const coins = await ok<Array<{ txid: string; vout: number; value: number; spendable: boolean }>>(d, d.adminToken, 'get_unspent_outputs', { wallet });
    const coin = coins.find((c) => c.spendable && c.value >= 200_000)!;
    const { address: back } = await ok<{ address: string }>(d, d.adminToken, 'generate_address', { wallet });
    // The node builds it with final sequences (replaceable = false); walletd signs its own input.
    const unsigned = await ctx.node.rpc<string>('createpsbt', [{ txid: coin.txid, vout: coin.vout }],
      [{ [dest]: 0.0005 }, { [back]: (coin.value - 50_000 - 200) / 1e8 }], 0, false);
    const signed = await ok<{ hex: string; complete: boolean }>(d, d.adminToken, 'sign_transaction', { wallet, psbt: unsigned });
    expect(signed.complete).toBe(true);
    const txid = await ctx.node.rpc<string>('sendrawtransaction', signed.hex);
    expect(await ctx.node.rpc<{ 'bip125-replaceable': boolean }>('getmempoolentry', txid)).toMatchObject({ 'bip125-replaceable': false });
    await until(() => rpc(d, d.adminToken, 'get_tx_status', { wallet, txid }), (a) => a.result !== undefined);
    const answer = await bump({ txid, feeRate: 10 });
    expect(answer.error).toBeUndefined();
    const bumped = answer.result as Bumped;
    expect(bumped.method).toBe('cpfp');
    expect((await nodeTx(bumped.txid)).vin.some((i) => i.txid === txid)).toBe(true);
    const entry = await ctx.node.rpc<{ ancestorfees: number; ancestorsize: number }>('getmempoolentry', bumped.txid);
    expect(entry.ancestorfees / entry.ancestorsize).toBeGreaterThanOrEqual(10);
    await confirmAll();
  });

  it('answers ALREADY_CONFIRMED for a mined transaction and TX_NOT_FOUND for a stranger’s', async () => {
    const sent = await send(100_000);
    await confirmAll();
    expect((await bump({ txid: sent.txid, feeRate: 5 })).error?.data?.code).toBe('ALREADY_CONFIRMED');
    expect((await bump({ txid: 'ab'.repeat(32) })).error?.data?.code).toBe('TX_NOT_FOUND');
  });

  it('counts the extra fee against a token’s limits, and bumps only its own lineage’s sends', async () => {
    const mint = async (constraints: Record<string, unknown>) => ok<{ token: string }>(d, d.adminToken, 'token_create', {
      name: `bumper-${Math.random()}`, scopes: ['wallet:read', 'wallet:send'], constraints,
    });
    const operator = await send(50_000);
    const limited = (await mint({ maxSendPerDay: 40_000 })).token;
    // Whole error objects in the expectations, so a failure says what came back instead.
    expect((await bump({ txid: operator.txid, feeRate: 5 }, limited)).error?.data).toMatchObject({ code: 'FORBIDDEN_SCOPE' });

    // What the day sees is the amount plus the latest fee: 10,000 + 300 sat/vB × at least
    // 141 vB is over 40,000 however the send was funded; 50 and 100 sat/vB fit.
    const own = await send(10_000, limited);
    expect((await bump({ txid: own.txid, feeRate: 300 }, limited)).error?.data).toMatchObject({ code: 'SPEND_LIMIT' });
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(own.txid);
    const first = await ok<Bumped>(d, limited, 'bump_fee', { wallet, txid: own.txid, feeRate: 50 });
    expect(first.method).toBe('rbf');
    // The first bump's extra fee was charged: bumping its replacement is held to the same total.
    expect((await bump({ txid: first.txid, feeRate: 300 }, limited)).error?.data).toMatchObject({ code: 'SPEND_LIMIT' });
    const second = await ok<Bumped>(d, limited, 'bump_fee', { wallet, txid: first.txid, feeRate: 100 });
    expect(second.method).toBe('rbf');
    const pool = await ctx.node.rpc<string[]>('getrawmempool');
    expect(pool).toContain(second.txid);
    expect(pool).not.toContain(first.txid);
    expect(pool).not.toContain(own.txid);
    // Charged only for the send (about 10,141), 20,000 more would fit the day; with the bumps'
    // fees (at least 14,100 more) it does not.
    const more = await rpc(d, limited, 'send_transaction', { wallet, outputs: [{ address: dest, amount: 20_000 }], feeRate: 1 });
    expect(more.error?.data).toMatchObject({ code: 'SPEND_LIMIT' });
    await confirmAll();
  });
});
