/**
 * Token spend constraints (SPEC §4) enforced before signing, against a real daemon and node:
 * per-tx and rolling 24 h limits (which survive a restart), allowed destinations, wallet binding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { errorCode, ok, startChainDaemon, until, type RunningDaemon } from './e2e-helpers.ts';

const ctx = useRegtestNode();

describe('token spend limits', () => {
  let d: RunningDaemon;
  let walletId: string;
  let otherWallet: string;
  let spender: string;
  let allowedA: string;
  let allowedB: string;

  beforeAll(async () => {
    d = await startChainDaemon(ctx.node);
    walletId = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'limited' })).id;
    otherWallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'other' })).id;
    const { address } = await ok<{ address: string }>(d, d.adminToken, 'generate_address', { wallet: walletId });
    for (let i = 0; i < 4; i++) await ctx.node.fund(address, 1_000_000n);
    await ctx.node.mine(1);
    await until(() => ok<{ confirmed: number }>(d, d.adminToken, 'get_balance', { wallet: walletId }), (b) => b.confirmed === 4_000_000);
    allowedA = await ctx.node.rpc<string>('getnewaddress');
    allowedB = await ctx.node.rpc<string>('getnewaddress');
    spender = (await ok<{ token: string }>(d, d.adminToken, 'token_create', {
      name: 'pos',
      scopes: ['wallet:read', 'wallet:send'],
      constraints: { wallets: [walletId], maxSendPerTx: 100_000, maxSendPerDay: 150_000, allowedDestinations: [allowedA, allowedB] },
    })).token;
  });
  afterAll(async () => {
    d?.child.kill('SIGTERM');
    await d?.exited;
  });

  const send = (token: string, address: string, amount: number, wallet?: string) =>
    errorCode(d, token, 'send_transaction', { ...(wallet ? { wallet } : {}), outputs: [{ address, amount }] });

  it('refuses over maxSendPerTx and to a destination not allowed, before signing', async () => {
    expect(await send(spender, allowedA, 120_000)).toBe('SPEND_LIMIT');
    expect(await send(spender, await ctx.node.rpc<string>('getnewaddress'), 50_000)).toBe('DESTINATION_NOT_ALLOWED');
    const pool = await ctx.node.rpc<string[]>('getrawmempool');
    expect(pool).toHaveLength(0);
  });

  it('allows a send within limits, using the token’s only wallet when none is named', async () => {
    const sent = await ok<{ txid: string }>(d, spender, 'send_transaction', { outputs: [{ address: allowedA, amount: 80_000 }] });
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(sent.txid);
  });

  it('refuses past maxSendPerDay, also after a restart', async () => {
    expect(await send(spender, allowedB, 80_000)).toBe('SPEND_LIMIT');
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    d = await startChainDaemon(ctx.node, d.datadir);
    expect(await send(spender, allowedB, 80_000)).toBe('SPEND_LIMIT');
    expect(await send(spender, allowedB, 60_000)).toBeUndefined();
  });

  it('keeps a wallet-bound token away from other wallets', async () => {
    expect(await send(spender, allowedA, 10_000, otherWallet)).toBe('FORBIDDEN_SCOPE');
    expect(await errorCode(d, spender, 'get_balance', { wallet: otherWallet })).toBe('FORBIDDEN_SCOPE');
  });
});
