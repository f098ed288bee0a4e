/**
 * Issue 13 point 2: cancel_transaction counts the fees of the original's descendants (BIP125
 * rule 3). The payee spends walletd's payment in a child paying 30,000 sats; a cancel must pay
 * more than the original and that child together, or refuse with a clear code before broadcast.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { fundedDaemon } from '../policy/funded-daemon.ts';
import { ok, rpc, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { spendInChild, voutPaying } from './node-child.ts';
import { EsploraBackend } from '../../src/chain/esplora-backend.ts';
import { startEsploraServer } from '../harness/esplora-server.ts';
import { startService, type ServiceHarness } from '../integration/service-harness.ts';

const ctx = useRegtestNode();
const CHILD_FEE = 30_000;

/** walletd pays the node; the node spends the payment in a child paying CHILD_FEE. */
async function paidAndSpent(d: RunningDaemon, wallet: string, dest: string): Promise<{ txid: string; child: string; fee: number }> {
  const sent = await ok<{ txid: string; fee: number }>(d, d.adminToken, 'send_transaction', { wallet, outputs: [{ address: dest, amount: 500_000 }], feeRate: 1 });
  const { vout, sats } = await voutPaying(ctx.node, sent.txid, dest);
  const child = await spendInChild(ctx.node, sent.txid, vout, sats, CHILD_FEE);
  expect(await ctx.node.rpc<string[]>('getrawmempool')).toEqual(expect.arrayContaining([sent.txid, child]));
  return { txid: sent.txid, child, fee: sent.fee };
}

describe('cancel_transaction with a descendant in the mempool', () => {
  let d: RunningDaemon;
  let wallet: string;
  let dest: string;
  beforeAll(async () => {
    ({ d, wallet, dest } = await fundedDaemon(ctx.node, 'cancel-desc'));
  });
  afterAll(async () => {
    d?.child.kill('SIGTERM');
    await d?.exited;
  });

  it('pays the original’s and the child’s fees plus its own relay fee, and the node accepts it', async () => {
    const { txid, child, fee } = await paidAndSpent(d, wallet, dest);
    const locktime = async (id: string) => (await ctx.node.rpc<{ locktime: number }>('getrawtransaction', id, true)).locktime;
    const original = await locktime(txid);
    const cancel = await ok<{ txid: string; fee: number; feeRate: number }>(d, d.adminToken, 'cancel_transaction', { wallet, txid, feeRate: 2 });
    // The replacement keeps the original's anti-fee-sniping nLockTime, as Core's bumpfee does.
    expect(original).toBeGreaterThan(0);
    expect(await locktime(cancel.txid)).toBe(original);
    const pool = await ctx.node.rpc<string[]>('getrawmempool');
    expect(pool).toContain(cancel.txid);
    expect(pool).not.toContain(txid);
    expect(pool).not.toContain(child);
    // Rules 3 and 4: both evicted fees, plus its own ~110 vB at the 1 sat/vB incremental relay fee.
    expect(cancel.fee).toBeGreaterThanOrEqual(fee + CHILD_FEE + Math.floor(cancel.fee / cancel.feeRate));
    const status = await ok<{ status: string; replacedBy: string | null }>(d, d.adminToken, 'get_tx_status', { wallet, txid });
    expect(status).toMatchObject({ status: 'replaced', replacedBy: cancel.txid });
  });
});

describe('cancel_transaction that cannot afford the descendants', () => {
  let d: RunningDaemon;
  let wallet: string;
  let dest: string;
  beforeAll(async () => {
    ({ d, wallet, dest } = await fundedDaemon(ctx.node, 'cancel-capped', { WALLETD_FEES_MAX_FEE_SATS: '20000' }));
  });
  afterAll(async () => {
    d?.child.kill('SIGTERM');
    await d?.exited;
  });

  it('refuses with FEE_TOO_HIGH before broadcasting, naming what rule 3 needs', async () => {
    const { txid, child } = await paidAndSpent(d, wallet, dest);
    const answer = await rpc(d, d.adminToken, 'cancel_transaction', { wallet, txid, feeRate: 2 });
    expect(answer.error?.data?.code).toBe('FEE_TOO_HIGH');
    expect(answer.error?.data?.fee).toBeGreaterThan(CHILD_FEE);
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toEqual(expect.arrayContaining([txid, child]));
    const status = await ok<{ status: string }>(d, d.adminToken, 'get_tx_status', { wallet, txid });
    expect(status.status).toBe('pending');
  });
});

describe('cancel_transaction on the Esplora backend (no mempool view): the wallet’s own descendants count', () => {
  let h: ServiceHarness;
  let esplora: { url: string; close(): Promise<void> };
  let walletId: string;
  beforeAll(async () => {
    esplora = await startEsploraServer(ctx.node);
    h = await startService(ctx.node, new EsploraBackend({ url: esplora.url }));
    walletId = (await h.service.createWallet({ name: 'esplora-cancel' })).id;
    await ctx.node.fund((await h.service.generateAddress(walletId, {})).address, 1_000_000n);
    await ctx.node.mine(1);
    await h.service.sync.syncNow();
  });
  afterAll(async () => {
    await h?.close();
    await esplora?.close();
  });

  it('pays the original’s fee plus the fee of the wallet’s own child spending its change', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress');
    const parent = await h.service.sendTransaction(walletId, { outputs: [{ address: to, amount: 300_000 }], feeRate: 1 });
    const change = (await h.service.getUnspentOutputs(walletId, { minConf: 0 })).find((c) => c.txid === parent.txid)!;
    const child = await h.service.sendTransaction(walletId, {
      outputs: [{ address: to, amount: 100_000 }], feeRate: 50, inputs: [{ txid: change.txid, vout: change.vout }],
    });
    const cancel = await h.service.cancelTransaction(walletId, { txid: parent.txid, feeRate: 1 });
    expect(cancel.fee).toBeGreaterThanOrEqual(parent.fee + child.fee + Math.floor(cancel.fee / cancel.feeRate));
    const pool = await ctx.node.rpc<string[]>('getrawmempool');
    expect(pool).toContain(cancel.txid);
    expect(pool).not.toContain(child.txid);
    expect(await h.service.getTxStatus(walletId, parent.txid)).toMatchObject({ status: 'replaced', replacedBy: cancel.txid });
    expect((await h.service.getTxStatus(walletId, child.txid)).status).toBe('conflicted');
  });
});
