/** The error a walletd client throws when the daemon answers a call with a JSON-RPC error. */

/** `error.data` of a walletd reply: the stable string code (SPEC §6) plus public detail. */
export interface WalletdErrorData {
  /** Stable string code such as `WALLET_LOCKED`; absent only on malformed replies. */
  code?: string;
  [key: string]: unknown;
}

/** A JSON-RPC error from walletd, carrying the numeric `code` and the string `data.code`. */
export class WalletdRpcError extends Error {
  /** Numeric JSON-RPC code (e.g. -13 for WALLET_LOCKED). */
  readonly code: number;
  /** Structured detail; `data.code` is what callers should match on. */
  readonly data: WalletdErrorData;
  /** The method that failed. */
  readonly method: string;

  constructor(method: string, error: { code: number; message: string; data?: unknown }) {
    super(error.message);
    this.name = 'WalletdRpcError';
    this.method = method;
    this.code = error.code;
    this.data = isRecord(error.data) ? (error.data as WalletdErrorData) : {};
  }
}

/** True when `err` is a WalletdRpcError, optionally with the given string code. */
export function isWalletdRpcError(err: unknown, code?: string): err is WalletdRpcError {
  return err instanceof WalletdRpcError && (code === undefined || err.data.code === code);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
