/**
 * Address issuance under the BIP44 gap limit. Pure functions over the wallet's address rows:
 * the service persists what they return.
 */
import { deriveAddresses } from './hd.ts';
import type { AddressRecord, ChainIndex, Network, WalletRecord } from './types.ts';

/** Highest index on `chain` that is used or issued, or -1. */
function lastTouched(rows: AddressRecord[], chain: ChainIndex): number {
  return rows.reduce((max, r) => (r.chain === chain && (r.used || r.issued) && r.index > max ? r.index : max), -1);
}

/** Highest index on `chain` seen on chain, or -1. */
function lastUsed(rows: AddressRecord[], chain: ChainIndex): number {
  return rows.reduce((max, r) => (r.chain === chain && r.used && r.index > max ? r.index : max), -1);
}

/**
 * New rows needed so that `gapLimit` untouched addresses follow the last used or issued one on
 * each chain: a scan only finds payments to addresses it derived (BIP44 "address gap limit").
 */
export function lookaheadRows(
  wallet: WalletRecord,
  network: Network,
  rows: AddressRecord[],
  gapLimit: number,
): AddressRecord[] {
  const fresh: AddressRecord[] = [];
  for (const chain of [0, 1] as const) {
    const have = rows.reduce((n, r) => (r.chain === chain ? Math.max(n, r.index + 1) : n), 0);
    const want = lastTouched(rows, chain) + 1 + gapLimit;
    if (want <= have) continue;
    const derived = deriveAddresses(wallet.accountXpub, wallet.addressType, network, chain, have, want - have);
    derived.forEach((d, i) =>
      fresh.push({
        walletId: wallet.id,
        chain,
        index: have + i,
        address: d.address,
        script: d.script,
        path: d.path,
        label: null,
        issued: false,
        used: false,
      }),
    );
  }
  return fresh;
}

/**
 * The address generate_address hands out: the lowest untouched one, unless that would leave more
 * than `gapLimit` unused addresses after the last used one. Then it hands out the oldest issued
 * but unused address again, so a restore that scans with the same gap limit never misses a coin.
 */
export function nextAddress(rows: AddressRecord[], chain: ChainIndex, gapLimit: number): AddressRecord {
  const onChain = rows.filter((r) => r.chain === chain).sort((a, b) => a.index - b.index);
  const used = lastUsed(rows, chain);
  const untouched = onChain.find((r) => !r.used && !r.issued && r.index > used);
  if (untouched && untouched.index - used <= gapLimit) return untouched;
  const reusable = onChain.find((r) => !r.used && r.index > used);
  if (!reusable) throw new Error(`no address rows derived on chain ${chain}`);
  return reusable;
}
