/**
 * bump_fee: raise the fee of an unconfirmed transaction. A BIP125 replacement that keeps its
 * recipients (less change, more inputs when needed) when the wallet owns every input and the tx
 * signals; otherwise a CPFP child spending one of the wallet's outputs of it (Core's bumpfee,
 * and the payee's side of a stuck payment).
 */
import { Transaction, type Psbt } from 'bitcoinjs-lib';
import { fail } from '../../errors.ts';
import type { LedgerCoin } from '../ledger/ledger-types.ts';
import type { WalletRecord } from '../types.ts';
import type { BumpRequest, BumpResult } from '../wallet-api.ts';
import { dustThreshold, estimateVsize, feeForVsize } from './fee-math.ts';
import { checkReplacementFeeCaps } from './fee-policy.ts';
import { allOwn, checkEvictionCount, evictedFees, loadReplaceTarget, MAX_EVICTED, type ReplaceTarget } from './replace-target.ts';
import { minReplacementFee } from './replacement.ts';
import type { SpendKit } from './spend-kit.ts';
import { buildPsbt, type TxOutputSpec } from './tx-builder.ts';

/** Candidates fetched when a replacement needs more inputs; only confirmed coins qualify (BIP125 rule 2). */
const EXTRA_CANDIDATES = 600;

/** BIP125: signals when any input's nSequence is below 0xfffffffe. */
function signals(tx: Transaction): boolean {
  return tx.ins.some((i) => i.sequence < 0xfffffffe);
}

/** The bump of `req.txid` for `wallet`; the caller holds the wallet's spend queue. */
export async function bumpFee(kit: SpendKit, wallet: WalletRecord, req: BumpRequest): Promise<BumpResult> {
  const target = await loadReplaceTarget(kit, wallet.id, req.txid);
  const rate = await kit.feeRate(req);
  const replaceable = allOwn(target.inputs) && signals(target.decoded) && (target.entry?.descendantCount ?? 1) <= MAX_EVICTED;
  const reason = `bump:${req.txid.slice(0, 16)}:${kit.clock.now()}`;
  try {
    const built = replaceable ? await replacement(kit, wallet, target, rate, reason) : await child(kit, wallet, target, rate, reason);
    const { settings } = kit;
    checkReplacementFeeCaps({ fee: built.fee, feeRate: built.effectiveFeeRate }, settings);
    // SPEC §4: what leaves the wallet beyond what the original already paid counts against the
    // caller's limits, as a cancel's fee does; the recipients were charged when it was sent.
    await req.guard?.({ amount: 0n, fee: built.extra, feeRate: built.effectiveFeeRate, destinations: [] });
    const { hex } = await kit.sign(wallet, built.psbt);
    if (!hex) fail('INTERNAL', 'wallet could not finalize its fee bump');
    const status = await kit.broadcast(wallet.id, req.txid, hex);
    const tx = Transaction.fromHex(hex);
    return {
      txid: tx.getId(), method: built.method, fee: Number(built.fee), feeRate: Number(built.fee) / tx.virtualSize(),
      effectiveFeeRate: built.effectiveFeeRate, status,
    };
  } finally {
    // Broadcast or not, the ledger now holds what is spent; the leases have done their work.
    await kit.store.releaseLeases(wallet.id, { reason }).catch(() => undefined);
  }
}

interface Built {
  method: 'rbf' | 'cpfp';
  psbt: Psbt;
  fee: bigint;
  /** Fee beyond what the original paid (rbf), or the child's whole fee (cpfp). */
  extra: bigint;
  effectiveFeeRate: number;
}

/** Leases `coins` under `reason`, or fails when a concurrent request took one. */
async function lease(kit: SpendKit, walletId: string, coins: readonly LedgerCoin[], reason: string): Promise<void> {
  if (coins.length === 0) return;
  const now = kit.clock.now();
  const expiresAt = now + kit.settings.leaseSeconds * 1000;
  const ok = await kit.store.insertLeases(coins.map((c) => ({ walletId, txid: c.txid, vout: c.vout, expiresAt, reason })), now);
  if (!ok) fail('INSUFFICIENT_FUNDS', 'coins were taken by a concurrent request; retry');
}

/**
 * Adds confirmed coins (largest first) to `fixed` until `need(inputs, withChange)` is covered
 * with change above dust, or (unless `requireChange`) without change; INSUFFICIENT_FUNDS when
 * the wallet cannot.
 */
async function fund(
  kit: SpendKit, wallet: WalletRecord, fixed: readonly LedgerCoin[], pay: readonly TxOutputSpec[], changeScript: string,
  need: (inputs: number, withChange: boolean) => bigint, requireChange: boolean,
): Promise<{ inputs: LedgerCoin[]; change: bigint; fee: bigint }> {
  const paid = pay.reduce((s, o) => s + o.value, 0n);
  const dust = dustThreshold(changeScript);
  const inputs = [...fixed];
  let extras: LedgerCoin[] | null = null;
  for (;;) {
    const available = inputs.reduce((s, c) => s + c.value, 0n);
    const withChange = need(inputs.length, true);
    if (available - paid - withChange >= dust) return { inputs, change: available - paid - withChange, fee: withChange };
    // Change below dust goes to the fee, as coin selection does.
    if (!requireChange && available - paid >= need(inputs.length, false)) return { inputs, change: 0n, fee: available - paid };
    extras ??= (await kit.store.selectionCandidates(wallet.id, {
      buckets: ['confirmed'], target: paid + withChange - available + dust, now: kit.clock.now(), limit: EXTRA_CANDIDATES,
    })).sort((a, b) => (a.value === b.value ? 0 : a.value > b.value ? -1 : 1));
    const next = extras.shift();
    if (!next) fail('INSUFFICIENT_FUNDS', 'the wallet cannot pay the higher fee', { needed: Number(paid + withChange + dust), available: Number(available) });
    inputs.push(next);
  }
}

