/**
 * A token's spend constraints (SPEC §4) as the wallet core's SpendGuard, which the wallet runs
 * after coin selection and before anything is broadcast. Every limit of the token and of each
 * ancestor applies, and what leaves the wallet (amount plus fee) is what counts.
 */
import { address as btcAddress } from 'bitcoinjs-lib';
import { fail } from '../errors.ts';
import type { CallerToken } from './context.ts';
import type { SpendLedger, TokenConstraints } from './ports.ts';
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

/** The token and its ancestors, nearest first: every one whose limits a spend is charged to. */
export function lineageOf(token: CallerToken): Array<{ id: string; constraints: TokenConstraints }> {
  return [{ id: token.id, constraints: token.constraints }, ...(token.ancestors ?? [])];
}

/** The id of the family's oldest live ancestor, which keys the family's one spend lock. */
export function lineageRoot(token: CallerToken): string {
  return token.ancestors?.at(-1)?.id ?? token.id;
}

/** True when any token in the lineage carries a spend constraint. */
export function hasSpendConstraint(token: CallerToken): boolean {
  return lineageOf(token).some(({ constraints: c }) =>
    c.maxSendPerTx !== undefined || c.maxSendPerDay !== undefined || c.allowedDestinations !== undefined ||
    c.maxFeeRate !== undefined);
}

/** Records a spend against the token and every ancestor, so each one's window sees its whole family. */
export async function chargeSpend(
  ledger: SpendLedger, token: CallerToken, walletId: string, txid: string, amount: bigint, at: number,
): Promise<void> {
  for (const { id } of lineageOf(token)) await ledger.recordSpend(id, walletId, txid, amount, at);
}

function checkOne(
  id: string, c: TokenConstraints, spend: { total: bigint; feeRate: number | undefined; destinations: string[] },
  spent: bigint | null,
): void {
  if (c.allowedDestinations) {
    const allowed = new Set(c.allowedDestinations.map(normalizeAddress));
    for (const dest of spend.destinations) {
      if (!allowed.has(normalizeAddress(dest))) fail('DESTINATION_NOT_ALLOWED', undefined, { address: dest });
    }
  }
  if (c.maxFeeRate !== undefined && spend.feeRate !== undefined && spend.feeRate > c.maxFeeRate) {
    fail('FEE_TOO_HIGH', 'Fee rate exceeds this token\'s maxFeeRate', { feeRate: spend.feeRate, maxFeeRate: c.maxFeeRate });
  }
  if (c.maxSendPerTx !== undefined && spend.total > BigInt(c.maxSendPerTx)) {
    fail('SPEND_LIMIT', 'Amount plus fee exceeds a per-transaction limit of this token\'s lineage', {
      limit: 'maxSendPerTx', max: c.maxSendPerTx, amount: Number(spend.total), tokenId: id,
    });
  }
  if (c.maxSendPerDay !== undefined && spent !== null && spent + spend.total > BigInt(c.maxSendPerDay)) {
    fail('SPEND_LIMIT', 'Amount plus fee exceeds a 24 h limit of this token\'s lineage', {
      limit: 'maxSendPerDay', max: c.maxSendPerDay, spent: Number(spent), amount: Number(spend.total), tokenId: id,
    });
  }
}

/**
 * Builds the guard for one token; `now` is read at check time so the window is current. The
 * caller holds the family's spend lock (`lineageRoot`) across guard, broadcast and `chargeSpend`.
 */
export function createSpendGuard(token: CallerToken, ledger: SpendLedger, now: () => number): SpendGuard {
  return async ({ amount, fee, feeRate, destinations }) => {
    const spend = { total: amount + fee, feeRate, destinations };
    for (const { id, constraints } of lineageOf(token)) {
      const spent = constraints.maxSendPerDay !== undefined ? await ledger.spentSince(id, now() - SPEND_WINDOW_MS) : null;
      checkOne(id, constraints, spend, spent);
    }
  };
}
