/**
 * The wallet's money operations against a real regtest node: a transaction counts only once the
 * node has accepted it. Runs for BIP84 (P2WPKH) and BIP86 (P2TR) wallets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWalletdError } from '../../src/errors.ts';
import { EsploraBackend } from '../../src/chain/esplora-backend.ts';
import { startEsploraServer } from '../harness/esplora-server.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { startService, type ServiceHarness } from './service-harness.ts';
import { rejectionCode } from '../harness/error-codes.ts';

const ctx = useRegtestNode();

const CASES = [
  ['bitcoind', 'p2wpkh'],
  ['bitcoind', 'p2tr'],
  ['esplora', 'p2wpkh'],
  ['esplora', 'p2tr'],
] as const;

describe.each(CASES)('%s backend, %s wallet on regtest', (backend, addressType) => {
  let h: ServiceHarness;
  let walletId: string;
  let esplora: { url: string; close(): Promise<void> } | undefined;

  beforeAll(async () => {
    if (backend === 'esplora') esplora = await startEsploraServer(ctx.node);
    h = await startService(ctx.node, esplora && new EsploraBackend({ url: esplora.url }));
    walletId = (await h.service.createWallet({ name: `it-${addressType}`, addressType })).id;
  });
  afterAll(async () => {
    await h?.close();
    await esplora?.close();
  });

  const sync = () => h.service.sync.syncNow();
  const mempool = () => ctx.node.rpc<string[]>('getrawmempool');

  it('receives: balance, history and coins follow the chain', async () => {
    for (let i = 0; i < 3; i++) {
      const { address } = await h.service.generateAddress(walletId, { label: `in-${i}` });
      await ctx.node.fund(address, 50_000_000n);
    }
    await sync();
    expect(await h.service.getBalance(walletId)).toEqual({
      confirmed: 0, immature: 0, trustedPending: 0, untrustedPending: 150_000_000, unconfirmed: 150_000_000, spendable: 0, total: 150_000_000,
    });
    await ctx.node.mine(1);
    await sync();
    expect(await h.service.getBalance(walletId)).toEqual({
      confirmed: 150_000_000, immature: 0, trustedPending: 0, untrustedPending: 0, unconfirmed: 0, spendable: 150_000_000, total: 150_000_000,
    });
    const history = await h.service.getTransactionHistory(walletId, { limit: 10 });
    expect(history.transactions).toHaveLength(3);
    expect(history.transactions.every((t) => t.direction === 'incoming' && t.amount === 50_000_000 && t.status === 'confirmed')).toBe(true);
    const coins = await h.service.getUnspentOutputs(walletId, { minConf: 1 });
    expect(coins.map((c) => c.value)).toEqual([50_000_000, 50_000_000, 50_000_000]);
    const addresses = await h.service.getAddresses(walletId);
    expect(addresses.filter((a) => a.used)).toHaveLength(3);
  });

  it('sends: the node accepts the tx, change returns to a fresh change address, status confirms', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress');
    const sent = await h.service.sendTransaction(walletId, { outputs: [{ address: to, amount: 10_000_000 }], feeRate: 5 });
    expect(await mempool()).toContain(sent.txid);
    const entry = await ctx.node.rpc<{ 'bip125-replaceable': boolean }>('getmempoolentry', sent.txid);
    expect(entry['bip125-replaceable']).toBe(true);
    expect(sent.feeRate).toBeGreaterThanOrEqual(5);
    expect((await h.service.getTxStatus(walletId, sent.txid)).status).toBe('pending');
    await ctx.node.mine(1);
    await sync();
    const status = await h.service.getTxStatus(walletId, sent.txid);
    expect(status).toMatchObject({ status: 'confirmed', confirmations: 1 });
    const balance = await h.service.getBalance(walletId);
    expect(balance.total).toBe(150_000_000 - 10_000_000 - sent.fee);
    const change = (await h.service.getAddresses(walletId)).filter((a) => a.chain === 'change' && a.used);
    expect(change).toHaveLength(1);
  });

  it('signs a draft without broadcasting; the node accepts the signed hex', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress');
    const signed = await h.service.signTransaction(walletId, { outputs: [{ address: to, amount: 1_000_000 }], feeRate: 3 });
    expect(signed.complete).toBe(true);
    expect(signed.leasedUntil).toBeGreaterThan(Date.now() / 1000);
    const leased = (await h.service.getUnspentOutputs(walletId, { minConf: 0 })).filter((c) => c.lockedUntil !== null);
    expect(leased.length).toBeGreaterThan(0);
    const txid = await ctx.node.rpc<string>('sendrawtransaction', signed.hex);
    expect(await mempool()).toContain(txid);
    await ctx.node.mine(1);
    await sync();
    expect((await h.service.getTxStatus(walletId, txid)).status).toBe('confirmed');
  });

  it('cancels an unconfirmed send with a BIP125 replacement; then ALREADY_CONFIRMED', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress');
    const before = (await h.service.getBalance(walletId)).total;
    const sent = await h.service.sendTransaction(walletId, { outputs: [{ address: to, amount: 2_000_000 }], feeRate: 2 });
    const cancel = await h.service.cancelTransaction(walletId, { txid: sent.txid });
    const pool = await mempool();
    expect(pool).toContain(cancel.txid);
    expect(pool).not.toContain(sent.txid);
    expect(cancel.fee).toBeGreaterThan(sent.fee);
    expect(await h.service.getTxStatus(walletId, sent.txid)).toMatchObject({ status: 'replaced', replacedBy: cancel.txid });
    await ctx.node.mine(1);
    await sync();
    expect((await h.service.getBalance(walletId)).total).toBe(before - cancel.fee);
    expect(await rejectionCode(h.service.cancelTransaction(walletId, { txid: cancel.txid }))).toBe('ALREADY_CONFIRMED');
  });

  it('an idempotent retry returns the same txid and never pays twice', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress');
    const req = { outputs: [{ address: to, amount: 1_500_000 }], feeRate: 2, idempotencyKey: `key-${backend}-${addressType}` };
    const first = await h.service.sendTransaction(walletId, req);
    const again = await h.service.sendTransaction(walletId, req);
    expect(again).toMatchObject({ txid: first.txid, replayed: true });
    const history = await h.service.getTransactionHistory(walletId, { limit: 50 });
    expect(history.transactions.filter((t) => t.amount === -(1_500_000 + first.fee))).toHaveLength(1);
    expect(await rejectionCode(h.service.sendTransaction(walletId, { ...req, outputs: [{ address: to, amount: 1_600_000 }] }))).toBe('INVALID_PARAMS');
    await ctx.node.mine(1);
    await sync();
  });

  it('follows a reorg: an invalidated block turns its tx back to pending, a new block confirms it', async () => {
    const { address } = await h.service.generateAddress(walletId, {});
    const txid = await ctx.node.fund(address, 7_000_000n);
    const [blockHash] = await ctx.node.mine(1);
    await sync();
    expect((await h.service.getTxStatus(walletId, txid)).status).toBe('confirmed');
    const confirmed = (await h.service.getBalance(walletId)).confirmed;
    await ctx.node.rpc('invalidateblock', blockHash);
    await sync();
    expect((await h.service.getTxStatus(walletId, txid)).status).toBe('pending');
    expect((await h.service.getBalance(walletId)).confirmed).toBe(confirmed - 7_000_000);
    // Another coinbase address, so the new block differs from the invalidated one.
    await ctx.node.mine(1, await ctx.node.rpc<string>('getnewaddress'));
    await sync();
    const status = await h.service.getTxStatus(walletId, txid);
    expect(status.status).toBe('confirmed');
    expect(status.blockHash).not.toBe(blockHash);
  });

  it('refuses bad destinations with WRONG_NETWORK / INVALID_ADDRESS and oversize sends with INSUFFICIENT_FUNDS', async () => {
    const send = (address: string, amount = 10_000) => h.service.sendTransaction(walletId, { outputs: [{ address, amount }] });
    expect(await rejectionCode(send('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'))).toBe('WRONG_NETWORK');
    expect(await rejectionCode(send('not-an-address'))).toBe('INVALID_ADDRESS');
    const to = await ctx.node.rpc<string>('getnewaddress');
    expect(await rejectionCode(send(to, 21_000_000 * 100_000_000))).toBe('INSUFFICIENT_FUNDS');
  });
});

describe('50 concurrent sends on one wallet', () => {
  let h: ServiceHarness;
  beforeAll(async () => {
    h = await startService(ctx.node);
  });
  afterAll(async () => h?.close());

  it('never double-spends: each call is accepted by the node or answers INSUFFICIENT_FUNDS', async () => {
    const { id } = await h.service.createWallet({ name: 'concurrency' });
    for (let i = 0; i < 8; i++) {
      await ctx.node.fund((await h.service.generateAddress(id, {})).address, 1_000_000n);
    }
    await ctx.node.mine(1);
    await h.service.sync.syncNow();
    const to = await ctx.node.rpc<string>('getnewaddress');
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => h.service.sendTransaction(id, { outputs: [{ address: to, amount: 600_000 }], feeRate: 2 })),
    );
    const sent = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.txid] : []));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(refused.every((e) => isWalletdError(e, 'INSUFFICIENT_FUNDS'))).toBe(true);
    // Eight coins pay at least eight sends; with the wallet's own unconfirmed change spendable
    // (Core's -spendzeroconfchange) a few more fit, but never more than the money allows.
    expect(sent.length).toBeGreaterThanOrEqual(8);
    expect(sent.length * 600_000).toBeLessThanOrEqual(8_000_000);
    const pool = new Set(await ctx.node.rpc<string[]>('getrawmempool'));
    expect(sent.every((txid) => pool.has(txid))).toBe(true);
    const inputs = new Set<string>();
    for (const txid of sent) {
      const tx = await ctx.node.rpc<{ vin: Array<{ txid: string; vout: number }> }>('getrawtransaction', txid, true);
      for (const vin of tx.vin) {
        const key = `${vin.txid}:${vin.vout}`;
        expect(inputs.has(key)).toBe(false);
        inputs.add(key);
      }
    }
  });
});
