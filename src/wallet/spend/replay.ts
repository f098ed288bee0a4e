/**
 * Idempotent sends (SPEC §5): a retry with the same key answers with the earlier transaction and
 * its current status, so a retry of a send that was since cancelled, bumped or double-spent is
 * visibly not a payment.
 */
import { createHash } from 'node:crypto';
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../errors.ts';
import { prevoutsOf } from '../ledger/outpoints.ts';
import { historyEntry } from '../ledger/ledger-views.ts';
import type { WalletStore } from '../ports.ts';
import type { SendResult } from '../wallet-api.ts';

/** A stable hash of what a request asks for, so one key cannot answer two different requests. */
export function requestHash(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * The earlier send under `key`, with its status, replacedBy and conflictedBy as they are now; null
 * when there is none, or when it was recorded and then refused outright (nothing was paid, so the
 * caller may send again). A key reused for another request fails INVALID_PARAMS.
 */
export async function replaySend(store: WalletStore, walletId: string, key: string, hash: string): Promise<SendResult | null> {
  const prior = await store.getIdempotent(walletId, key);
  if (!prior) return null;
  if (prior.requestHash !== hash) fail('INVALID_PARAMS', 'idempotencyKey was used for a different request', { field: 'idempotencyKey' });
  const stored = await store.getTx(walletId, prior.txid);
  if (!stored) return null;
  const decoded = Transaction.fromHex(stored.hex);
  const [created, spent] = await Promise.all([store.coinsOf(walletId, [stored.txid]), store.getCoins(walletId, prevoutsOf(decoded))]);
  const coins = new Map(spent);
  created.forEach((c) => coins.set(`${c.txid}:${c.vout}`, c));
  const fee = historyEntry(stored, coins, null).fee ?? 0;
  return {
    txid: prior.txid, fee, feeRate: fee / decoded.virtualSize(), replayed: true, status: stored.status,
    replacedBy: stored.replacedBy, conflictedBy: stored.conflictedBy,
  };
}
