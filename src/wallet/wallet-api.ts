/**
 * What the wallet offers the RPC layer. `WalletService` implements it over the ports; the
 * method table calls it. Results are wire-shaped: sats are integer `number`s (always <= 2^53-1
 * because no amount exceeds 21e14 sats), never floats.
 */
import type { AddressType, NetworkName, TxStatus } from './types.ts';

/** One row of list_wallets. */
export interface WalletSummary {
  id: string;
  name: string;
  network: NetworkName;
  addressType: AddressType;
  watchOnly: boolean;
  locked: boolean;
}

/** get_wallet_info: public facts only (SPEC §1). */
export interface WalletInfo extends WalletSummary {
  hasPassphrase: boolean;
  /** Account xpub in the network's version bytes (tpub on test networks). */
  xpub: string;
  /** Output descriptors (public), receive and change. */
  descriptors: { receive: string; change: string };
  masterFingerprint: string;
  addressCount: { receive: number; change: number };
  txCount: number;
  /** Unix seconds until which signing stays unlocked, when unlocked with a passphrase. */
  unlockedUntil: number | null;
  sync: SyncStatus;
}

/** Where the wallet's view of the chain stands. */
export interface SyncStatus {
  /** 'offline' when no chain backend is configured. */
  state: 'offline' | 'syncing' | 'synced' | 'unavailable';
  syncHeight: number | null;
  tipHeight: number | null;
  /** 0..1 during a scan or rescan. */
  progress: number;
  /** The block a scan in progress has reached (not yet committed), else syncHeight. */
  scanHeight: number | null;
  /** Where the scan in progress started (a rescan's fromHeight), else null. */
  scanFrom: number | null;
  /** Blocks per second of the scan in progress, once measurable; else null. */
  rate: number | null;
  /** Seconds the scan in progress should still take at that rate; else null. */
  etaSeconds: number | null;
}

/** get_balance categories (SPEC §5), in sats. */
export interface Balance {
  /** Mature coins with at least one confirmation. */
  confirmed: number;
  /** Coinbase outputs under 101 confirmations. */
  immature: number;
  /** Unconfirmed outputs of the wallet's own transactions. */
  trustedPending: number;
  /** Unconfirmed outputs from others. */
  untrustedPending: number;
  /** trustedPending + untrustedPending. */
  unconfirmed: number;
  /** What a send may spend now: confirmed (+ trustedPending unless disabled), minus leased coins. */
  spendable: number;
  /** confirmed + immature + unconfirmed. */
  total: number;
}

/** One address of get_addresses / generate_address. */
export interface AddressInfo {
  address: string;
  chain: 'receive' | 'change';
  index: number;
  path: string;
  label: string | null;
  used: boolean;
}

/** One output of a wallet transaction, so a payment can be matched to the address it paid. */
export interface TxOutputView {
  vout: number;
  /** Null for a script with no address form (OP_RETURN, bare multisig). */
  address: string | null;
  amount: number;
  /** Pays one of the wallet's addresses. */
  mine: boolean;
  /** Pays the wallet's change chain. */
  change: boolean;
  /** The output's own BIP329 label, else its address's label. */
  label: string | null;
}

/** One input of get_transaction; address and amount are known when it spends the wallet's coin. */
export interface TxInputView {
  txid: string;
  vout: number;
  address: string | null;
  amount: number | null;
  mine: boolean;
}

/** One entry of get_transaction_history, and the `tx` event's detail. */
export interface TxHistoryEntry extends TxSummary {
  label: string | null;
  outputs: TxOutputView[];
}

/** get_transaction: one wallet transaction in full. */
export interface TxDetails extends TxHistoryEntry {
  blockHash: string | null;
  inputs: TxInputView[];
  vsize: number;
  hex: string;
}

/** What a wallet transaction did, without its outputs. */
export interface TxSummary {
  txid: string;
  direction: 'incoming' | 'outgoing' | 'self';
  /** Net effect on the wallet in sats: positive received, negative sent (fee included). */
  amount: number;
  /** Known when the wallet funded every input; otherwise null. */
  fee: number | null;
  confirmations: number;
  blockHeight: number | null;
  status: TxStatus;
  replacedBy: string | null;
  conflictedBy: string | null;
  coinbase: boolean;
  /** Unix seconds: block time when confirmed, else first seen. */
  time: number;
}

/** One coin of get_unspent_outputs. */
export interface UnspentOutput {
  txid: string;
  vout: number;
  value: number;
  address: string;
  confirmations: number;
  /** A coinbase output: immature, and never selected, under 101 confirmations. */
  coinbase: boolean;
  /** Created by the wallet's own transaction from its own coins. */
  trusted: boolean;
  /** A send may choose it now (mature, not leased, confirmed or trusted). */
  spendable: boolean;
  /** Unix seconds until which a send or sign holds it, or null. */
  lockedUntil: number | null;
}

