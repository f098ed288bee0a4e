/**
 * cancel_transaction: a BIP125 replacement paying an unconfirmed send's inputs back to the
 * wallet. It out-pays the original and every mempool descendant it evicts (rule 3), or refuses
 * with a clear code before anything is broadcast.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../errors.ts';
import type { WalletRecord } from '../types.ts';
import type { SendResult, SpendGuard } from '../wallet-api.ts';
import { checkReplacementFeeCaps } from './fee-policy.ts';
import { allOwn, checkEvictionCount, evictedFees, loadReplaceTarget } from './replace-target.ts';
import { buildCancelReplacement } from './replacement.ts';
import type { SpendKit } from './spend-kit.ts';

/** cancel_transaction's request. */
export interface CancelTxRequest {
  txid: string;
  feeRate?: number;
  guard?: SpendGuard;
}

/** Builds, checks, signs and broadcasts the cancel; the caller holds the wallet's spend queue. */
export async function cancelTransaction(kit: SpendKit, wallet: WalletRecord, req: CancelTxRequest): Promise<SendResult> {
  const { settings } = kit;
  const target = await loadReplaceTarget(kit, wallet.id, req.txid);
  const inputs = target.inputs;
  if (!allOwn(inputs)) fail('INVALID_PARAMS', 'only transactions funded entirely by this wallet can be cancelled', { txid: req.txid });
  checkEvictionCount(target);
  const change = await kit.changeAddress(wallet);
  const replacement = buildCancelReplacement({
    // BIP125 rule 3: the fees of the original's mempool descendants are evicted with it.
    original: { inputs, fee: target.fee ?? 0n, vsize: target.vsize, evictedFees: evictedFees(target) },
    changeScript: change.script,
    locktime: target.decoded.locktime,
    feeRate: req.feeRate,
    minRelayFeeRate: target.minRelayFeeRate,
    incrementalRelayFeeRate: target.incrementalRelayFeeRate,
    ...kit.account(wallet),
  });
  checkReplacementFeeCaps(replacement, settings);
  // SPEC §4: the replacement's fee leaves the wallet, so it counts against the caller's limits.
  await req.guard?.({ amount: 0n, fee: replacement.fee, feeRate: replacement.feeRate, destinations: [] });
  const { hex } = await kit.sign(wallet, replacement.psbt);
  if (!hex) fail('INTERNAL', 'wallet could not finalize its replacement');
  const status = await kit.broadcast(wallet.id, req.txid, hex);
  return { txid: Transaction.fromHex(hex).getId(), fee: Number(replacement.fee), feeRate: replacement.feeRate, replayed: false, status };
}
