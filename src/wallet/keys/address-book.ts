/**
 * Address lookahead under the gap limit (BIP44). Pure: the service and sync persist what it
 * returns. An address, once handed out, is never handed out again (SPEC §5).
 */
import { deriveAddresses } from './hd.ts';
import type { AddressHighWater, AddressRecord, ChainIndex, Network, WalletRecord } from '../types.ts';

/** High-water marks of in-memory rows (used while building a wallet's first rows). */
export function highWaterOf(rows: readonly AddressRecord[]): AddressHighWater {
  const hw: AddressHighWater = { 0: { derived: -1, touched: -1 }, 1: { derived: -1, touched: -1 } };
  for (const r of rows) {
    const mark = hw[r.chain];
    mark.derived = Math.max(mark.derived, r.index);
    if (r.issued || r.used) mark.touched = Math.max(mark.touched, r.index);
  }
  return hw;
}

/**
 * New rows needed so that `gap` untouched addresses follow the last used or issued one on each
 * chain: a scan only finds payments to addresses it derived (BIP44 "address gap limit").
 */
export function lookaheadRows(wallet: WalletRecord, network: Network, hw: AddressHighWater, gap: number): AddressRecord[] {
  const fresh: AddressRecord[] = [];
  for (const chain of [0, 1] as const satisfies readonly ChainIndex[]) {
    const have = hw[chain].derived + 1;
    const want = hw[chain].touched + 1 + gap;
    if (want <= have) continue;
    const derived = deriveAddresses(wallet.accountXpub, wallet.addressType, network, chain, have, want - have);
    derived.forEach((d, i) =>
      fresh.push({
        walletId: wallet.id, chain, index: have + i, address: d.address, script: d.script, path: d.path,
        label: null, issued: false, used: false,
      }),
    );
  }
  return fresh;
}
