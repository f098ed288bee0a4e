/**
 * Issue 5's end-to-end: a funded wallet on a real regtest node, backed up, restored into a fresh
 * keystore and rescanned, has the same balance, history and addresses.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BitcoindBackend } from '../../src/chain/bitcoind-backend.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { openStack, type Stack } from './helpers.ts';

const ctx = useRegtestNode();
const PASS = 'restore passphrase 42';
const stacks: Stack[] = [];
afterAll(async () => {
  for (const s of stacks) await s.close();
});

async function nodeStack(): Promise<Stack> {
  const { node } = ctx;
  const chain = new BitcoindBackend({ url: node.url, user: node.user, password: node.password });
  const s = await openStack({ chain, networkParams: node.networkParams });
  const close = s.close;
  s.close = async () => {
    await close();
    await chain.close();
  };
  stacks.push(s);
  return s;
}

describe('backup → restore on regtest', () => {
  it('restores the same balance, history and addresses after a rescan', async () => {
    const a = await nodeStack();
    const w = await a.service.createWallet({ name: 'funded' });
    // createWallet starts scanning at the tip; funds arrive afterwards, so a restore scanning
    // from that birth height must find them.
    for (let i = 0; i < 3; i++) {
      const { address } = await a.service.generateAddress(w.id, { label: `pay-${i}` });
      await ctx.node.fund(address, BigInt(10_000_000 * (i + 1)));
    }
    await ctx.node.mine(1);
    const { address: later } = await a.service.generateAddress(w.id, {});
    await ctx.node.fund(later, 5_000_000n); // one unconfirmed payment too
    await a.service.sync.syncNow();
    const balance = await a.service.getBalance(w.id);
    expect(balance).toMatchObject({ confirmed: 60_000_000, untrustedPending: 5_000_000, unconfirmed: 5_000_000, total: 65_000_000 });
    const history = await a.service.getTransactionHistory(w.id, { limit: 50 });
    expect(history.transactions).toHaveLength(4);

    const { path, wallets } = await a.portability.backupWallets(PASS);
    expect(wallets).toBe(1);

    const b = await nodeStack();
    const restored = await b.portability.importWallet({ bundle: readFileSync(path, 'utf8'), passphrase: PASS });
    const infoBefore = await b.service.getWalletInfo(restored.id);
    expect(infoBefore.sync.progress).toBeLessThan(1); // get_wallet_info shows the rescan
    await b.service.sync.syncNow();
    expect(await b.service.getBalance(restored.id)).toEqual(balance);
    const restoredHistory = await b.service.getTransactionHistory(restored.id, { limit: 50 });
    expect(restoredHistory.transactions.map((t) => [t.txid, t.amount]).sort()).toEqual(history.transactions.map((t) => [t.txid, t.amount]).sort());
    expect(await b.service.getAddresses(restored.id)).toEqual(await a.service.getAddresses(w.id));
    const info = await b.service.getWalletInfo(restored.id);
    expect(info.xpub).toBe((await a.service.getWalletInfo(w.id)).xpub);
    expect(info.sync.state).toBe('synced');
    expect(info.sync.progress).toBe(1);
  });
});