/** get_tx_status. */
export interface TxStatusInfo {
  txid: string;
  status: TxStatus;
  confirmations: number;
  blockHeight: number | null;
  blockHash: string | null;
  replacedBy: string | null;
  conflictedBy: string | null;
}

/** A payment: one destination and its amount in sats. */
export interface Recipient {
  address: string;
  amount: number;
}

/** Fee choice: an explicit rate, a confirmation target for the backend's estimate, or the default. */
export interface FeeChoice {
  /** sat/vB. */
  feeRate?: number;
  confTarget?: number;
}

/**
 * A check the caller runs after coin selection and before anything is broadcast (token spend
 * limits and destinations). It throws a WalletdError to stop the send. `amount` excludes change;
 * `fee` is what the transaction pays the miners, and `feeRate` its sat/vB.
 */
export type SpendGuard = (spend: { amount: bigint; fee: bigint; feeRate?: number; destinations: string[] }) => Promise<void>;

/** Where a send's fee rate came from: the caller, the backend's estimate, or the configured fallback. */
export type FeeSource = 'explicit' | 'estimate' | 'fallback';

/** A coin named by the caller (coin control). */
export interface InputRef {
  txid: string;
  vout: number;
}

/** What every send shares: the fee choice, coin control, preview, caps and idempotency. */
export interface SendOptions extends FeeChoice {
  /** Spend exactly these coins. */
  inputs?: InputRef[];
  /** Preview only: nothing is leased, signed, recorded or broadcast. */
  dryRun?: boolean;
  /** Allow a fee larger than the amount sent. */
  allowHighFee?: boolean;
  idempotencyKey?: string;
  guard?: SpendGuard;
}

/** send_transaction. */
export interface SendRequest extends SendOptions {
  outputs: Recipient[];
  /** Indexes into `outputs` whose amounts pay the fee, split evenly (Core's subtractfeefrom). */
  subtractFeeFrom?: number[];
}

/** send_all: every spendable coin, or exactly `inputs`, to one address, with no change. */
export interface SendAllRequest extends SendOptions {
  address: string;
}

/** Result of a send or a cancel. */
export interface SendResult {
  txid: string;
  fee: number;
  /** sat/vB actually paid. */
  feeRate: number;
  /** Where the fee rate came from; absent on a replay and on replacements. */
  feeSource?: FeeSource;
  /** Sats the recipients receive (after subtractFeeFrom); absent on a replay and on replacements. */
  amount?: number;
  /** True when an idempotent retry returned an earlier send. */
  replayed: boolean;
  /**
   * `pending` once the node accepted it; `broadcasting` when the broadcast was ambiguous (it may
   * have reached the node): its coins stay spent and sync settles it. A replay reports the
   * current status, which may also be `confirmed`, `replaced` or `conflicted`.
   */
  status: TxStatus;
  /** On a replay of a send since replaced (cancel, bump): the transaction that replaced it. */
  replacedBy?: string | null;
  /** On a replay of a send since double-spent: the transaction that conflicted it. */
  conflictedBy?: string | null;
}

/** What a send would do (`dryRun: true`): nothing was leased, signed or broadcast. */
export interface DryRunResult {
  dryRun: true;
  fee: number;
  /** Estimated vsize of the signed transaction. */
  vsize: number;
  feeRate: number;
  feeSource: FeeSource;
  /** Sats the recipients would receive. */
  amount: number;
  inputs: Array<{ txid: string; vout: number; value: number }>;
  /**
   * The change output, or null for a changeless transaction. `address` is the change address
   * the wallet would issue next (not issued by the preview; a concurrent call may take it).
   */
  change: { address: string | null; amount: number } | null;
}

/** What a send answers: a preview for `dryRun: true`, a sent transaction without it, either when unknown. */
export type SendOutcome<R extends { dryRun?: boolean }> = 'dryRun' extends keyof R
  ? R extends { dryRun: true } ? DryRunResult : R extends { dryRun?: false } ? SendResult : SendResult | DryRunResult
  : SendResult;

/** bump_fee's request. */
export interface BumpRequest extends FeeChoice {
  txid: string;
  guard?: SpendGuard;
}

/** bump_fee's result: the new transaction (the replacement, or the child). */
export interface BumpResult {
  txid: string;
  method: 'rbf' | 'cpfp';
  /** The new transaction's fee, sats. */
  fee: number;
  /** The new transaction's own sat/vB. */
  feeRate: number;
  /** sat/vB the miners see: the replacement's, or the child's package with its unconfirmed ancestors. */
  effectiveFeeRate: number;
  status: TxStatus;
}