/** BIP125 replacement keeping every recipient: same inputs (plus more if needed), less change. */
async function replacement(kit: SpendKit, wallet: WalletRecord, target: ReplaceTarget, rate: number, reason: string): Promise<Built> {
  checkEvictionCount(target);
  const own = target.inputs as LedgerCoin[];
  const original = { fee: target.fee ?? 0n, vsize: target.vsize };
  const evicted = evictedFees(target);
  const created = await kit.store.coinsOf(wallet.id, [target.tx.txid]);
  const changeVouts = new Set(created.filter((c) => c.chain === 1).map((c) => c.vout));
  const pay = target.decoded.outs.filter((_, vout) => !changeVouts.has(vout)).map((o) => ({ script: o.script, value: o.value }));
  const change = await kit.changeAddress(wallet);
  const need = (inputs: number, withChange: boolean): bigint => {
    const scripts = [...pay.map((o) => o.script), ...(withChange ? [change.script] : [])];
    const vsize = estimateVsize({ inputTypes: Array(inputs).fill(wallet.addressType), outputScripts: scripts });
    const candidates = [
      feeForVsize(vsize, rate), feeForVsize(vsize, target.minRelayFeeRate),
      // Rules 3, 4 and 6: out-pay the original and its descendants, and beat the original's rate.
      minReplacementFee(original, vsize, target.incrementalRelayFeeRate, evicted),
    ];
    return candidates.reduce((a, b) => (a > b ? a : b));
  };
  // A replacement of a cancel (nothing but change) must keep its one output.
  const funded = await fund(kit, wallet, own, pay, change.script, need, pay.length === 0);
  await lease(kit, wallet.id, funded.inputs.slice(own.length), reason);
  const outputs = [...pay, ...(funded.change > 0n ? [{ script: change.script, value: funded.change }] : [])];
  const psbt = buildPsbt({ ...kit.account(wallet), inputs: funded.inputs, outputs, locktime: target.decoded.locktime });
  const vsize = estimateVsize({ inputTypes: funded.inputs.map(() => wallet.addressType), outputScripts: outputs.map((o) => o.script) });
  return { method: 'rbf', psbt, fee: funded.fee, extra: funded.fee - original.fee, effectiveFeeRate: Number(funded.fee) / vsize };
}

/**
 * CPFP: a child spending the wallet's largest unspent output of the tx back to a change address,
 * paying enough that the package (the tx's unconfirmed ancestors, the tx and the child) reaches
 * `rate`, and at least the relay fee on its own.
 */
async function child(kit: SpendKit, wallet: WalletRecord, target: ReplaceTarget, rate: number, reason: string): Promise<Built> {
  const txid = target.tx.txid;
  if (target.tx.status !== 'pending' || (kit.chain.getMempoolEntry && !target.entry)) {
    fail('CANNOT_BUMP', 'the transaction is not in the node\'s mempool', { txid, reason: 'not-in-mempool' });
  }
  const leases = new Set((await kit.store.listLeases(wallet.id, kit.clock.now())).map((l) => `${l.txid}:${l.vout}`));
  const outputs = (await kit.store.coinsOf(wallet.id, [txid]))
    .filter((c) => (c.bucket === 'trusted_pending' || c.bucket === 'untrusted_pending') && !leases.has(`${c.txid}:${c.vout}`))
    .sort((a, b) => (a.value === b.value ? 0 : a.value > b.value ? -1 : 1));
  const parent = outputs[0] ?? fail('CANNOT_BUMP', 'the transaction cannot be replaced and pays the wallet no unspent output to bump it with', {
    txid, reason: allOwn(target.inputs) ? 'not-replaceable' : 'no-wallet-output',
  });
  const packageFees = target.entry?.ancestorFees ?? target.fee ?? fail('CANNOT_BUMP', 'the node does not report the transaction\'s fee', { txid, reason: 'fee-unknown' });
  const packageVsize = target.entry?.ancestorVsize ?? target.vsize;
  const change = await kit.changeAddress(wallet);
  let childVsize = 0;
  const need = (inputs: number, withChange: boolean): bigint => {
    childVsize = estimateVsize({ inputTypes: Array(inputs).fill(wallet.addressType), outputScripts: withChange ? [change.script] : [] });
    const forPackage = feeForVsize(packageVsize + childVsize, rate) - packageFees;
    const own = feeForVsize(childVsize, target.minRelayFeeRate);
    return forPackage > own ? forPackage : own;
  };
  if (Number(packageFees) / packageVsize >= rate) {
    fail('CANNOT_BUMP', 'the transaction already pays this fee rate', { txid, reason: 'rate-already-met', feeRate: Number(packageFees) / packageVsize });
  }
  // The child pays its one output home: with no change it would burn everything.
  const funded = await fund(kit, wallet, [parent], [], change.script, need, true);
  await lease(kit, wallet.id, funded.inputs, reason);
  // A child is a new transaction: the same anti-fee-sniping locktime as a send, not a telltale 0.
  const psbt = buildPsbt({ ...kit.account(wallet), inputs: funded.inputs, outputs: [{ script: change.script, value: funded.change }], locktime: kit.locktime() });
  need(funded.inputs.length, true);
  const effective = Number(packageFees + funded.fee) / (packageVsize + childVsize);
  return { method: 'cpfp', psbt, fee: funded.fee, extra: funded.fee, effectiveFeeRate: effective };
}
