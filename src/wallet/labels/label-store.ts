/**
 * Labels as BIP329 records (bitcoin/bips bip-0329.mediawiki), and the port that stores them.
 * `src/keystore/sql-label-store.ts` is the adapter. A wallet address's label is its address row's
 * (what generate_address and get_addresses show); every other record is kept as given.
 */

/** The record types BIP329 defines. */
export const LABEL_TYPES = ['tx', 'addr', 'pubkey', 'input', 'output', 'xpub'] as const;

/** One BIP329 record type. */
export type LabelType = (typeof LABEL_TYPES)[number];

/** One stored label record. `label` null means the record only carries `spendable` or `origin`. */
export interface LabelRecord {
  type: LabelType;
  ref: string;
  label: string | null;
  origin?: string | null;
  /** BIP329: only on `output` records. */
  spendable?: boolean | null;
}

/** Label persistence. Lookups take a page's refs, so a read costs O(page), whatever the wallet's size. */
export interface LabelStore {
  /** Labels of the given refs of one type (those with a non-empty label). */
  labelsOf(walletId: string, type: LabelType, refs: readonly string[]): Promise<Map<string, string>>;
  /** Output labels (`txid:vout` → label) of the given transactions: cost follows the labels, not the outputs. */
  outputLabelsOf(walletId: string, txids: readonly string[]): Promise<Map<string, string>>;
  /** Labels of addresses, the wallet's own (address rows) and others' (label records) alike. */
  addressLabels(walletId: string, addresses: readonly string[]): Promise<Map<string, string>>;
  /**
   * Writes records in one transaction: all of them, or none. A record with `label` undefined
   * leaves the stored label as it is (BIP329 "should not alter"); null or '' clears it.
   */
  putLabels(walletId: string, records: readonly LabelWrite[]): Promise<void>;
  /** Every label record of the wallet, wallet addresses included, ordered by type and ref. */
  allLabels(walletId: string): Promise<LabelRecord[]>;
}

/** A write of one record: fields left undefined keep their stored value. */
export interface LabelWrite {
  type: LabelType;
  ref: string;
  label?: string | null;
  origin?: string | null;
  spendable?: boolean | null;
}
