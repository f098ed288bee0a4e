/**
 * Issue 11, "Ambiguous broadcast": sendrawtransaction reaches the node, then the connection fails
 * before walletd hears the answer. A proxy in front of the node's RPC forwards the call and then
 * drops the client socket. Target: the txid with status `broadcasting` (never CHAIN_UNAVAILABLE),
 * coins stay spent, sync resolves it to pending, and no resend pays twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, rpc, until, type RpcAnswer, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { useRegtestNode, type RegtestNode } from '../harness/regtest-node.ts';
import { startFaultProxy, type FaultProxy, type ProxyRule } from './fault-proxy.ts';
import { mempoolPayersOf, settle, sleep, useDaemons, walletCaller, type LedgerCoin, type NodeTx } from './ledger-helpers.ts';

const ctx = useRegtestNode();
const startDaemon = useDaemons();
const proxies: FaultProxy[] = [];
afterAll(async () => {
  for (const p of proxies) await p.close();
});

/** Drops the connection of the next single sendrawtransaction, by default after the node answered it. */
function dropNextBroadcast(kind: 'drop-after-forward' | 'drop-before-forward' = 'drop-after-forward'): ProxyRule {
  let armed = true;
  return (body) => {
    if (armed && !Array.isArray(body) && body.method === 'sendrawtransaction') {
      armed = false;
      return { kind };
    }
    return { kind: 'forward' };
  };
}

/**
 * A daemon following the node through a fault proxy, with one funded wallet of two coins; it is
 * funded under fast polling, then restarted with `env` (if given).
 */
async function setup(node: RegtestNode, env?: Record<string, string>) {
  const proxy = await startFaultProxy(node.url);
  proxies.push(proxy);
  let d = await startDaemon(node, { WALLETD_CHAIN_URL: proxy.url });
  const wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'ambiguous' })).id;
  const call = walletCaller(d, wallet);
  // Unequal coins: largest-first picks the 1.2 one, so "which coin" is deterministic.
  for (const value of [120_000_000n, 100_000_000n]) await node.fund((await call<{ address: string }>('generate_address')).address, value);
  await node.mine(1);
  await settle(d, wallet, node);
  if (env) {
    d = await startDaemon.restart(d, node, { WALLETD_CHAIN_URL: proxy.url, ...env });
    await settle(d, wallet, node);
  }
  return { proxy, d, wallet, call: walletCaller(d, wallet) };
}

const inputsOf = async (txid: string) =>
  (await ctx.node.rpc<NodeTx>('getrawtransaction', txid, true)).vin.map((i) => `${i.txid}:${i.vout}`);

describe('a broadcast whose answer is lost', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  let first: NodeTx;
  // Slow polling: nothing but the send itself may tell the wallet about the broadcast tx.
  const env = { WALLETD_CHAIN_POLL_INTERVAL_MS: '60000' };

  beforeAll(async () => {
    s = await setup(ctx.node, env);
  });

  it('answers the txid with status broadcasting, not CHAIN_UNAVAILABLE', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress');
    s.proxy.setRule(dropNextBroadcast());
    const answer = await rpc(s.d, s.d.adminToken, 'send_transaction', { wallet: s.wallet, outputs: [{ address: to, amount: 60_000_000 }], feeRate: 2 });
    const payers = await mempoolPayersOf(ctx.node, to);
    expect(payers).toHaveLength(1); // the node did get it
    first = payers[0]!;
    expect(answer.error).toBeUndefined();
    expect(answer.result).toMatchObject({ txid: first.txid, status: 'broadcasting' });
  });

  it('keeps its coins spent: a second send right away does not pick them, and the node accepts it', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress');
    const answer = await rpc(s.d, s.d.adminToken, 'send_transaction', { wallet: s.wallet, outputs: [{ address: to, amount: 60_000_000 }], feeRate: 2 });
    expect(answer.error).toBeUndefined();
    const { txid } = answer.result as { txid: string };
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(txid);
    const spentByFirst = new Set(await inputsOf(first.txid));
    expect((await inputsOf(txid)).filter((op) => spentByFirst.has(op))).toEqual([]);
    const listed = (await s.call<LedgerCoin[]>('get_unspent_outputs', { minConf: 0 })).map((c) => `${c.txid}:${c.vout}`);
    expect(listed.filter((op) => spentByFirst.has(op))).toEqual([]);
  });

  it('after a sync it is pending, as the node has it', async () => {
    s.d = await startDaemon.restart(s.d, ctx.node, { WALLETD_CHAIN_URL: s.proxy.url, ...env });
    await settle(s.d, s.wallet, ctx.node);
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(first.txid);
    expect((await ok<{ status: string }>(s.d, s.d.adminToken, 'get_tx_status', { wallet: s.wallet, txid: first.txid })).status).toBe('pending');
  });
});

