/**
 * Planning a send before anything is leased, issued or signed: validating destinations, the fee
 * rate and its source, the candidate or named coins, the funding plan with its caps and weight,
 * and the change position. A refusal, or a dry run, leaves no trace in the wallet.
 */
import { fail, isWalletdError } from '../../errors.ts';
import { validateAddress } from '../keys/address-validation.ts';
import { spendableBuckets } from '../ledger/coin-state.ts';
import type { CoinBucket, LedgerCoin } from '../ledger/ledger-types.ts';
import type { ChainBackend, Clock, WalletStore } from '../ports.ts';
import type { WalletSettings } from '../settings.ts';
import type { Network, WalletRecord } from '../types.ts';
import type { DryRunResult, Recipient, SendOptions } from '../wallet-api.ts';
import { dustThreshold } from './fee-math.ts';
import { checkFeeCaps, resolveFeeRate, type ResolvedFeeRate } from './fee-policy.ts';
import { planPayment, planSweep, type FundingPlan } from './funding-plan.ts';
import { resolveInputs } from './input-resolution.ts';
import { assertDistinctDestinations, changePosition, type RandomInt } from './privacy.ts';
import type { TxOutputSpec } from './tx-builder.ts';

/** A funding plan over the given coins (the send's recipients, fee rate and change are bound). */
type PlanWith = (coins: LedgerCoin[]) => FundingPlan<LedgerCoin>;

/** What the planner reads. */
export interface PlannerDeps {
  store: WalletStore;
  chain: ChainBackend | null;
  clock: Clock;
  network: Network;
  settings: WalletSettings;
  random: RandomInt;
}

/** What a send pays: recipients (send_transaction, sign) or everything to one address (send_all). */
export type SendSpec =
  | { kind: 'pay'; recipients: Array<{ address: string; script: string; value: bigint }>; subtractFeeFrom: number[] }
  | { kind: 'sweep'; address: string; script: string };

/** A planned send: the funding plan, the outputs in their final order, and the fee's origin. */
export interface Prepared extends ResolvedFeeRate {
  plan: FundingPlan<LedgerCoin>;
  outputs: TxOutputSpec[];
  /** Index of the change output in `outputs`, or null. */
  changeIndex: number | null;
  amount: bigint;
  destinations: string[];
}

/** Coins considered by one selection: enough for any payment, few enough to cost the same in any wallet. */
const SELECTION_CANDIDATES = 600;

/** Change scripts of one address type all have one length, so a plan can be made before issuing one. */
const PLACEHOLDER_CHANGE = { p2wpkh: `0014${'00'.repeat(20)}`, p2tr: `5120${'00'.repeat(32)}` } as const;

/** Plans sends for the spend engine. */
export class SendPlanner {
  constructor(private readonly deps: PlannerDeps) {}

  /** Validates destinations (network, dust, no repeats) into scripts. */
  recipients(outputs: Recipient[]): Array<{ address: string; script: string; value: bigint }> {
    if (outputs.length === 0) fail('INVALID_PARAMS', 'outputs must not be empty', { field: 'outputs' });
    const validated = outputs.map((o, i) => {
      const { script } = validateAddress(o.address, this.deps.network);
      const value = BigInt(o.amount);
      if (value < dustThreshold(script)) fail('DUST_OUTPUT', undefined, { field: `outputs/${i}/amount`, dustLimit: Number(dustThreshold(script)) });
      return { address: o.address, script: Buffer.from(script).toString('hex'), value };
    });
    assertDistinctDestinations(validated);
    return validated;
  }

  /**
   * Unleased coins of `buckets` for a payment of `target`. A bounded candidate set first; all
   * coins only when those cannot pay (a wallet of many small coins) or for a sweep.
   */
  private async spendableCoins(walletId: string, target: bigint, all: boolean, buckets = this.spendable()): Promise<LedgerCoin[]> {
    const now = this.deps.clock.now();
    if (!all) return this.deps.store.selectionCandidates(walletId, { buckets, target, now, limit: SELECTION_CANDIDATES });
    const [coins, leases] = await Promise.all([
      this.deps.store.listCoins(walletId, { buckets, limit: Number.MAX_SAFE_INTEGER }),
      this.deps.store.listLeases(walletId, now),
    ]);
    const leased = new Set(leases.map((l) => `${l.txid}:${l.vout}`));
    return coins.filter((c) => !leased.has(`${c.txid}:${c.vout}`));
  }

  /** Mature confirmed coins, and the wallet's own unconfirmed change unless `wallet.spendZeroConfChange` is off. */
  private spendable(): CoinBucket[] {
    return spendableBuckets(this.deps.settings.spendZeroConfChange);
  }

