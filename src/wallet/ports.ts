/**
 * Ports: the only ways the wallet core reaches the outside world (bcoin-style).
 * `src/keystore` and `src/chain` hold the adapters; tests may supply their own.
 */
import type {
  AddressRecord,
  BlockRef,
  OutputLease,
  TxStatus,
  WalletOutput,
  WalletRecord,
  WalletTx,
} from './types.ts';

/** Time, injected so the core never reads the system clock or owns a timer. */
export interface Clock {
  /** Unix milliseconds. */
  now(): number;
  /** Runs `fn` after `ms`; the returned function cancels it. Timers must not keep the process alive. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** A transaction as a chain backend reports it. `blockHeight` null means it is in the mempool. */
export interface ChainTx {
  txid: string;
  hex: string;
  blockHeight: number | null;
  blockHash: string | null;
  /** Unix seconds of the block, when confirmed. */
  blockTime: number | null;
}

/** What a scan looks for: the wallet's scripts, and outpoints it owns (to catch spends). */
export interface ScanRequest {
  /** Hex scriptPubKeys. */
  scripts: ReadonlySet<string>;
  /** `txid:vout` of outputs the wallet owns. A block-scanning backend adds outputs it finds as it goes. */
  outpoints: ReadonlySet<string>;
  /** First block height to include; mempool transactions are always included. */
  fromHeight: number;
  /** Called as blocks are scanned, for progress reporting. */
  onProgress?: (height: number, tipHeight: number) => void;
}

/** A chain source: Bitcoin Core JSON-RPC or an Esplora REST server (SPEC §7). */
export interface ChainBackend {
  readonly kind: 'bitcoind' | 'esplora';
  /** Throws WalletdError CHAIN_UNAVAILABLE when the backend cannot be reached. */
  getTip(): Promise<BlockRef>;
  /** Hash of the active chain's block at `height`, or null above the tip. */
  getBlockHash(height: number): Promise<string | null>;
  /** Confirmed transactions at or above `fromHeight` plus mempool ones that touch the request. */
  scan(request: ScanRequest): Promise<{ tip: BlockRef; txs: ChainTx[] }>;
  /** A transaction by id, confirmed or in the mempool; null when the backend does not know it. */
  getTx(txid: string): Promise<ChainTx | null>;
  /** Broadcasts; returns the txid. Throws WalletdError BROADCAST_REJECTED with the node's reason. */
  broadcast(hex: string): Promise<string>;
  /** Fee estimate in sat/vB for `confTarget` blocks, or null when the backend has no data. */
  estimateFeeRate(confTarget: number): Promise<number | null>;
  /** The node's minimum relay fee in sat/vB. */
  getMinRelayFeeRate(): Promise<number>;
  /** Releases sockets and timers. */
  close(): Promise<void>;
}

/** What one sync pass learned for a wallet; the store applies it in one transaction. */
export interface SyncUpdate {
  txs: WalletTx[];
  outputs: WalletOutput[];
  /** Outpoints (`txid:vout`) of wallet outputs now spent, with the spending txid. */
  spends: Array<{ txid: string; vout: number; spentBy: string }>;
  /** Scripts seen on chain, to flag their addresses as used. */
  usedScripts: string[];
  /** New lookahead addresses derived to keep the gap limit. */
  newAddresses: AddressRecord[];
  /** Where the wallet is synced to after this update. */
  syncPoint: BlockRef;
}

/** Persistence of wallets, addresses and chain state. Every write is one SQLite transaction. */
export interface WalletStore {
  insertWallet(wallet: WalletRecord, addresses: AddressRecord[]): Promise<void>;
  getWallet(id: string): Promise<WalletRecord | null>;
  listWallets(): Promise<WalletRecord[]>;
  findWalletByAccountXpub(accountXpub: string): Promise<WalletRecord | null>;
  updateSealedSeed(id: string, sealedSeed: Uint8Array, hasPassphrase: boolean): Promise<void>;

  listAddresses(walletId: string): Promise<AddressRecord[]>;
  insertAddresses(rows: AddressRecord[]): Promise<void>;
  markIssued(walletId: string, chain: 0 | 1, index: number, label: string | null): Promise<void>;

  getSyncPoint(walletId: string): Promise<BlockRef | null>;
  applySync(walletId: string, update: SyncUpdate): Promise<void>;
  /** Undo a reorg: transactions above `height` become pending again; sync point moves to `to`. */
  rollback(walletId: string, to: BlockRef): Promise<void>;
  setTxStatus(walletId: string, txid: string, status: TxStatus, replacedBy: string | null): Promise<void>;

  /** Newest first; `before` is an opaque cursor from a previous page. */
  listTxs(walletId: string, opts: { limit: number; before?: string }): Promise<{ txs: WalletTx[]; next: string | null }>;
  getTx(walletId: string, txid: string): Promise<WalletTx | null>;
  listOutputs(walletId: string, opts: { unspentOnly: boolean }): Promise<WalletOutput[]>;

  /** Inserts leases; fails (returns false, writes nothing) if any outpoint already has a live lease. */
  insertLeases(leases: OutputLease[], now: number): Promise<boolean>;
  listLeases(walletId: string, now: number): Promise<OutputLease[]>;
  /** Releases the given outpoints, or every lease with `reason`, or all of the wallet's leases. */
  releaseLeases(walletId: string, which: { outpoints?: string[]; reason?: string }): Promise<number>;

  /** Idempotent sends: the txid recorded for (wallet, key), with a hash of the request it answered. */
  getIdempotent(walletId: string, key: string): Promise<{ txid: string; requestHash: string } | null>;
  putIdempotent(walletId: string, key: string, txid: string, requestHash: string): Promise<void>;
}
