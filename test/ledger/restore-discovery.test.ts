/**
 * Issue 11, "Restore": a bare-mnemonic restore must discover addresses with a gap of
 * `wallet.discoveryGap` (default 1000, like Core's keypool), repeating until the gap holds.
 * Walletd A imports a known mnemonic and yields its public descriptor; the node derives receive
 * indexes 430 and 1300 from it and pays them; walletd B restores the same mnemonic.
 * The oracle is the node's own `scantxoutset` over the descriptor.
 */
import { entropyToMnemonic } from 'bip39';
import { beforeAll, describe, expect, it } from 'vitest';
import { ok, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { sats, settle, useDaemons, walletCaller, type LedgerBalance, type LedgerCoin } from './ledger-helpers.ts';

const ctx = useRegtestNode();
const startDaemon = useDaemons();

/** Fixed test entropy, so a failure replays with the same addresses. */
const MNEMONIC = entropyToMnemonic('1e'.repeat(16));

describe('bare-mnemonic restore discovery', () => {
  let b: RunningDaemon;
  let restored: ReturnType<typeof walletCaller>;
  let descriptor: string;
  const paid = new Map<number, { address: string; txid: string; value: number }>();

  beforeAll(async () => {
    const a = await startDaemon(ctx.node);
    const { id } = await ok<{ id: string }>(a, a.adminToken, 'import_wallet', { mnemonic: MNEMONIC, name: 'original' });
    const info = await ok<{ descriptors: { receive: string } }>(a, a.adminToken, 'get_wallet_info', { wallet: id });
    descriptor = info.descriptors.receive;
    const derive = async (i: number) => (await ctx.node.rpc<string[]>('deriveaddresses', descriptor, [i, i]))[0]!;
    // The node and walletd derive the same addresses from this descriptor.
    expect((await ok<{ address: string }>(a, a.adminToken, 'generate_address', { wallet: id })).address).toBe(await derive(0));

    for (const [index, value] of [[430, 150_000_000], [1300, 25_000_000]] as const) {
      const address = await derive(index);
      paid.set(index, { address, txid: await ctx.node.fund(address, BigInt(value)), value });
    }
    await ctx.node.mine(1);

    b = await startDaemon(ctx.node);
    const wallet = (await ok<{ id: string }>(b, b.adminToken, 'import_wallet', { mnemonic: MNEMONIC, name: 'restored' })).id;
    restored = walletCaller(b, wallet);
    await settle(b, wallet, ctx.node);
  }, 120_000);

  it('finds a payment to receive index 430 without any export', async () => {
    const coins = await restored<LedgerCoin[]>('get_unspent_outputs', { minConf: 0 });
    expect(coins.map((c) => c.address)).toContain(paid.get(430)!.address);
  });

  it('keeps discovering until the gap holds: a payment to index 1300 beyond the first find is seen too', async () => {
    const coins = await restored<LedgerCoin[]>('get_unspent_outputs', { minConf: 0 });
    expect(coins.map((c) => c.address)).toContain(paid.get(1300)!.address);
  });

  it('restores the balance the node counts for the descriptor', async () => {
    const scan = await ctx.node.rpc<{ total_amount: number }>('scantxoutset', 'start', [{ desc: descriptor, range: 3000 }]);
    expect(sats(scan.total_amount)).toBe(175_000_000);
    expect(await restored<LedgerBalance>('get_balance')).toMatchObject({ confirmed: 175_000_000, total: 175_000_000 });
  });
});
