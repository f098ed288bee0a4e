/**
 * The one registry of walletd's error codes (SPEC §6).
 *
 * Each entry pairs a stable string `code` (what clients and tests match on) with a numeric
 * JSON-RPC `rpcCode`. Numbers reuse bitcoind's where the meaning is the same, so operators
 * who know Bitcoin Core recognise them; the rest live in the -32000..-32099 server range.
 * A test pins that every code is unique and appears in the README.
 */
export const ERRORS = {
  UNAUTHORIZED: { rpcCode: -32001, message: 'Missing or invalid token' },
  FORBIDDEN_SCOPE: { rpcCode: -32002, message: 'Token lacks the scope or wallet this call needs' },
  TOKEN_EXPIRED: { rpcCode: -32003, message: 'Token has expired' },
  WALLET_NOT_FOUND: { rpcCode: -18, message: 'Wallet not found' },
  WALLET_NOT_SELECTED: { rpcCode: -19, message: 'No wallet given and none selected' },
  WALLET_LOCKED: { rpcCode: -13, message: 'Wallet is locked; unlock it first' },
  BAD_PASSPHRASE: { rpcCode: -14, message: 'The passphrase is incorrect' },
  INSUFFICIENT_FUNDS: { rpcCode: -6, message: 'Insufficient funds' },
  INVALID_ADDRESS: { rpcCode: -5, message: 'Invalid address' },
  WRONG_NETWORK: { rpcCode: -32004, message: 'Address belongs to another network' },
  SPEND_LIMIT: { rpcCode: -32005, message: 'Token spend limit exceeded' },
  DESTINATION_NOT_ALLOWED: { rpcCode: -32006, message: 'Destination not allowed for this token' },
  FEE_TOO_HIGH: { rpcCode: -32007, message: 'Fee exceeds the configured maximum' },
  ALREADY_CONFIRMED: { rpcCode: -32008, message: 'Transaction is already confirmed' },
  CHAIN_UNAVAILABLE: { rpcCode: -32009, message: 'Chain backend is unavailable' },
  BROADCAST_REJECTED: { rpcCode: -26, message: 'Transaction rejected by the network' },
  RATE_LIMITED: { rpcCode: -32010, message: 'Too many requests' },
  NETWORK_MISMATCH: { rpcCode: -32019, message: 'The keystore was created for another network' },
  // Beyond SPEC §6's list: needed for clear answers where the spec is silent.
  INVALID_PARAMS: { rpcCode: -32602, message: 'Invalid params' },
  TX_NOT_FOUND: { rpcCode: -32011, message: 'Transaction not found in this wallet' },
  WALLET_EXISTS: { rpcCode: -4, message: 'A wallet with this seed already exists' },
  WATCH_ONLY: { rpcCode: -32012, message: 'Wallet is watch-only and cannot sign' },
  FEE_TOO_LOW: { rpcCode: -32013, message: 'Fee rate is below the minimum relay fee' },
  DUST_OUTPUT: { rpcCode: -32014, message: 'Output amount is below the dust limit' },
  REQUEST_TOO_LARGE: { rpcCode: -32015, message: 'Request body or batch is too large' },
  SHUTTING_DOWN: { rpcCode: -32016, message: 'Daemon is shutting down' },
  TOKEN_NOT_FOUND: { rpcCode: -32018, message: 'No active token with that id' },
  REQUEST_REFUSED: { rpcCode: -32017, message: 'Request refused: Host or Origin not allowed' },
  // Sending (issue 13); numbered from -32040 so parallel additions elsewhere do not collide.
  FEE_ESTIMATE_UNAVAILABLE: { rpcCode: -32040, message: 'The chain backend has no fee estimate and fees.fallbackFeeRate is not set; give feeRate' },
  TX_TOO_LARGE: { rpcCode: -32041, message: 'Transaction would exceed the standard weight of 400000 WU' },
  DUPLICATE_DESTINATION: { rpcCode: -32042, message: 'A destination appears more than once in one send' },
  INPUT_NOT_FOUND: { rpcCode: -32043, message: 'Input is not a coin of this wallet' },
  INPUT_SPENT: { rpcCode: -32044, message: 'Input is already spent' },
  INPUT_IMMATURE: { rpcCode: -32045, message: 'Input is an immature coinbase output' },
  INPUT_LEASED: { rpcCode: -32046, message: 'Input is leased by another draft' },
  INPUT_UNCONFIRMED: { rpcCode: -32047, message: 'Input is an unconfirmed coin the wallet may not spend' },
  // Fee bumps (issue 13), numbered from -32050.
  CANNOT_BUMP: { rpcCode: -32050, message: 'Transaction can be neither replaced nor bumped by a child' },
  // SPEC §5: a `wallet` name two wallets share.
  WALLET_AMBIGUOUS: { rpcCode: -32020, message: 'More than one wallet has this name; give the wallet id' },
  // Issue 16: the data dir's disk is full (SQLITE_FULL, ENOSPC); the failed write was rolled back.
  STORAGE_FULL: { rpcCode: -32021, message: 'The data directory is out of disk space; free space and retry' },
  INTERNAL: { rpcCode: -32603, message: 'Internal error' },
} as const satisfies Record<string, { rpcCode: number; message: string }>;

/** A stable string error code, e.g. `WALLET_LOCKED`. */
export type ErrorCode = keyof typeof ERRORS;

/**
 * The one error type that crosses the RPC boundary. Its message must never hold a secret:
 * callers pass only public detail (field names, txids, amounts).
 */
export class WalletdError extends Error {
  readonly code: ErrorCode;
  readonly rpcCode: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? ERRORS[code].message);
    this.name = 'WalletdError';
    this.code = code;
    this.rpcCode = ERRORS[code].rpcCode;
    this.details = details;
  }

  /** The JSON-RPC `error` object: numeric code, message, and `data.code` for clients. */
  toJsonRpc(): { code: number; message: string; data: Record<string, unknown> } {
    return { code: this.rpcCode, message: this.message, data: { code: this.code, ...this.details } };
  }
}

/** Shorthand for throwing a registered error. */
export function fail(code: ErrorCode, message?: string, details?: Record<string, unknown>): never {
  throw new WalletdError(code, message, details);
}

/** True when `err` is a WalletdError with the given code (or any code when omitted). */
export function isWalletdError(err: unknown, code?: ErrorCode): err is WalletdError {
  return err instanceof WalletdError && (code === undefined || err.code === code);
}

/** True when `err` (or its cause) is the keystore's or the filesystem's "disk full": SQLITE_FULL, ENOSPC or EDQUOT. */
export function isStorageFull(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return true;
    if (/\bSQLITE_FULL\b|\bENOSPC\b/.test(e.message)) return true;
  }
  return false;
}
