/**
 * The backend going away: chain-only calls answer CHAIN_UNAVAILABLE, stored data stays readable,
 * the sync loop keeps retrying and recovers; one wallet's failure does not stall the others. Also: a pending send double-spent from outside the
 * wallet ends as `replaced`, found by the sync pass rather than by the cancel path.
 */
import { Transaction } from 'bitcoinjs-lib';
import { LedgerWriter } from '../../src/wallet/ledger/ledger.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitcoindBackend } from '../../src/chain/bitcoind-backend.ts';
import { WalletdError, isWalletdError } from '../../src/errors.ts';
import type { ChainBackend } from '../../src/wallet/ports.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { startService, type ServiceHarness } from './service-harness.ts';

const ctx = useRegtestNode();

/** Wraps a real backend; while `down`, every call fails as an unreachable backend does. */
function switchable(inner: ChainBackend): ChainBackend & { down: boolean } {
  const wrapper = { down: false } as ChainBackend & { down: boolean };
  for (const key of ['getTip', 'getBlockHash', 'scan', 'getTx', 'broadcast', 'estimateFeeRate', 'getMinRelayFeeRate', 'close'] as const) {
    (wrapper as unknown as Record<string, unknown>)[key] = async (...args: unknown[]) => {
      if (wrapper.down && key !== 'close') throw new WalletdError('CHAIN_UNAVAILABLE');
      return (inner[key] as (...a: unknown[]) => Promise<unknown>).apply(inner, args);
    };
  }
  Object.defineProperty(wrapper, 'kind', { value: inner.kind });
  return wrapper;
}

describe('chain backend outage', () => {
  let h: ServiceHarness;
  let chain: ChainBackend & { down: boolean };
  let walletId: string;

  beforeAll(async () => {
    chain = switchable(new BitcoindBackend({ url: ctx.node.url, user: ctx.node.user, password: ctx.node.password }));
    h = await startService(ctx.node, chain);
    walletId = (await h.service.createWallet({ name: 'outage' })).id;
    await ctx.node.fund((await h.service.generateAddress(walletId, {})).address, 3_000_000n);
    await ctx.node.mine(1);
    await h.service.sync.syncNow();
  });
  afterAll(async () => h?.close());

  it('answers CHAIN_UNAVAILABLE for chain work, serves stored state, and recovers', async () => {
    chain.down = true;
    await h.service.sync.syncNow();
    expect(h.service.chainStatus().state).toBe('unavailable');
    expect((await h.service.getWalletInfo(walletId)).sync.state).toBe('unavailable');
    expect((await h.service.getBalance(walletId)).confirmed).toBe(3_000_000);
    const to = await ctx.node.rpc<string>('getnewaddress');
    const send = h.service.sendTransaction(walletId, { outputs: [{ address: to, amount: 100_000 }] });
    await expect(send).rejects.toSatisfy((e: unknown) => isWalletdError(e, 'CHAIN_UNAVAILABLE'));
    // Nothing was leased or spent by the failed attempt.
    expect((await h.service.getUnspentOutputs(walletId, { minConf: 1 })).every((c) => c.lockedUntil === null)).toBe(true);

    chain.down = false;
    await h.service.sync.syncNow();
    expect(h.service.chainStatus().state).toBe('synced');
    const sent = await h.service.sendTransaction(walletId, { outputs: [{ address: to, amount: 100_000 }] });
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(sent.txid);
  });

  it('marks a pending send replaced when another tx spends its inputs', async () => {
    await ctx.node.mine(1);
    await h.service.sync.syncNow();
    const to = await ctx.node.rpc<string>('getnewaddress');
    const original = await h.service.sendTransaction(walletId, { outputs: [{ address: to, amount: 200_000 }], feeRate: 2 });
    // A conflicting draft signed by the wallet but broadcast straight to the node, as another
    // client holding a signed PSBT would: the wallet learns of it only through sync.
    await h.service.releaseOutputs(walletId, {});
    const originalHex = await ctx.node.rpc<string>('getrawtransaction', original.txid);
    const input = Transaction.fromHex(originalHex).ins[0]!;
    const store = h.keystore.wallets;
    const spent = (await store.getCoins(walletId, [`${Buffer.from(input.hash).reverse().toString('hex')}:${input.index}`])).values().next().value!;
    // Pretend, for one draft, that the wallet never sent the original, so it signs a rival.
    const stored = (await store.getTx(walletId, original.txid))!;
    await store.transact(walletId, (txn) => new LedgerWriter(txn, 0, Date.now()).deactivate(stored, 'conflicted', null));
    const draft = await h.service.signTransaction(walletId, { outputs: [{ address: to, amount: Number(spent.value) - 50_000 }], feeRate: 20 });
    await store.transact(walletId, (txn) => new LedgerWriter(txn, 0, Date.now()).seen({ ...stored, blockHeight: null, blockHash: null, blockTime: null }).then(() => undefined));
    const conflicting = await ctx.node.rpc<string>('sendrawtransaction', draft.hex);
    expect(await ctx.node.rpc<string[]>('getrawmempool')).not.toContain(original.txid);
    await h.service.sync.syncNow();
    expect(await h.service.getTxStatus(walletId, original.txid)).toMatchObject({ status: 'replaced', replacedBy: conflicting });
  });

  it('keeps syncing the other wallets when one wallet\u2019s pass fails', async () => {
    const broken = (await h.service.createWallet({ name: 'broken' })).id;
    const healthy = (await h.service.createWallet({ name: 'healthy' })).id;
    const store = h.keystore.wallets;
    const listAddresses = store.listAddresses.bind(store);
    store.listAddresses = async (id: string) => {
      if (id === broken) throw new Error('simulated storage fault');
      return listAddresses(id);
    };
    try {
      const { address } = await h.service.generateAddress(healthy, {});
      await ctx.node.fund(address, 1_000_000n);
      await ctx.node.mine(1);
      await h.service.sync.syncNow();
      expect((await h.service.getBalance(healthy)).confirmed).toBe(1_000_000);
      expect(h.service.chainStatus().state).toBe('synced');
    } finally {
      store.listAddresses = listAddresses;
    }
  });
});
