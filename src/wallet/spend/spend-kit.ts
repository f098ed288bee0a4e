/**
 * The parts of the spend engine that its flows (fee bump, cancel, funded PSBT) borrow: the
 * ports, the fee policy, change issuance, signing and the crash-consistent broadcaster. The
 * engine builds one per call, so each flow lives in its own module and sees only this.
 */
import type { Psbt } from 'bitcoinjs-lib';
import type { ChainBackend, Clock, WalletStore } from '../ports.ts';
import type { WalletSettings } from '../settings.ts';
import type { AddressRecord, TxStatus, WalletRecord } from '../types.ts';
import type { FeeChoice, Recipient, SendOptions } from '../wallet-api.ts';
import type { Prepared, SendSpec } from './send-planner.ts';
import type { AccountInfo } from './tx-builder.ts';

/** What a spend flow may use of the engine. */
export interface SpendKit {
  store: WalletStore;
  chain: ChainBackend;
  clock: Clock;
  settings: WalletSettings;
  /** Asks sync to catch up (after finding a tx mined under us). */
  refresh(walletId: string): void;
  /** Explicit rate or the backend's estimate, checked against policy. */
  feeRate(req: FeeChoice): Promise<number>;
  /** Issues the next change address. */
  changeAddress(wallet: WalletRecord): Promise<AddressRecord>;
  /** The wallet's public account data for PSBT derivations. */
  account(wallet: WalletRecord): AccountInfo;
  /** Validated destinations (network, dust) as hex scripts. */
  recipients(outputs: Recipient[]): Array<{ address: string; script: string; value: bigint }>;
  /** Plans a send (fee rate, coins, caps, weight, change position) without leasing anything. */
  prepare(wallet: WalletRecord, spec: SendSpec, opts: SendOptions): Promise<Prepared>;
  /** Leases a plan's coins, issues its change address and builds the unsigned PSBT. */
  fund(wallet: WalletRecord, p: Prepared, reason: string): Promise<{ psbt: Psbt; expiresAt: number; change: AddressRecord | null }>;
  /** Signs the wallet's inputs and finalizes when it can. */
  sign(wallet: WalletRecord, psbt: Psbt): Promise<{ hex: string | null }>;
  /** An anti-fee-sniping nLockTime at the current tip, for a new transaction that replaces nothing. */
  locktime(): number;
  /** Records and broadcasts a replacement or child of `original` (ALREADY_CONFIRMED when it was mined meanwhile). */
  broadcast(walletId: string, original: string, hex: string): Promise<TxStatus>;
}
