/**
 * Issue 13's send options through a real daemon over HTTP and a real regtest node: send_all and
 * dry runs as the method table publishes them, token limits checked (never charged) by a dry run,
 * and a daemon without `fees.fallbackFeeRate` answering FEE_ESTIMATE_UNAVAILABLE.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { fundedDaemon } from '../policy/funded-daemon.ts';
import { chainEnv, startDaemonProcess } from '../daemon/daemon-process.ts';
import { errorCode, ok, until, type RunningDaemon } from './e2e-helpers.ts';

const ctx = useRegtestNode();

describe('a daemon without fees.fallbackFeeRate', () => {
  // First in the file: the node has mined no fee data yet.
  it('answers FEE_ESTIMATE_UNAVAILABLE for confTarget on a node with no estimate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'walletd-nofallback-'));
    const { WALLETD_FEES_FALLBACK_FEE_RATE: _dropped, ...env } = chainEnv(ctx.node);
    const d = await startDaemonProcess(dir, [], env);
    try {
      const adminToken = readFileSync(join(dir, 'admin.token'), 'utf8').trim();
      const target = { ...d, adminToken };
      const wallet = (await ok<{ id: string }>(target, adminToken, 'create_wallet', { name: 'strict' })).id;
      const { address } = await ok<{ address: string }>(target, adminToken, 'generate_address', { wallet });
      await ctx.node.fund(address, 1_000_000n);
      await ctx.node.mine(1);
      await until(() => ok<{ confirmed: number }>(target, adminToken, 'get_balance', { wallet }), (b) => b.confirmed === 1_000_000);
      const to = await ctx.node.rpc<string>('getnewaddress');
      const send = { wallet, outputs: [{ address: to, amount: 10_000 }] };
      expect(await errorCode(target, adminToken, 'send_transaction', { ...send, confTarget: 2 })).toBe('FEE_ESTIMATE_UNAVAILABLE');
      expect(await errorCode(target, adminToken, 'send_all', { wallet, address: to })).toBe('FEE_ESTIMATE_UNAVAILABLE');
      const sent = await ok<{ txid: string; feeSource: string }>(target, adminToken, 'send_transaction', { ...send, feeRate: 2 });
      expect(sent.feeSource).toBe('explicit');
      expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(sent.txid);
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  });
});

describe('send_all and dryRun over RPC', () => {
  let d: RunningDaemon;
  let wallet: string;
  let dest: string;
  beforeAll(async () => {
    ({ d, wallet, dest } = await fundedDaemon(ctx.node, 'sweeper'));
  });
  afterAll(async () => {
    d?.child.kill('SIGTERM');
    await d?.exited;
  });

  it('a dry run is held to the token’s limits and charges nothing; the sweep empties the wallet', async () => {
    const { token } = await ok<{ token: string }>(d, d.adminToken, 'token_create', {
      name: 'payouts', scopes: ['wallet:read', 'wallet:send'], constraints: { maxSendPerDay: 2_500_000 },
    });
    const pay = (amount: number, extra: Record<string, unknown> = {}) => ({ wallet, outputs: [{ address: dest, amount }], feeRate: 2, ...extra });
    // The sweep would pass 6,000,000 sats: a preview says so, as the real call would.
    expect(await errorCode(d, token, 'send_all', { wallet, address: dest, feeRate: 2, dryRun: true })).toBe('SPEND_LIMIT');
    for (let i = 0; i < 3; i++) {
      const preview = await ok<{ dryRun: boolean; fee: number; feeSource: string }>(d, token, 'send_transaction', pay(2_000_000, { dryRun: true }));
      expect(preview).toMatchObject({ dryRun: true, feeSource: 'explicit' });
    }
    const sent = await ok<{ txid: string; feeSource: string }>(d, token, 'send_transaction', pay(2_000_000));
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(sent.txid);
    expect(await errorCode(d, token, 'send_transaction', pay(600_000, { dryRun: true }))).toBe('SPEND_LIMIT');

    const sweep = await ok<{ dryRun: boolean; amount: number; fee: number; change: null; inputs: unknown[] }>(
      d, d.adminToken, 'send_all', { wallet, address: dest, feeRate: 2, dryRun: true },
    );
    expect(sweep).toMatchObject({ dryRun: true, change: null });
    const swept = await ok<{ txid: string; amount: number; fee: number }>(d, d.adminToken, 'send_all', { wallet, address: dest, feeRate: 2 });
    expect(swept).toMatchObject({ amount: sweep.amount, fee: sweep.fee });
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(swept.txid);
    await ctx.node.mine(1);
    await until(() => ok<{ total: number }>(d, d.adminToken, 'get_balance', { wallet }), (b) => b.total === 0);
    expect(await errorCode(d, d.adminToken, 'send_transaction', { wallet, outputs: [{ address: dest, amount: 1_000 }, { address: dest, amount: 2_000 }], feeRate: 2 }))
      .toBe('DUPLICATE_DESTINATION');
  });
});