/** create_psbt: a funded, unsigned PSBT for an external signer. */
export interface CreatePsbtRequest extends FeeChoice {
  outputs: Recipient[];
  /** Spend exactly these coins (coin control, as the sends). */
  inputs?: InputRef[];
  /** Indexes into `outputs` whose amounts pay the fee, split evenly. */
  subtractFeeFrom?: number[];
  /** Allow a fee larger than the amount sent. */
  allowHighFee?: boolean;
}

/** create_psbt's result. Nothing is signed; the inputs stay leased until release or expiry. */
export interface CreatePsbtResult {
  /** Base64 BIP174 PSBT. */
  psbt: string;
  fee: number;
  /** sat/vB over the estimated final vsize. */
  feeRate: number;
  feeSource: FeeSource;
  vsize: number;
  /** Index of the change output, or null when there is none. */
  changeIndex: number | null;
  /** Outpoints spent, `txid:vout`. */
  inputs: string[];
  /** Unix seconds until which the inputs stay leased. */
  leasedUntil: number;
}

/** sign_transaction: build-and-sign a draft, or sign a caller's PSBT (BIP174). */
export type SignRequest = ({ outputs: Recipient[] } & FeeChoice) | { psbt: string };

/** Result of sign_transaction. Nothing is broadcast. */
export interface SignResult {
  /** Base64 PSBT with the wallet's signatures. */
  psbt: string;
  /** Final network transaction hex, when every input could be finalized. */
  hex: string | null;
  complete: boolean;
  /** Unix seconds until which the inputs stay leased (drafts only). */
  leasedUntil: number | null;
}

/** The operations of SPEC §5 that belong to a wallet, with the wallet id already resolved. */
export interface WalletApi {
  listWallets(): Promise<WalletSummary[]>;
  createWallet(req: { name: string; addressType?: AddressType; passphrase?: string }): Promise<WalletSummary>;
  getWalletInfo(walletId: string): Promise<WalletInfo>;
  getBalance(walletId: string, address?: string): Promise<Balance>;
  getAddresses(walletId: string): Promise<AddressInfo[]>;
  generateAddress(walletId: string, req: { label?: string; change?: boolean }): Promise<AddressInfo>;
  getTransactionHistory(
    walletId: string,
    req: { limit: number; cursor?: string },
  ): Promise<{ transactions: TxHistoryEntry[]; nextCursor: string | null }>;
  /** Coins ordered by outpoint; `limit` and `after` (the last outpoint of the previous page) page them. */
  getUnspentOutputs(walletId: string, req: { minConf: number; limit?: number; after?: string }): Promise<UnspentOutput[]>;
  getTxStatus(walletId: string, txid: string): Promise<TxStatusInfo>;
  getTransaction(walletId: string, txid: string): Promise<TxDetails>;
  /** Labels an address or a transaction; an empty label clears it. */
  setLabel(walletId: string, req: { address?: string; txid?: string; label: string }): Promise<void>;
  exportLabels(walletId: string): Promise<{ labels: string; count: number }>;
  importLabels(walletId: string, req: { labels: string }): Promise<LabelImportResult>;
  /** Rescans from `fromHeight` (default: the wallet's birth); the sync loop does the work. */
  rescanWallet(walletId: string, req: { fromHeight?: number }): Promise<RescanResult>;
  sendTransaction<R extends SendRequest>(walletId: string, req: R): Promise<SendOutcome<R>>;
  sendAll<R extends SendAllRequest>(walletId: string, req: R): Promise<SendOutcome<R>>;
  signTransaction(walletId: string, req: SignRequest): Promise<SignResult>;
  cancelTransaction(walletId: string, req: { txid: string; feeRate?: number; guard?: SpendGuard }): Promise<SendResult>;
  bumpFee(walletId: string, req: BumpRequest): Promise<BumpResult>;
  createPsbt(walletId: string, req: CreatePsbtRequest): Promise<CreatePsbtResult>;
  releaseOutputs(walletId: string, req: { outpoints?: string[] }): Promise<{ released: number }>;
  setPassphrase(walletId: string, req: { old?: string; new: string }): Promise<void>;
  unlockWallet(walletId: string, req: { passphrase: string; timeoutSec: number }): Promise<void>;
  lockWallet(walletId: string): Promise<void>;
}

/** import_labels: how many records were stored, and every refused line with its reason. */
export interface LabelImportResult {
  imported: number;
  refused: Array<{ line: number; reason: string }>;
}

/** rescan_wallet: the scan's start and the tip it runs to; progress is get_wallet_info.sync. */
export interface RescanResult {
  fromHeight: number;
  tipHeight: number | null;
}