  /**
   * Core's coin eligibility tiers: confirmed coins first, then the spendable set with the
   * wallet's own unconfirmed change. Spending change lengthens a chain of unconfirmed txs, and
   * the node refuses one past 25 (too-long-mempool-chain) even when confirmed coins could pay.
   */
  private async planByTier(walletId: string, target: bigint, planWith: PlanWith): Promise<FundingPlan<LedgerCoin>> {
    const spendable = this.spendable();
    const tiers: CoinBucket[][] = spendable.length > 1 ? [['confirmed'], spendable] : [spendable];
    let refusal: unknown;
    for (const buckets of tiers) {
      try {
        return await this.planFrom(walletId, target, buckets, planWith);
      } catch (err) {
        if (!isWalletdError(err, 'INSUFFICIENT_FUNDS') && !isWalletdError(err, 'TX_TOO_LARGE')) throw err;
        refusal = err;
      }
    }
    // The last tier's refusal: it saw every spendable coin, so its `needed`/`available` hold.
    throw refusal;
  }

  /** Plans over the bounded candidates of `buckets`; over all their coins when those cannot pay. */
  private async planFrom(walletId: string, target: bigint, buckets: CoinBucket[], planWith: PlanWith): Promise<FundingPlan<LedgerCoin>> {
    try {
      return planWith(await this.spendableCoins(walletId, target, false, buckets));
    } catch (err) {
      if (!isWalletdError(err, 'INSUFFICIENT_FUNDS')) throw err;
      return planWith(await this.spendableCoins(walletId, target, true, buckets));
    }
  }

  /**
   * Fee rate, coins and plan for a send, checked against every cap and the standard weight;
   * nothing is leased, issued or signed yet, so a refusal (or a dry run) leaves no trace.
   */
  async prepare(wallet: WalletRecord, spec: SendSpec, opts: SendOptions): Promise<Prepared> {
    const { settings, store, clock } = this.deps;
    const fee = await resolveFeeRate(opts, this.deps.chain, settings);
    const fixed = opts.inputs !== undefined;
    const named = fixed
      ? await resolveInputs(store, wallet.id, opts.inputs!, { now: clock.now(), spendZeroConfChange: settings.spendZeroConfChange })
      : null;
    const inputType = wallet.addressType;
    let plan: FundingPlan<LedgerCoin>;
    if (spec.kind === 'sweep') {
      plan = planSweep({ coins: named ?? (await this.spendableCoins(wallet.id, 0n, true)), script: spec.script, feeRate: fee.feeRate, inputType });
    } else {
      const target = spec.recipients.reduce((s, r) => s + r.value, 0n);
      const planWith = (coins: LedgerCoin[]) => planPayment({
        coins, fixed, recipients: spec.recipients, subtractFeeFrom: spec.subtractFeeFrom, feeRate: fee.feeRate,
        inputType, changeScript: PLACEHOLDER_CHANGE[inputType],
      });
      plan = named ? planWith(named) : await this.planByTier(wallet.id, target, planWith);
    }
    const amount = plan.values.reduce((s, v) => s + v, 0n);
    checkFeeCaps({ fee: plan.fee, amount }, settings, opts.allowHighFee === true);
    const paid = spec.kind === 'sweep' ? [{ address: spec.address, script: spec.script }] : spec.recipients;
    const outputs: TxOutputSpec[] = paid.map((r, i) => ({ script: r.script, value: plan.values[i]! }));
    // Core's random change position: the last output is no tell.
    const changeIndex = plan.change > 0n ? changePosition(outputs.length, this.deps.random) : null;
    return { ...fee, plan, outputs, changeIndex, amount, destinations: paid.map((r) => r.address) };
  }

  /** The answer to `dryRun: true`: what the send would do, with the change address it would use next. */
  async preview(wallet: WalletRecord, p: Prepared): Promise<DryRunResult> {
    const next = p.changeIndex === null ? null : await this.deps.store.nextFreeAddress(wallet.id, 1);
    return {
      dryRun: true, fee: Number(p.plan.fee), vsize: p.plan.vsize, feeRate: Number(p.plan.fee) / p.plan.vsize, feeSource: p.feeSource,
      amount: Number(p.amount),
      inputs: p.plan.inputs.map((c) => ({ txid: c.txid, vout: c.vout, value: Number(c.value) })),
      change: p.changeIndex === null ? null : { address: next?.address ?? null, amount: Number(p.plan.change) },
    };
  }
}
