/** Row shapes of the wallet tables and their mapping to the domain types (snake_case <-> camelCase). */
import type {
  AddressRecord,
  AddressType,
  ChainIndex,
  NetworkName,
  OutputLease,
  TxStatus,
  WalletOutput,
  WalletRecord,
  WalletTx,
} from '../wallet/types.ts';

/** A `wallets` row. */
export interface WalletRow {
  id: string;
  name: string;
  network: string;
  address_type: string;
  account_xpub: string;
  master_fingerprint: string;
  sealed_seed: Buffer | null;
  has_passphrase: number;
  created_at: number;
  birth_height: number;
}
/** An `addresses` row. */
export interface AddressRow {
  wallet_id: string;
  chain: number;
  idx: number;
  address: string;
  script: string;
  path: string;
  label: string | null;
  issued: number;
  used: number;
}
/** A `wallet_txs` row. */
export interface TxRow {
  wallet_id: string;
  txid: string;
  hex: string;
  block_height: number | null;
  block_hash: string | null;
  block_time: number | null;
  status: string;
  replaced_by: string | null;
  first_seen: number;
}
/** A `wallet_outputs` row. */
export interface OutputRow {
  wallet_id: string;
  txid: string;
  vout: number;
  value: number;
  script: string;
  address: string;
  chain: number;
  idx: number;
  block_height: number | null;
  spent_by: string | null;
}
/** An `output_leases` row. */
export interface LeaseRow {
  wallet_id: string;
  txid: string;
  vout: number;
  expires_at: number;
  reason: string;
}

/** Sort height of unconfirmed transactions: above every block height. */
export const MEMPOOL_HEIGHT = 2147483647;
/** SQL expression ordering history by height, unconfirmed first when descending. */
export const SORT_HEIGHT = `COALESCE(block_height, ${MEMPOOL_HEIGHT})`;

/** Maps a row to its domain wallet. */
export const toWallet = (r: WalletRow): WalletRecord => ({
  id: r.id,
  name: r.name,
  network: r.network as NetworkName,
  addressType: r.address_type as AddressType,
  accountXpub: r.account_xpub,
  masterFingerprint: r.master_fingerprint,
  sealedSeed: r.sealed_seed === null ? null : new Uint8Array(r.sealed_seed),
  hasPassphrase: r.has_passphrase === 1,
  createdAt: r.created_at,
  birthHeight: r.birth_height,
});
/** Maps a row to its domain address. */
export const toAddress = (r: AddressRow): AddressRecord => ({
  walletId: r.wallet_id,
  chain: r.chain as ChainIndex,
  index: r.idx,
  address: r.address,
  script: r.script,
  path: r.path,
  label: r.label,
  issued: r.issued === 1,
  used: r.used === 1,
});
/** Maps a row to its domain transaction. */
export const toTx = (r: TxRow): WalletTx => ({
  walletId: r.wallet_id,
  txid: r.txid,
  hex: r.hex,
  blockHeight: r.block_height,
  blockHash: r.block_hash,
  blockTime: r.block_time,
  status: r.status as TxStatus,
  replacedBy: r.replaced_by,
  firstSeen: r.first_seen,
});
/** Maps a row to its domain output; sats become bigint. */
export const toOutput = (r: OutputRow): WalletOutput => ({
  walletId: r.wallet_id,
  txid: r.txid,
  vout: r.vout,
  value: BigInt(r.value),
  script: r.script,
  address: r.address,
  chain: r.chain as ChainIndex,
  index: r.idx,
  blockHeight: r.block_height,
  spentBy: r.spent_by,
});
/** Maps a row to its domain lease. */
export const toLease = (r: LeaseRow): OutputLease => ({
  walletId: r.wallet_id,
  txid: r.txid,
  vout: r.vout,
  expiresAt: r.expires_at,
  reason: r.reason,
});
