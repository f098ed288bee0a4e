/**
 * Ports: the only ways the wallet core reaches the outside world (bcoin-style).
 * `src/keystore` and `src/chain` hold the adapters; tests may supply their own.
 */
import type { LabelStore } from './labels/label-store.ts';
import type { LedgerStore } from './ledger/ledger-store.ts';
import type { AddressRecord, BlockRef, ChainIndex, OutputLease, WalletRecord } from './types.ts';

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
  /** `txid:vout` of outputs the wallet owns. A backend also follows outputs it finds as it goes. */
  outpoints: ReadonlySet<string>;
  /**
   * Inputs of the wallet's unconfirmed transactions that spend other people's coins: a block or
   * mempool tx spending one of these is a double-spend of a payment to the wallet.
   */
  foreignOutpoints?: ReadonlySet<string>;
  /** First block height to include; mempool transactions are always included. */
  fromHeight: number;
  /**
   * The block at `fromHeight - 1` the scan must extend (the wallet's sync point). When the chain
   * no longer holds it, whether found before or during the scan, the backend throws
   * {@link ChainMovedError} instead of returning blocks of a chain that does not link.
   */
  parent?: BlockRef;
  /** Called as blocks are scanned, for progress reporting. */
  onProgress?: (height: number, tipHeight: number) => void;
}

/** The chain moved under a scan: its parent block is no longer on the active chain. */
export class ChainMovedError extends Error {
  constructor(readonly parent: BlockRef) {
    super(`block ${parent.hash} at height ${parent.height} left the active chain during a scan`);
    this.name = 'ChainMovedError';
  }
}

/** What a scan found. */
export interface ScanResult {
  tip: BlockRef;
  txs: ChainTx[];
  blocks: BlockRef[];
}

/**
 * A mempool transaction's BIP125 accounting, as Core's `getmempoolentry`: what a replacement
 * must out-pay (rule 3 counts every descendant it evicts) and what a child's package joins.
 */
export interface MempoolEntry {
  /** The tx's own (modified) fee, sats. */
  fee: bigint;
  vsize: number;
  /** Fees of the tx and every mempool descendant, sats. */
  descendantFees: bigint;
  /** The tx and its descendants. */
  descendantCount: number;
  /** Fees and vsize of the tx and every unconfirmed ancestor: the package a CPFP child joins. */
  ancestorFees: bigint;
  ancestorVsize: number;
}

/** A chain source: Bitcoin Core JSON-RPC or an Esplora REST server (SPEC §7). */
export interface ChainBackend {
  readonly kind: 'bitcoind' | 'esplora';
  /** Throws WalletdError CHAIN_UNAVAILABLE when the backend cannot be reached. */
  getTip(): Promise<BlockRef>;
  /** Hash of the active chain's block at `height`, or null above the tip. */
  getBlockHash(height: number): Promise<string | null>;
  /**
   * Confirmed transactions at or above `fromHeight` plus mempool ones that touch the request, in
   * chain order, and the blocks it walked (at least the tip), for locating forks later.
   */
  scan(request: ScanRequest): Promise<ScanResult>;
  /** A transaction by id, confirmed or in the mempool; null when the backend does not know it. */
  getTx(txid: string): Promise<ChainTx | null>;
  /** Broadcasts; returns the txid. Throws WalletdError BROADCAST_REJECTED with the node's reason. */
  broadcast(hex: string): Promise<string>;
  /** Fee estimate in sat/vB for `confTarget` blocks, or null when the backend has no data. */
  estimateFeeRate(confTarget: number): Promise<number | null>;
  /** The node's minimum relay fee in sat/vB. */
  getMinRelayFeeRate(): Promise<number>;
  /** The node's incremental relay fee (BIP125 rule 4) in sat/vB; backends that cannot say assume Core's 1. */
  getIncrementalRelayFeeRate?(): Promise<number>;
  /**
   * The mempool entry of `txid`, or null when it is not in the mempool. Backends without a
   * mempool view of descendants (Esplora) omit it, and replacements count only the tx itself.
   */
  getMempoolEntry?(txid: string): Promise<MempoolEntry | null>;
  /**
   * Resolves when the tip moves past `knownHash`, or with null after `timeoutMs`. Backends that
   * can long-poll (bitcoind's `waitfornewblock`) offer it; the others are polled.
   */
  waitForTip?(knownHash: string | null, timeoutMs: number, signal: AbortSignal): Promise<BlockRef | null>;
  /** Releases sockets and timers. */
  close(): Promise<void>;
}

/** Persistence of wallets, addresses and the ledger. Every write is one SQLite transaction. */
export interface WalletStore extends LedgerStore, LabelStore {
  insertWallet(wallet: WalletRecord, addresses: AddressRecord[]): Promise<void>;
  getWallet(id: string): Promise<WalletRecord | null>;
  listWallets(): Promise<WalletRecord[]>;
  findWalletByAccountXpub(accountXpub: string): Promise<WalletRecord | null>;
  updateSealedSeed(id: string, sealedSeed: Uint8Array, hasPassphrase: boolean): Promise<void>;
  /** Moves the wallet's birth height down to `height` (a rescan from before it); never up. */
  lowerBirthHeight(id: string, height: number): Promise<void>;

  listAddresses(walletId: string): Promise<AddressRecord[]>;
  /** Hex scripts of every derived address: what a scan watches. */
  listScripts(walletId: string): Promise<string[]>;
  findAddress(walletId: string, address: string): Promise<AddressRecord | null>;
  insertAddresses(rows: AddressRecord[]): Promise<void>;
  /** The lowest address on `chain` never issued nor seen used, or null when none is derived. */
  nextFreeAddress(walletId: string, chain: ChainIndex): Promise<AddressRecord | null>;
  markIssued(walletId: string, chain: ChainIndex, index: number, label: string | null): Promise<void>;
  addressCounts(walletId: string): Promise<Record<ChainIndex, number>>;

  /** Inserts leases; fails (returns false, writes nothing) if any outpoint already has a live lease. */
  insertLeases(leases: OutputLease[], now: number): Promise<boolean>;
  listLeases(walletId: string, now: number): Promise<OutputLease[]>;
  /** Releases the given outpoints, or every lease with `reason`, or all of the wallet's leases. */
  releaseLeases(walletId: string, which: { outpoints?: string[]; reason?: string }): Promise<number>;

  /** Idempotent sends: the txid recorded for (wallet, key), with a hash of the request it answered. */
  getIdempotent(walletId: string, key: string): Promise<{ txid: string; requestHash: string } | null>;
  putIdempotent(walletId: string, key: string, txid: string, requestHash: string): Promise<void>;
}