describe('a caller that resends only when told the payment failed', () => {
  it('pays the address once', async () => {
    const s = await setup(ctx.node);
    const to = await ctx.node.rpc<string>('getnewaddress');
    s.proxy.setRule(dropNextBroadcast());
    const answers: RpcAnswer[] = [];
    // What an integration does without an idempotency key: CHAIN_UNAVAILABLE means "not paid",
    // so back off (the wallet syncs meanwhile) and try again; a txid means "paid".
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await rpc(s.d, s.d.adminToken, 'send_transaction', { wallet: s.wallet, outputs: [{ address: to, amount: 60_000_000 }], feeRate: 2 });
      answers.push(answer);
      if (answer.error?.data?.code !== 'CHAIN_UNAVAILABLE') break;
      await sleep(1_500);
    }
    await settle(s.d, s.wallet, ctx.node);
    const payers = await mempoolPayersOf(ctx.node, to);
    // One diff shows both: how many node txs pay the address, and what each attempt was told.
    expect({ nodeTxsPaying: payers.length, answers: answers.map((a) => a.error?.data?.code ?? 'ok') })
      .toEqual({ nodeTxsPaying: 1, answers: ['ok'] });
  });
});

describe('a fee bump whose broadcast never reached the node', () => {
  // The crash loop's rare failure (issue 16): walletd recorded a replacement as broadcasting and
  // then died, or lost the connection, before the node heard of it. Sync then never sent it: a
  // live daemon's cached watch set did not hold it, and a restarted one saw the original still
  // in the mempool and took that as the original having out-bid it. The bump was recorded by
  // walletd as replaced and unknown to the node.
  const bumpLost = async (restart: boolean) => {
    const s = await setup(ctx.node);
    const to = await ctx.node.rpc<string>('getnewaddress');
    const original = await s.call<{ txid: string }>('send_transaction', { outputs: [{ address: to, amount: 30_000_000 }], feeRate: 2 });
    await settle(s.d, s.wallet, ctx.node);
    s.proxy.setRule(dropNextBroadcast('drop-before-forward'));
    const bump = await s.call<{ txid: string; status: string }>('bump_fee', { txid: original.txid, feeRate: 6 });
    expect(bump.status).toBe('broadcasting');
    if (restart) s.d = await startDaemon.restart(s.d, ctx.node, { WALLETD_CHAIN_URL: s.proxy.url });
    const call = walletCaller(s.d, s.wallet);
    await until(() => ctx.node.rpc<string[]>('getrawmempool'), (pool) => pool.includes(bump.txid) && !pool.includes(original.txid));
    await settle(s.d, s.wallet, ctx.node);
    const statusOf = async (txid: string) => (await call<{ status: string }>('get_tx_status', { txid })).status;
    expect({ bump: await statusOf(bump.txid), original: await statusOf(original.txid) }).toEqual({ bump: 'pending', original: 'replaced' });
  };

  it('is sent by the next sync, and replaces its original', () => bumpLost(false));
  it('is sent by the first sync after a restart, and replaces its original', () => bumpLost(true));
});
