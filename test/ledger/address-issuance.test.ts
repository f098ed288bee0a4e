/**
 * Issue 11, "Address reuse": generate_address must never hand out an address twice, however many
 * go unused (no wrap-around after the gap limit), and must never touch an earlier label.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ok, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { settle, useDaemons, walletCaller, type LedgerBalance } from './ledger-helpers.ts';

const ctx = useRegtestNode();
const startDaemon = useDaemons();

interface Addr { address: string; index: number; chain: string; label: string | null }

describe('address issuance', () => {
  let d: RunningDaemon;
  let wallet: string;
  let call: ReturnType<typeof walletCaller>;
  const issued: Addr[] = [];

  beforeAll(async () => {
    d = await startDaemon(ctx.node);
    wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'deposits' })).id;
    call = walletCaller(d, wallet);
    // Per-customer deposit addresses: 25 in a row, none used yet (past the 20-address gap).
    for (let i = 0; i < 25; i++) issued.push(await call<Addr>('generate_address', { label: `customer-${i}` }));
  });

  it('hands out 25 distinct addresses in a row without use', () => {
    expect(new Set(issued.map((a) => a.address)).size).toBe(25);
    expect(issued.map((a) => a.index)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('leaves the labels of earlier addresses untouched', async () => {
    const listed = await call<Addr[]>('get_addresses');
    const labelOf = new Map(listed.filter((a) => a.chain === 'receive').map((a) => [a.address, a.label]));
    expect(issued.map((a) => labelOf.get(a.address))).toEqual(issued.map((_, i) => `customer-${i}`));
  });

  it('watches every address it handed out: a payment to the 25th is seen', async () => {
    const last = issued[24]!;
    await ctx.node.fund(last.address, 12_345_678n);
    await ctx.node.mine(1);
    await settle(d, wallet, ctx.node);
    expect((await call<LedgerBalance>('get_balance', { address: last.address })).confirmed).toBe(12_345_678);
  });
});
