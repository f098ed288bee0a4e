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
    const cancel = await ok<{ txid: string; fee: number; feeRate: number }>(d, d.adminToken, 'cancel_transaction', { wallet, txid, feeRate: 2 });
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
