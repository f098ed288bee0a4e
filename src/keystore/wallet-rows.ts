/** Row shapes of the wallet tables and their mapping to the domain types (snake_case <-> camelCase). */
import type {
  AddressRecord,
  AddressType,
  ChainIndex,
  NetworkName,
  OutputLease,
  WalletRecord,
} from '../wallet/types.ts';
import type { SqlParams } from './database.ts';

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
  lookahead: number;
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
/** An `output_leases` row. */
export interface LeaseRow {
  wallet_id: string;
  txid: string;
  vout: number;
  expires_at: number;
  reason: string;
}

// ON CONFLICT DO NOTHING (unlike INSERT OR IGNORE) still fails on CHECK and NOT NULL violations.
/** Insert of an address row that keeps a stored one. */
export const INSERT_ADDRESS = `INSERT INTO addresses
  (wallet_id, chain, idx, address, script, path, label, issued, used) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (wallet_id, chain, idx) DO NOTHING`;

/** Parameters of INSERT_ADDRESS. */
export const addressParams = (a: AddressRecord): SqlParams => [
  a.walletId, a.chain, a.index, a.address, a.script, a.path, a.label, a.issued ? 1 : 0, a.used ? 1 : 0,
];

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
  lookahead: r.lookahead,
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
/** Maps a row to its domain lease. */
export const toLease = (r: LeaseRow): OutputLease => ({
  walletId: r.wallet_id,
  txid: r.txid,
  vout: r.vout,
  expiresAt: r.expires_at,
  reason: r.reason,
});
