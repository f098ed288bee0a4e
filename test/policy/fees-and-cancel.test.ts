/**
 * Issue 12, items 3 and 4 against a real daemon and node: limits count amount plus fee on send,
 * signed drafts and cancels; `maxFeeRate` caps the fee rate; a constrained token cancels only its
 * own lineage's transactions; the audit row names the token that authorized the call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { fundedDaemon } from './funded-daemon.ts';
import { ok, rpc, startChainDaemon, type RunningDaemon } from '../e2e/e2e-helpers.ts';

const ctx = useRegtestNode();
const SCOPES = ['wallet:read', 'wallet:send', 'wallet:sign', 'tokens:admin'];

describe('fees and cancel ownership against a real daemon', () => {
  let d: RunningDaemon;
  let wallet: string;
  let dest: string;
  const mint = async (by: string, name: string, constraints: Record<string, unknown>) =>
    (await ok<{ token: string; id: string }>(d, by, 'token_create', { name, scopes: SCOPES, constraints }));
  const code = async (p: Promise<{ error?: { data?: { code?: string } } }>) => (await p).error?.data?.code;
  const send = (token: string, amount: number, feeRate = 1) =>
    rpc(d, token, 'send_transaction', { wallet, outputs: [{ address: dest, amount }], feeRate });

  beforeAll(async () => {
    ({ d, wallet, dest } = await fundedDaemon(ctx.node, 'fees'));
  });
  afterAll(async () => {
    d?.child.kill('SIGTERM');
    await d?.exited;
  });

  it('counts the fee against maxSendPerTx on send and on a signed draft', async () => {
    const t = await mint(d.adminToken, 'per-tx', { maxSendPerTx: 20_000 });
    expect(await code(send(t.token, 19_950))).toBe('SPEND_LIMIT');
    expect(await code(rpc(d, t.token, 'sign_transaction', { wallet, outputs: [{ address: dest, amount: 19_950 }], feeRate: 1 }))).toBe('SPEND_LIMIT');
    // The refused draft gave its coins back: the whole balance is spendable again.
    const coins = await ok<Array<{ lockedUntil: number | null }>>(d, d.adminToken, 'get_unspent_outputs', { wallet });
    expect(coins.every((c) => c.lockedUntil === null)).toBe(true);
    const sent = await ok<{ txid: string; fee: number }>(d, t.token, 'send_transaction', { wallet, outputs: [{ address: dest, amount: 19_000 }], feeRate: 1 });
    expect(sent.fee).toBeGreaterThan(0);
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(sent.txid);
  });

  it('caps the fee rate with maxFeeRate', async () => {
    const t = await mint(d.adminToken, 'fee-capped', { maxFeeRate: 5 });
    expect(await code(send(t.token, 10_000, 20))).toBe('FEE_TOO_HIGH');
    expect(await code(send(t.token, 10_000, 2))).toBeUndefined();
    // A child cannot loosen it.
    expect(await code(rpc(d, t.token, 'token_create', { name: 'loose', scopes: ['wallet:send'], constraints: { maxFeeRate: 50 } }))).toBe('FORBIDDEN_SCOPE');
  });

  it('lets a constrained token cancel only its lineage’s sends, and counts the replacement fee', async () => {
    const operator = await ok<{ txid: string }>(d, d.adminToken, 'send_transaction', { wallet, outputs: [{ address: dest, amount: 2_000_000 }], feeRate: 1 });
    const limited = await mint(d.adminToken, 'limited', { maxSendPerTx: 30_000, allowedDestinations: [dest] });
    expect(await code(rpc(d, limited.token, 'cancel_transaction', { wallet, txid: operator.txid, feeRate: 50 }))).toBe('FORBIDDEN_SCOPE');
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(operator.txid);

    const kid = await mint(limited.token, 'kid', {});
    const own = await ok<{ txid: string }>(d, kid.token, 'send_transaction', { wallet, outputs: [{ address: dest, amount: 10_000 }], feeRate: 1 });
    // The replacement would pay about 300 sat/vB × 110 vB, over the 30,000 per-tx limit.
    expect(await code(rpc(d, limited.token, 'cancel_transaction', { wallet, txid: own.txid, feeRate: 300 }))).toBe('SPEND_LIMIT');
    const cancelled = await ok<{ txid: string }>(d, limited.token, 'cancel_transaction', { wallet, txid: own.txid, feeRate: 5 });
    const pool = await ctx.node.rpc<string[]>('getrawmempool');
    expect(pool).toContain(cancelled.txid);
    expect(pool).not.toContain(own.txid);
    // An unconstrained token (the operator) may still cancel anything.
    expect(await code(rpc(d, d.adminToken, 'cancel_transaction', { wallet, txid: operator.txid, feeRate: 5 }))).toBeUndefined();
    const audit = await ok<Array<{ method: string; tokenId: string; txid: string | null }>>(d, d.adminToken, 'get_audit_log', { limit: 20 });
    expect(audit.find((r) => r.method === 'cancel_transaction' && r.txid === cancelled.txid)?.tokenId).toBe(limited.id);
  });
});

describe('auth is WebSocket-only, against a real daemon', () => {
  let d: RunningDaemon;
  beforeAll(async () => {
    d = await startChainDaemon(ctx.node);
  });
  afterAll(async () => {
    d?.child.kill('SIGTERM');
    await d?.exited;
  });

  it('refuses auth in an HTTP call and inside an HTTP batch, so the audit row names the real caller', async () => {
    const reader = await ok<{ token: string; id: string }>(d, d.adminToken, 'token_create', { name: 'reader', scopes: ['wallet:read', 'wallet:admin'] });
    expect((await rpc(d, reader.token, 'auth', { token: d.adminToken })).error?.code).toBe(-32601);
    const res = await fetch(`${d.url}/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reader.token}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'auth', params: { token: d.adminToken } },
        { jsonrpc: '2.0', id: 2, method: 'create_wallet', params: { name: 'by-reader' } },
      ]),
    });
    const answers = (await res.json()) as Array<{ id: number; error?: { code: number } }>;
    expect(answers.find((a) => a.id === 1)?.error?.code).toBe(-32601);
    const audit = await ok<Array<{ method: string; tokenId: string }>>(d, d.adminToken, 'get_audit_log', { limit: 5 });
    expect(audit.find((r) => r.method === 'create_wallet')?.tokenId).toBe(reader.id);
  });
});
