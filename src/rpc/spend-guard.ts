/**
 * A token's spend constraints (SPEC §4) as the wallet core's SpendGuard, which the wallet runs
 * after coin selection and before anything is signed.
 */
import { address as btcAddress } from 'bitcoinjs-lib';
import { fail } from '../errors.ts';
import type { CallerToken } from './context.ts';
import type { SpendLedger } from './ports.ts';
import type { SpendGuard } from '../wallet/wallet-api.ts';

/** The rolling window of `maxSendPerDay`. */
export const SPEND_WINDOW_MS = 24 * 60 * 60 * 1000;

/** BIP-173: bech32 is case-insensitive, so compare it lowercased; base58 is case-sensitive. */
function normalizeAddress(addr: string): string {
  try {
    btcAddress.fromBech32(addr);
    return addr.toLowerCase();
  } catch {
    return addr;
  }
}

/** Builds the guard for one token; `now` is read at check time so the window is current. */
export function createSpendGuard(token: CallerToken, ledger: SpendLedger, now: () => number): SpendGuard {
  const { maxSendPerTx, maxSendPerDay, allowedDestinations } = token.constraints;
  const allowed = allowedDestinations ? new Set(allowedDestinations.map(normalizeAddress)) : null;
  return async ({ amount, destinations }) => {
    if (allowed) {
      for (const dest of destinations) {
        if (!allowed.has(normalizeAddress(dest))) fail('DESTINATION_NOT_ALLOWED', undefined, { address: dest });
      }
    }
    if (maxSendPerTx !== undefined && amount > BigInt(maxSendPerTx)) {
      fail('SPEND_LIMIT', 'Amount exceeds this token\'s per-transaction limit', {
        limit: 'maxSendPerTx', max: maxSendPerTx, amount: Number(amount),
      });
    }
    if (maxSendPerDay !== undefined) {
      const spent = await ledger.spentSince(token.id, now() - SPEND_WINDOW_MS);
      if (spent + amount > BigInt(maxSendPerDay)) {
        fail('SPEND_LIMIT', 'Amount exceeds this token\'s 24 h limit', {
          limit: 'maxSendPerDay', max: maxSendPerDay, spent: Number(spent), amount: Number(amount),
        });
      }
    }
  };
}
