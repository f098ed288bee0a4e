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

/** WebSocket close codes after which reconnecting with the same token cannot succeed. */
export const UNAUTHORIZED_CLOSE_CODES: readonly number[] = [4001, 4401];

/**
 * The daemon closed the WebSocket because its token is no longer valid (4401 'token revoked' or
 * 'token expired', 4001 'authentication deadline passed'): subscription iterators and pending
 * calls of that connection reject with it, since reconnecting with the same token cannot work.
 */
export class WalletdConnectionClosedError extends Error {
  /** The WebSocket close code (e.g. 4401). */
  readonly closeCode: number;
  /** The close frame's reason, e.g. 'token revoked'. */
  readonly reason: string;
  /** Always `UNAUTHORIZED`, so callers can match it like a JSON-RPC error's `data.code`. */
  readonly code = 'UNAUTHORIZED' as const;

  constructor(closeCode: number, reason: string) {
    super(`walletd closed the connection: ${closeCode} ${reason || '(no reason)'}`);
    this.name = 'WalletdConnectionClosedError';
    this.closeCode = closeCode;
    this.reason = reason;
  }
}

/** True when `err` is a WalletdConnectionClosedError. */
export function isWalletdConnectionClosedError(err: unknown): err is WalletdConnectionClosedError {
  return err instanceof WalletdConnectionClosedError;
}

/** True when `err` is a WalletdRpcError, optionally with the given string code. */
export function isWalletdRpcError(err: unknown, code?: string): err is WalletdRpcError {
  return err instanceof WalletdRpcError && (code === undefined || err.data.code === code);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
