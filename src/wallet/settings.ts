/** Types every part of the wallet shares: its tunables and its logger. */

/** Tunables from config (`wallet.*`, `fees.*`, `chain.pollIntervalMs`, `notify.confirmationDepth`). */
export interface WalletSettings {
  gapLimit: number;
  /** Lookahead of restores from a bare seed, xpub or descriptor. */
  discoveryGap: number;
  /** The wallet's own unconfirmed change may fund sends (Core's -spendzeroconfchange). */
  spendZeroConfChange: boolean;
  leaseSeconds: number;
  maxUnlockSeconds: number;
  /** Explicitly configured fallback for a missing estimate; null (the default) refuses instead. */
  fallbackFeeRate: number | null;
  maxFeeRate: number;
  maxFeeSats: number;
  defaultConfTarget: number;
  pollIntervalMs: number;
  confirmationDepth: number;
}

/** Minimal structured logger (pino-compatible). */
export interface WalletLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A logger that drops everything. */
export const SILENT_LOG: WalletLog = { info() {}, warn() {}, error() {} };
