/**
 * Issue 11, found by the 3,000-step differential (seeds 77043762 and 978946414): a reorg makes
 * the coinbase a receive spends immature again, so the node drops the receive and walletd's own
 * send that spends it. Both can still confirm once the coinbase matures again, and Core keeps
 * them (inactive, inputs spent). walletd used to call the rebroadcast's refusal a conflict, for
 * good: the send never came back and its inputs were counted as free.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ok, until, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import {
  mineWith, outAddress, sats, settle, sleep, useDaemons, walletCaller,
  type LedgerBalance, type LedgerCoin, type NodeTx,
} from './ledger-helpers.ts';

const ctx = useRegtestNode();
const startDaemon = useDaemons();

/** Regtest's coinbase maturity: a coinbase output can be spent in the block 100 above it. */
const MATURITY = 100;

describe('sends whose parent is out of the chain or the mempool for a while', () => {
  let d: RunningDaemon;
  let wallet: string;
  let call: ReturnType<typeof walletCaller>;

  beforeAll(async () => {
    d = await startDaemon(ctx.node);
    wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'transient' })).id;
    call = walletCaller(d, wallet);
  });

  it('stays pending while the reorg makes its grandparent coinbase immature, and is accepted again after', async () => {
    const { node } = ctx;
    const { address } = await call<{ address: string }>('generate_address');
    // A counterparty coinbase that matures exactly at the tip, paid on to walletd.
    const payer = await node.rpc<string>('getnewaddress');
    const [cbBlock] = await node.mine(1, payer);
    const cb = (await node.rpc<{ tx: NodeTx[] }>('getblock', cbBlock, 2)).tx[0]!;
    const vout = cb.vout.findIndex((o) => outAddress(o) === payer);
    await node.mine(MATURITY - 2);
    const value = sats(cb.vout[vout]!.value);
    const raw = await node.rpc<string>('createrawtransaction', [{ txid: cb.txid, vout }], { [address]: (value - 100_000) / 1e8 });
    const receive = await node.rpc<{ hex: string; complete: boolean }>('signrawtransactionwithwallet', raw);
    expect(receive.complete).toBe(true);
    const maturingBlock = await mineWith(node, []);
    await mineWith(node, [receive.hex]);
    await settle(d, wallet, node);

    // walletd's own sends lock to the tip (anti-fee-sniping), so a reorg below it makes them
    // non-final, which walletd already keeps. This one, like 1 in 10 of walletd's, locks lower.
    const to = await node.rpc<string>('getnewaddress');
    const { address: back } = await call<{ address: string }>('generate_address');
    const coin = (await call<LedgerCoin[]>('get_unspent_outputs'))[0]!;
    const unsigned = await node.rpc<string>('createpsbt', [{ txid: coin.txid, vout: coin.vout }],
      [{ [to]: 0.1 }, { [back]: (coin.value - 10_000_000 - 1_000) / 1e8 }], 0, true);
    const signed = await call<{ hex: string; complete: boolean }>('sign_transaction', { psbt: unsigned });
    expect(signed.complete).toBe(true);
    const send = { txid: await node.rpc<string>('sendrawtransaction', signed.hex) };
    await settle(d, wallet, node);
    expect(await call<{ status: string }>('get_tx_status', { txid: send.txid })).toMatchObject({ status: 'pending' });

    // Two blocks off the tip: the receive would spend a coinbase at depth 99, so the node drops
    // it, and the send with it. walletd syncs to this state and rebroadcasts both.
    await node.rpc('invalidateblock', maturingBlock);
    const pool = await node.rpc<string[]>('getrawmempool');
    expect(pool).not.toContain(send.txid);
    await settle(d, wallet, node);
    const [verdict] = await node.rpc<Array<{ 'reject-reason'?: string }>>('testmempoolaccept', [signed.hex]);
    expect(verdict?.['reject-reason']).toMatch(/missing/i);
    expect(await call<{ status: string }>('get_tx_status', { txid: send.txid })).toMatchObject({ status: 'pending' });
    // Neither tx is in the mempool, so neither one's outputs count (Core: inactive, not in mempool).
    expect(await call<LedgerBalance>('get_balance')).toMatchObject({ confirmed: 0, unconfirmed: 0, total: 0 });

    // The competing chain grows past the old tip: the coinbase is mature again, and the
    // counterparty resends its payment. walletd's next rebroadcast of the send is accepted.
    // A fresh address: a block like the invalidated one, in the same second, would be identical.
    await node.mine(2, await node.rpc<string>('getnewaddress'));
    await node.rpc('sendrawtransaction', receive.hex).catch(() => undefined);
    const deadline = Date.now() + 20_000;
    while (!(await node.rpc<string[]>('getrawmempool')).includes(send.txid) && Date.now() < deadline) await sleep(100);
    expect(await node.rpc<string[]>('getrawmempool')).toContain(send.txid);
    await settle(d, wallet, node);
    expect(await call<{ status: string }>('get_tx_status', { txid: send.txid })).toMatchObject({ status: 'pending' });
    // The receive's coin stays spent by the send; only the send's change is left.
    const coins = await call<LedgerCoin[]>('get_unspent_outputs', { minConf: 0 });
    expect(coins.map((c) => c.txid)).toEqual([send.txid]);
  });

  it('a spend of a coinbase that a reorg orphans is conflicted, and pending again in the node\u2019s mempool when a reorg mines the coinbase again', async () => {
    const { node } = ctx;
    const id = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'orphan' })).id;
    const orphanCall = walletCaller(d, id);
    const { address } = await orphanCall<{ address: string }>('generate_address');
    const [cbBlock] = await node.mine(1, address);
    await node.mine(MATURITY);
    await settle(d, id, node);
    const to = await node.rpc<string>('getnewaddress');
    const send = await orphanCall<{ txid: string }>('send_transaction', { outputs: [{ address: to, amount: 10_000_000 }], feeRate: 2 });

    await node.rpc('invalidateblock', cbBlock);
    await settle(d, id, node);
    expect(await orphanCall<{ status: string }>('get_tx_status', { txid: send.txid })).toMatchObject({ status: 'conflicted' });
    expect(await node.rpc<string[]>('getrawmempool')).not.toContain(send.txid);

    // The old chain is back, coinbase and all. Nobody but walletd resends the spend.
    await node.rpc('reconsiderblock', cbBlock);
    await settle(d, id, node);
    // The resend follows the pass that reached the tip; on a loaded machine it may land after settle.
    await until(() => node.rpc<string[]>('getrawmempool'), (pool) => pool.includes(send.txid));
    expect(await orphanCall<{ status: string }>('get_tx_status', { txid: send.txid })).toMatchObject({ status: 'pending' });
  });
});
