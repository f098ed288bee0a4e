/**
 * Issue 15 point 5 through real daemons and a real node: a backup restored on a fresh data dir
 * keeps every wallet's id and name, so a token re-minted for the same ids reads the same funded
 * wallet; restoring twice is WALLET_EXISTS.
 */
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { errorCode, ok, rpc, startChainDaemon, until, type RunningDaemon } from './e2e-helpers.ts';

const ctx = useRegtestNode();
const PASS = 'a long backup passphrase';
const daemons: RunningDaemon[] = [];

afterAll(async () => {
  for (const d of daemons) {
    if (d.child.exitCode === null) d.child.kill('SIGTERM');
    await d.exited;
    rmSync(d.datadir, { recursive: true, force: true });
  }
});

const readerFor = async (d: RunningDaemon, walletId: string) =>
  (await ok<{ token: string }>(d, d.adminToken, 'token_create', { name: 'reader', scopes: ['wallet:read'], constraints: { wallets: [walletId] } })).token;

describe('restore keeps wallet ids (real daemons)', () => {
  it('a wallet-bound token re-minted for the restored id reads the same funded wallet', async () => {
    const a = await startChainDaemon(ctx.node);
    daemons.push(a);
    const savings = await ok<{ id: string }>(a, a.adminToken, 'create_wallet', { name: 'savings' });
    const shop = await ok<{ id: string }>(a, a.adminToken, 'create_wallet', { name: 'shop' });
    const { address } = await ok<{ address: string }>(a, a.adminToken, 'generate_address', { wallet: savings.id });
    await ctx.node.fund(address, 1_234_567n);
    await ctx.node.mine(1);
    const readerA = await readerFor(a, savings.id);
    // The token's only wallet is the default: no `wallet` param (SPEC §5).
    await until(() => ok<{ confirmed: number }>(a, readerA, 'get_balance'), (b) => b.confirmed === 1_234_567);
    const { path } = await ok<{ path: string }>(a, a.adminToken, 'backup_wallet', { passphrase: PASS });
    const bundle = readFileSync(path, 'utf8');
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);

    const b = await startChainDaemon(ctx.node);
    daemons.push(b);
    const restored = await ok<{ wallets: Array<{ id: string; name: string }> }>(b, b.adminToken, 'import_wallet', { bundle, passphrase: PASS });
    expect(restored.wallets.map((w) => `${w.id}=${w.name}`).sort()).toEqual([`${savings.id}=savings`, `${shop.id}=shop`].sort());
    // Tokens are not in bundles: the old one means nothing here.
    expect((await rpc(b, readerA, 'get_balance')).error?.data?.code).toBe('UNAUTHORIZED');
    const readerB = await readerFor(b, savings.id);
    const balance = await until(() => ok<{ confirmed: number }>(b, readerB, 'get_balance'), (x) => x.confirmed === 1_234_567, 60_000);
    expect(balance.confirmed).toBe(1_234_567);
    expect(await ok<{ id: string; name: string }>(b, readerB, 'get_wallet_info', { wallet: savings.id })).toMatchObject({ id: savings.id, name: 'savings' });

    expect(await errorCode(b, b.adminToken, 'import_wallet', { bundle, passphrase: PASS })).toBe('WALLET_EXISTS');
    expect((await ok<unknown[]>(b, b.adminToken, 'list_wallets')).length).toBe(2);
  }, 120_000);
});
