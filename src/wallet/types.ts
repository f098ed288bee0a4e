/**
 * Domain types shared by the wallet core, its ports and their adapters.
 * Amounts are `bigint` satoshis inside the daemon; they become JSON integers only on the wire.
 */

/** Script type of a wallet's addresses: BIP84 native segwit (default) or BIP86 taproot. */
export type AddressType = 'p2wpkh' | 'p2tr';

/** Named networks (SPEC §7); `networkParams` in config may override their parameters. */
export type NetworkName = 'mainnet' | 'testnet' | 'signet' | 'regtest';

/** Chain parameters in bitcoinjs-lib's `Network` shape. */
export interface NetworkParams {
  messagePrefix: string;
  bech32: string;
  bip32: { public: number; private: number };
  pubKeyHash: number;
  scriptHash: number;
  wif: number;
}

/** A resolved network: its name, its parameters, and its BIP44 coin type (0 mainnet, 1 others). */
export interface Network {
  name: NetworkName;
  params: NetworkParams;
  coinType: 0 | 1;
}

/** 0 = receive (external) chain, 1 = change (internal) chain, as in BIP44. */
export type ChainIndex = 0 | 1;

/** A wallet as stored in the keystore. The seed is only ever present encrypted. */
export interface WalletRecord {
  id: string;
  name: string;
  network: NetworkName;
  addressType: AddressType;
  /** Account-level extended public key (m/84'/c'/0' or m/86'/c'/0'), in the network's version bytes. */
  accountXpub: string;
  /** Hex fingerprint of the master key, used for descriptors and duplicate detection. */
  masterFingerprint: string;
  /**
   * The wallet secret (BIP39 entropy, see wallet-secret.ts) sealed by the seed vault
   * (scrypt + AEAD) under the wallet passphrase; null for watch-only wallets.
   */
  sealedSeed: Uint8Array | null;
  /** True once the user set a wallet passphrase; without one the seed is sealed under ''. */
  hasPassphrase: boolean;
  /** Unix ms. */
  createdAt: number;
  /** Height to start scanning from when the wallet was created or imported (0 = genesis). */
  birthHeight: number;
  /**
   * Unused addresses kept derived past the last used or issued one on each chain: the gap limit
   * for wallets created here, the larger discovery gap for restores from a bare seed or xpub.
   */
  lookahead: number;
}

/** Highest derived and highest touched (issued or used) index of each address chain; -1 when none. */
export type AddressHighWater = Record<ChainIndex, { derived: number; touched: number }>;

/** One derived address. `issued` = handed out by generate_address; `used` = seen on chain. */
export interface AddressRecord {
  walletId: string;
  chain: ChainIndex;
  index: number;
  address: string;
  /** Hex scriptPubKey. */
  script: string;
  /** Derivation path from the master key, e.g. m/84'/1'/0'/0/5. */
  path: string;
  label: string | null;
  issued: boolean;
  used: boolean;
}

/**
 * Confirmation state of a wallet transaction (SPEC §5). `broadcasting`: recorded, possibly sent,
 * not yet seen by the node; `replaced`: a mempool replacement took its place; `conflicted`: a
 * confirmed transaction spent one of its inputs, or it left the main chain and cannot confirm.
 */
export type TxStatus = 'broadcasting' | 'pending' | 'confirmed' | 'replaced' | 'conflicted';

/** A lease on an output, taken by a send or sign so concurrent calls never pick the same coin. */
export interface OutputLease {
  walletId: string;
  txid: string;
  vout: number;
  /** Unix ms. */
  expiresAt: number;
  /** Why it is leased: an idempotency key, a txid, or a sign request id. */
  reason: string;
}

/** A block reference. */
export interface BlockRef {
  height: number;
  hash: string;
}
