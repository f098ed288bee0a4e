/**
 * Issue 13 on the send path, against a real regtest node (a transaction counts only once the
 * node accepted it): send_all, subtractFeeFrom, coin control, dry runs, fee honesty, privacy
 * (locktime, change position, duplicate destinations) and replays that show the current status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { startService, type ServiceHarness } from './service-harness.ts';
import { rejectionCode } from '../harness/error-codes.ts';
import { isWalletdError } from '../../src/errors.ts';
import { deriveKey } from '../../src/wallet/secrets/seed-vault.ts';
import type { DeriveKey } from '../../src/wallet/secrets/seed-cache.ts';

const ctx = useRegtestNode();

interface NodeTx {
  locktime: number;
  vin: Array<{ txid: string; vout: number; sequence: number }>;
  vout: Array<{ n: number; value: number; scriptPubKey: { address?: string; addresses?: string[] } }>;
}

const sats = (btc: number) => Math.round(btc * 1e8);

describe('send options on regtest', () => {
  let h: ServiceHarness;
  let kdfRuns = 0;
  const counting: DeriveKey = async (...args) => {
    kdfRuns += 1;
    return deriveKey(...args);
  };
  beforeAll(async () => {
    h = await startService(ctx.node, undefined, undefined, { deriveKey: counting });
  });
  afterAll(async () => h?.close());

  const sync = () => h.service.sync.syncNow();
  const nodeTx = (txid: string) => ctx.node.rpc<NodeTx>('getrawtransaction', txid, true);
  const mempool = () => ctx.node.rpc<string[]>('getrawmempool');
  const dest = () => ctx.node.rpc<string>('getnewaddress', '', 'bech32');

  /** A fresh wallet holding `amounts` as confirmed coins. */
  async function funded(name: string, amounts: bigint[]): Promise<string> {
    const { id } = await h.service.createWallet({ name });
    for (const amount of amounts) await ctx.node.fund((await h.service.generateAddress(id, {})).address, amount);
    await ctx.node.mine(1);
    await sync();
    return id;
  }

  it('fee honesty: no estimate and no fallback is FEE_ESTIMATE_UNAVAILABLE; feeSource on every result; allowHighFee; maxFeeSats caps', async () => {
    // First in the file: the node has mined no fee data yet, as on a fresh regtest chain.
    const noFallback = await startService(ctx.node, undefined, undefined, { settings: { fallbackFeeRate: null } });
    const capped = await startService(ctx.node, undefined, undefined, { settings: { maxFeeSats: 5_000 } });
    try {
      const n = await noFallback.service.createWallet({ name: 'no-fallback' });
      const c = await capped.service.createWallet({ name: 'capped' });
      await ctx.node.fund((await noFallback.service.generateAddress(n.id, {})).address, 500_000n);
      await ctx.node.fund((await capped.service.generateAddress(c.id, {})).address, 500_000n);
      await ctx.node.mine(1);
      await noFallback.service.sync.syncNow();
      await capped.service.sync.syncNow();
      const to = await dest();
      const estimate = await ctx.node.rpc<{ feerate?: number; errors?: string[] }>('estimatesmartfee', 2);
      expect(estimate.feerate).toBeUndefined();
      const pay = { outputs: [{ address: to, amount: 20_000 }] };
      expect(await rejectionCode(noFallback.service.sendTransaction(n.id, { ...pay, confTarget: 2 }))).toBe('FEE_ESTIMATE_UNAVAILABLE');
      expect(await rejectionCode(noFallback.service.sendTransaction(n.id, pay))).toBe('FEE_ESTIMATE_UNAVAILABLE');
      expect(await rejectionCode(noFallback.service.sendAll(n.id, { address: to, dryRun: true }))).toBe('FEE_ESTIMATE_UNAVAILABLE');
      const explicit = await noFallback.service.sendTransaction(n.id, { ...pay, feeRate: 2 });
      expect(explicit.feeSource).toBe('explicit');
      expect(await mempool()).toContain(explicit.txid);

      // The harness's default service configures fees.fallbackFeeRate explicitly.
      const id = await funded('fees', [1_000_000n]);
      const fallback = await h.service.sendTransaction(id, { ...pay, confTarget: 3 });
      expect(fallback.feeSource).toBe('fallback');
      expect(await mempool()).toContain(fallback.txid);
      const high = { outputs: [{ address: to, amount: 1_000 }], feeRate: 50 };
      const refused = await h.service.sendTransaction(id, high).catch((e: unknown) => e);
      expect(isWalletdError(refused, 'FEE_TOO_HIGH') && refused.details).toMatchObject({ allowHighFee: false, amount: 1_000 });
      const allowed = await h.service.sendTransaction(id, { ...high, allowHighFee: true });
      expect(allowed.fee).toBeGreaterThan(1_000);
      expect(await mempool()).toContain(allowed.txid);
      // allowHighFee never lifts fees.maxFeeSats.
      expect(await rejectionCode(capped.service.sendTransaction(c.id, { ...high, allowHighFee: true, feeRate: 100 }))).toBe('FEE_TOO_HIGH');
      await ctx.node.mine(1);
      await sync();
    } finally {
      await capped.close();
      await noFallback.close();
    }
  });

  it('send_all sweeps the wallet to zero in one changeless tx; a dust sweep is refused', async () => {
    const id = await funded('sweep', [300_000n, 200_000n, 100_000n]);
    const to = await dest();
    const sent = await h.service.sendAll(id, { address: to, feeRate: 3 });
    expect(await mempool()).toContain(sent.txid);
    const tx = await nodeTx(sent.txid);
    expect(tx.vin).toHaveLength(3);
    expect(tx.vout).toHaveLength(1);
    expect(sats(tx.vout[0]!.value)).toBe(600_000 - sent.fee);
    expect(sent).toMatchObject({ amount: 600_000 - sent.fee, feeSource: 'explicit', status: 'pending' });
    await ctx.node.mine(1);
    await sync();
    expect((await h.service.getBalance(id)).total).toBe(0);
    expect(await rejectionCode(h.service.sendAll(id, { address: to, feeRate: 3 }))).toBe('INSUFFICIENT_FUNDS');

    const tiny = await funded('sweep-dust', [700n]);
    expect(await rejectionCode(h.service.sendAll(tiny, { address: to, feeRate: 5 }))).toBe('DUST_OUTPUT');
  });

  it('subtractFeeFrom splits the fee over the named outputs; one that would become dust is refused', async () => {
    const id = await funded('sffo', [1_000_000n]);
    const [a, b, c] = [await dest(), await dest(), await dest()];
    const sent = await h.service.sendTransaction(id, {
      outputs: [{ address: a, amount: 100_000 }, { address: b, amount: 100_000 }, { address: c, amount: 50_000 }],
      subtractFeeFrom: [0, 1], feeRate: 4,
    });
    expect(await mempool()).toContain(sent.txid);
    const tx = await nodeTx(sent.txid);
    const paid = (addr: string) => sats(tx.vout.find((o) => (o.scriptPubKey.address ?? o.scriptPubKey.addresses?.[0]) === addr)!.value);
    expect(paid(c)).toBe(50_000);
    expect(paid(a) + paid(b)).toBe(200_000 - sent.fee);
    // The first named output pays the odd satoshi.
    expect(paid(b) - paid(a)).toBe(sent.fee % 2);
    expect(sent.amount).toBe(250_000 - sent.fee);
    await ctx.node.mine(1);
    await sync();
    // The wallet lost exactly the amounts asked for: the fee came out of them.
    expect((await h.service.getBalance(id)).total).toBe(1_000_000 - 250_000);
    const refused = h.service.sendTransaction(id, { outputs: [{ address: a, amount: 400 }], subtractFeeFrom: [0], feeRate: 10 });
    expect(await rejectionCode(refused)).toBe('DUST_OUTPUT');
    expect(await rejectionCode(h.service.sendTransaction(id, { outputs: [{ address: a, amount: 4000 }], subtractFeeFrom: [1], feeRate: 2 }))).toBe('INVALID_PARAMS');
  });

  it('coin control spends exactly the named coins and refuses leased, spent, immature, unconfirmed and foreign ones', async () => {
    const id = await funded('coin-control', [400_000n, 300_000n, 200_000n]);
    const coins = await h.service.getUnspentOutputs(id, { minConf: 1 });
    const small = coins.find((c) => c.value === 200_000)!;
    const mid = coins.find((c) => c.value === 300_000)!;
    const to = await dest();
    const sent = await h.service.sendTransaction(id, { outputs: [{ address: to, amount: 150_000 }], inputs: [{ txid: small.txid, vout: small.vout }], feeRate: 2 });
    expect(await mempool()).toContain(sent.txid);
    expect((await nodeTx(sent.txid)).vin.map((v) => `${v.txid}:${v.vout}`)).toEqual([`${small.txid}:${small.vout}`]);
    // Named coins pay exactly: one coin too small is INSUFFICIENT_FUNDS, never a silent extra input.
    expect(await rejectionCode(h.service.sendTransaction(id, { outputs: [{ address: to, amount: 350_000 }], inputs: [mid], feeRate: 2 }))).toBe('INSUFFICIENT_FUNDS');

    const code = async (inputs: Array<{ txid: string; vout: number }>) =>
      rejectionCode(h.service.sendTransaction(id, { outputs: [{ address: to, amount: 10_000 }], inputs, feeRate: 2 }));
    expect(await code([small])).toBe('INPUT_SPENT');
    expect(await code([{ txid: 'ab'.repeat(32), vout: 0 }])).toBe('INPUT_NOT_FOUND');
    // A node coin that exists on chain but is not the wallet's.
    const [nodeCoin] = await ctx.node.rpc<Array<{ txid: string; vout: number }>>('listunspent');
    expect(await code([{ txid: nodeCoin!.txid, vout: nodeCoin!.vout }])).toBe('INPUT_NOT_FOUND');
    // A signed draft leases its coins.
    await h.service.signTransaction(id, { outputs: [{ address: to, amount: 250_000 }], feeRate: 2 });
    const leased = (await h.service.getUnspentOutputs(id, { minConf: 0 })).find((c) => c.lockedUntil !== null)!;
    expect(await code([leased])).toBe('INPUT_LEASED');
    await h.service.releaseOutputs(id, {});
    // Someone else's unconfirmed payment.
    const incoming = await ctx.node.fund((await h.service.generateAddress(id, {})).address, 50_000n);
    await sync();
    const pendingCoin = (await h.service.getUnspentOutputs(id, { minConf: 0 })).find((c) => c.txid === incoming)!;
    expect(await code([pendingCoin])).toBe('INPUT_UNCONFIRMED');
    // A coinbase paying the wallet stays immature for 101 confirmations.
    const [block] = await ctx.node.mine(1, (await h.service.generateAddress(id, {})).address);
    await sync();
    const coinbaseTxid = (await ctx.node.rpc<{ tx: string[] }>('getblock', block)).tx[0]!;
    expect(await code([{ txid: coinbaseTxid, vout: 0 }])).toBe('INPUT_IMMATURE');
    expect(await code([mid, mid])).toBe('INVALID_PARAMS');
  });

  it('dryRun answers fee, vsize, inputs and change and leases, issues, signs and broadcasts nothing', async () => {
    const id = await funded('dry-run', [500_000n, 250_000n]);
    const to = await dest();
    const before = {
      coins: await h.service.getUnspentOutputs(id, { minConf: 0 }),
      addresses: await h.service.getAddresses(id),
      history: await h.service.getTransactionHistory(id, { limit: 50 }),
      pool: await mempool(),
    };
    const req = { outputs: [{ address: to, amount: 600_000 }], feeRate: 3 };
    const preview = await h.service.sendTransaction(id, { ...req, dryRun: true });
    expect(preview).toMatchObject({ dryRun: true, feeSource: 'explicit', amount: 600_000 });
    expect(preview.inputs.map((i) => i.value).sort()).toEqual([250_000, 500_000]);
    expect(preview.change).toMatchObject({ amount: 750_000 - 600_000 - preview.fee });
    expect(preview.feeRate).toBeGreaterThanOrEqual(3);
    const sweep = await h.service.sendAll(id, { address: to, feeRate: 3, dryRun: true });
    expect(sweep).toMatchObject({ dryRun: true, change: null, amount: 750_000 - sweep.fee });
    expect(await h.service.getUnspentOutputs(id, { minConf: 0 })).toEqual(before.coins);
    expect(before.coins.every((c) => c.lockedUntil === null)).toBe(true);
    expect(await h.service.getAddresses(id)).toEqual(before.addresses);
    expect(await h.service.getTransactionHistory(id, { limit: 50 })).toEqual(before.history);
    expect(await mempool()).toEqual(before.pool);
    // The real send does what the preview said.
    const sent = await h.service.sendTransaction(id, req);
    expect(sent.fee).toBe(preview.fee);
    const tx = await nodeTx(sent.txid);
    expect(tx.vin.map((v) => `${v.txid}:${v.vout}`).sort()).toEqual(preview.inputs.map((i) => `${i.txid}:${i.vout}`).sort());
    expect(tx.vout.some((o) => (o.scriptPubKey.address ?? o.scriptPubKey.addresses?.[0]) === preview.change!.address)).toBe(true);
    await ctx.node.mine(1);
    await sync();
  });

  it('privacy: anti-fee-sniping nLockTime, change at a random position, inputs shuffled, duplicate destinations refused', async () => {
    const id = await funded('privacy', Array.from({ length: 10 }, () => 1_000_000n));
    const tip = await ctx.node.rpc<number>('getblockcount');
    const recipients = await Promise.all(Array.from({ length: 5 }, () => dest()));
    const positions = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const sent = await h.service.sendTransaction(id, { outputs: recipients.map((address) => ({ address, amount: 10_000 })), feeRate: 2 });
      const tx = await nodeTx(sent.txid);
      expect(tx.locktime).toBeLessThanOrEqual(tip);
      expect(tx.locktime).toBeGreaterThanOrEqual(tip - 99);
      // Locktime is enforced only when some input is not final: BIP125 0xfffffffd is not.
      expect(tx.vin.every((v) => v.sequence === 0xfffffffd)).toBe(true);
      const change = (await h.service.getUnspentOutputs(id, { minConf: 0 })).find((c) => c.txid === sent.txid)!;
      positions.add(change.vout);
    }
    // 10 sends over 6 positions: all at one position has probability 6 × (1/6)^10 ≈ 1e-7.
    expect(positions.size).toBeGreaterThan(1);
    const one = recipients[0]!;
    const dup = h.service.sendTransaction(id, { outputs: [{ address: one, amount: 10_000 }, { address: one.toUpperCase(), amount: 20_000 }], feeRate: 2 });
    expect(await rejectionCode(dup)).toBe('DUPLICATE_DESTINATION');
    // Inputs are shuffled, as Core does: the sweep's order is not the planner's, which its dry
    // run shows (for 10 inputs the two agree by chance with probability 1/10! ≈ 3e-7).
    const plan = await h.service.sendAll(id, { address: one, feeRate: 2, dryRun: true });
    expect(plan.inputs.length).toBeGreaterThanOrEqual(10);
    const swept = await nodeTx((await h.service.sendAll(id, { address: one, feeRate: 2 })).txid);
    const outpoints = (list: Array<{ txid: string; vout: number }>) => list.map((i) => `${i.txid}:${i.vout}`);
    expect([...outpoints(swept.vin)].sort()).toEqual([...outpoints(plan.inputs)].sort());
    expect(outpoints(swept.vin)).not.toEqual(outpoints(plan.inputs));
    await ctx.node.mine(1);
    await sync();
  });

  it('a replay of a cancelled send shows replaced with replacedBy, not a payment', async () => {
    const id = await funded('replay', [1_000_000n]);
    const req = { outputs: [{ address: await dest(), amount: 100_000 }], feeRate: 2, idempotencyKey: 'order-4711' };
    const first = await h.service.sendTransaction(id, req);
    expect(await h.service.sendTransaction(id, req)).toMatchObject({ txid: first.txid, replayed: true, status: 'pending', replacedBy: null });
    const cancel = await h.service.cancelTransaction(id, { txid: first.txid });
    expect(await mempool()).toContain(cancel.txid);
    const replay = await h.service.sendTransaction(id, req);
    expect(replay).toMatchObject({ txid: first.txid, replayed: true, status: 'replaced', replacedBy: cancel.txid });
    await ctx.node.mine(1);
    await sync();
    // Once the replacement is mined the ledger may call the original conflicted; a replay says
    // whatever the ledger says, and still names the replacement.
    const settled = await h.service.getTxStatus(id, first.txid);
    expect(['replaced', 'conflicted']).toContain(settled.status);
    expect(await h.service.sendTransaction(id, req)).toMatchObject({ status: settled.status, replacedBy: cancel.txid, replayed: true });
  });

  it('a wallet without a passphrase signs every send with one KDF run in total', () => {
    // Seven wallets above signed (sweep, sffo, coin-control, dry-run, fees, privacy, replay),
    // several of them many times: one scrypt run each, at its first sign, none per signature.
    expect(kdfRuns).toBe(7);
  });

  it('a P2TR wallet: subtractFeeFrom and send_all (matching its dry run) are accepted by the node', async () => {
    const { id } = await h.service.createWallet({ name: 'taproot', addressType: 'p2tr' });
    for (let i = 0; i < 3; i++) await ctx.node.fund((await h.service.generateAddress(id, {})).address, 400_000n);
    await ctx.node.mine(1);
    await sync();
    const [a, b] = [await dest(), await dest()];
    const sffo = await h.service.sendTransaction(id, { outputs: [{ address: a, amount: 100_000 }, { address: b, amount: 50_000 }], subtractFeeFrom: [0], feeRate: 3 });
    expect(await mempool()).toContain(sffo.txid);
    expect(sffo.amount).toBe(150_000 - sffo.fee);
    const preview = await h.service.sendAll(id, { address: a, feeRate: 3, dryRun: true });
    const swept = await h.service.sendAll(id, { address: a, feeRate: 3 });
    expect(swept.fee).toBe(preview.fee);
    expect(await mempool()).toContain(swept.txid);
    await ctx.node.mine(1);
    await sync();
    expect((await h.service.getBalance(id)).total).toBe(0);
  });
});
