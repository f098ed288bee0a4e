/**
 * Persistence ports of the RPC layer: tokens, the spend ledger, notification events and the
 * audit log. `src/keystore` implements them over SQLCipher; every write is one transaction.
 */
import type { Scope } from './scopes.ts';

/** Limits a token carries besides its scopes (SPEC §4). Absent = unlimited. */
export interface TokenConstraints {
  /** Wallet ids this token may touch. */
  wallets?: string[];
  /** Unix ms after which the token is refused with TOKEN_EXPIRED. */
  expiresAt?: number;
  /** Sats per transaction (sum of non-change outputs). */
  maxSendPerTx?: number;
  /** Sats over a rolling 24 h window, which survives restarts (see SpendLedger). */
  maxSendPerDay?: number;
  /** Addresses this token may pay. */
  allowedDestinations?: string[];
  /** Requests per minute, shared with every descendant. */
  rateLimit?: number;
  /** Highest fee rate (sat/vB) this token and its descendants may pay. */
  maxFeeRate?: number;
}

/** A stored token. Only SHA-256 of the secret is kept; the token string is shown once. */
export interface TokenRecord {
  id: string;
  name: string;
  /** Hex SHA-256 of the secret part of `wd_<id>_<secret>`. */
  secretHash: string;
  scopes: Scope[];
  constraints: TokenConstraints;
  /** Id of the token that created it; null for the admin token. */
  createdBy: string | null;
  /** Unix ms. */
  createdAt: number;
  /** Unix ms, or null while active. */
  revokedAt: number | null;
  /** True for the admin cookie (SPEC §4): replaced at every start, and what it mints has no parent. */
  cookie?: boolean;
}

/** Token persistence. */
export interface TokenStore {
  insertToken(token: TokenRecord): Promise<void>;
  getToken(id: string): Promise<TokenRecord | null>;
  listTokens(): Promise<TokenRecord[]>;
  /** Returns false when no active token has that id. */
  revokeToken(id: string, at: number): Promise<boolean>;
}

/** Sats sent per token, for `maxSendPerDay` over a rolling window that survives restarts. */
export interface SpendLedger {
  recordSpend(tokenId: string, walletId: string, txid: string, amount: bigint, at: number): Promise<void>;
  /** Sum of amounts recorded for the token at or after `since` (unix ms). */
  spentSince(tokenId: string, since: number): Promise<bigint>;
  /** Ids of the tokens a wallet transaction was charged to (its sender and the sender's ancestors). */
  chargedFor(walletId: string, txid: string): Promise<string[]>;
}

/** Wrong-passphrase backoff per wallet, kept in the keystore so a restart does not reset it. */
export interface PassphraseBackoffStore {
  /** Unix ms before which no attempt on the wallet is allowed (0 when none). */
  backoffUntil(walletId: string): Promise<number>;
  /** Counts a failure and returns the new blocked-until time: base · 2^(failures-1), capped. */
  recordPassphraseFailure(walletId: string, now: number): Promise<number>;
  clearPassphraseFailures(walletId: string): Promise<void>;
}

/** A wallet notification (SPEC §8). `seq` is assigned by the store, increasing per daemon. */
export interface WalletEvent {
  seq: number;
  type: 'tx' | 'confirmation' | 'balance' | 'block';
  /** Null for `block` events, which concern every wallet. */
  walletId: string | null;
  /** Unix ms. */
  at: number;
  data: Record<string, unknown>;
}

/** Persisted notifications, so a reconnecting client can replay with `sinceSeq`. */
export interface EventStore {
  appendEvent(event: Omit<WalletEvent, 'seq'>): Promise<WalletEvent>;
  listEventsSince(sinceSeq: number, limit: number): Promise<WalletEvent[]>;
}

/** One state-changing call, as the audit log records it. No secrets, ever. */
export interface AuditEntry {
  id?: number;
  /** Unix ms. */
  at: number;
  tokenId: string | null;
  method: string;
  walletId: string | null;
  /** 'ok' or the error's stable code. */
  outcome: string;
  txid: string | null;
}

/** Append-only audit log of state-changing calls. */
export interface AuditStore {
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(opts: { limit: number; beforeId?: number }): Promise<AuditEntry[]>;
}
