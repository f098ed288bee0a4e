/**
 * Issue 11, "Own-send events": a subscribed client gets `tx` and `balance` events for the
 * wallet's own send, and for its cancel, when they are broadcast, before any block is mined.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import type { WsClient } from '../notify/ws-client.ts';
import { connectWs, settle, useDaemons, walletCaller, type LedgerBalance } from './ledger-helpers.ts';

const ctx = useRegtestNode();
const startDaemon = useDaemons();

interface Sent { txid: string; fee: number }

describe('events for the wallet’s own transactions', () => {
  let d: RunningDaemon;
  let wallet: string;
  let call: ReturnType<typeof walletCaller>;
  let ws: WsClient;
  let tip: number;
  let sent: Sent;

  beforeAll(async () => {
    d = await startDaemon(ctx.node);
    wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'events' })).id;
    call = walletCaller(d, wallet);
    await ctx.node.fund((await call<{ address: string }>('generate_address')).address, 100_000_000n);
    await ctx.node.mine(1);
    await settle(d, wallet, ctx.node);
    tip = await ctx.node.rpc<number>('getblockcount');
    // A read-only app token bound to the wallet, as a subscriber would hold.
    const { token } = await ok<{ token: string }>(d, d.adminToken, 'token_create', {
      name: 'watcher', scopes: ['wallet:read'], constraints: { wallets: [wallet] },
    });
    ws = await connectWs(d, token);
    await ws.result('subscribe', { wallet, events: ['tx', 'balance'] });
  });
  afterAll(async () => ws?.close());

  it('a send emits tx and balance events before any block', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress');
    sent = await call<Sent>('send_transaction', { outputs: [{ address: to, amount: 20_000_000 }], feeRate: 2 });
    const expected = 100_000_000 - 20_000_000 - sent.fee;
    await ws.waitForEvents(
      (events) => events.some((e) => e.type === 'tx' && e.data.txid === sent.txid) &&
        events.some((e) => e.type === 'balance' && e.data.total === expected),
      10_000,
    );
    expect((await call<LedgerBalance>('get_balance')).total).toBe(expected);
    expect(await ctx.node.rpc<number>('getblockcount')).toBe(tip);
  });

  it('a cancel emits tx and balance events before any block', async () => {
    const seen = ws.events.length;
    const cancel = await call<Sent>('cancel_transaction', { txid: sent.txid });
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(cancel.txid);
    const expected = 100_000_000 - cancel.fee;
    await ws.waitForEvents(
      (events) => events.slice(seen).some((e) => e.type === 'tx' && e.data.txid === cancel.txid) &&
        events.slice(seen).some((e) => e.type === 'balance' && e.data.total === expected),
      10_000,
    );
    expect(await ctx.node.rpc<number>('getblockcount')).toBe(tip);
  });
});
