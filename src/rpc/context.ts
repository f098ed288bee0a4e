/**
 * What a method handler sees: the authenticated caller, its connection, the services it may call,
 * and helpers that apply SPEC §5's wallet resolution and SPEC §4's spend limits.
 */
import type { Logger } from 'pino';
import type { WalletdConfig } from '../config/schema.ts';
import type { PortabilityApi } from '../portability/portability-api.ts';
import type { Notifier } from '../notify/notifier.ts';
import type { LiveSessions } from './live-sessions.ts';
import type { Clock } from '../wallet/ports.ts';
import type { SpendGuard, WalletApi } from '../wallet/wallet-api.ts';
import type { AnyMethod } from './define-method.ts';
import type { AuditStore, EventStore, PassphraseBackoffStore, SpendLedger, TokenConstraints, TokenStore } from './ports.ts';
import type { NodeInfo } from './schemas.ts';
import type { Scope } from './scopes.ts';
import type { AncestorToken } from './lineage.ts';

export type { NodeInfo } from './schemas.ts';

/** An authenticated token as the dispatcher knows it: never the secret, never its hash. */
export interface CallerToken {
  id: string;
  name: string;
  scopes: Scope[];
  constraints: TokenConstraints;
  /** Its live creators, nearest first (SPEC §4 lineage): their limits apply to it too. Empty for a root. */
  ancestors?: AncestorToken[];
  /** True for the admin cookie: tokens it mints are roots (SPEC §4). */
  cookie?: boolean;
}

/** One client connection (an HTTP request, a WebSocket, or a unix-socket connection). */
export interface Session {
  id: string;
  transport: 'http' | 'ws' | 'unix';
  /** Set by the server from the Bearer header, or by the `auth` method on a WebSocket. */
  token: CallerToken | null;
  /**
   * True when the transport read `token` from the store for this one request (an HTTP call), so
   * the dispatcher checks only its expiry instead of reading it again. Long-lived sessions
   * (WebSocket) leave it unset: each of their calls re-reads the token, so a revoke applies.
   */
  tokenFresh?: boolean;
  /** The peer (an IP address, or 'unix'), which keys the failed-authentication throttle. */
  source?: string;
  /** This connection's default wallet, set by select_wallet. */
  selectedWallet: string | null;
  /** Pushes a server-to-client notification; only WebSocket sessions have it. */
  notify?: (method: string, params: unknown) => void;
  /** Ends the connection with a close frame (after dropping its subscriptions); WebSocket only. */
  close?: (code: number, reason: string) => void;
}

/** Everything handlers may call. The daemon builds one; tests pass fakes. */
export interface RpcServices {
  wallets: WalletApi;
  tokens: TokenStore;
  spends: SpendLedger;
  audit: AuditStore;
  clock: Clock;
  config: WalletdConfig;
  /** Version, backend, heights, uptime and the redacted config (get_node_info). */
  nodeInfo(): Promise<NodeInfo>;
  /** export_wallet / import_wallet / backup_wallet. */
  portability?: PortabilityApi;
  /** Notification store, for subscribe's `sinceSeq` replay. */
  events?: EventStore;
  /** Live notifications (SPEC §8): subscribe, unsubscribe, and cleanup when a connection ends. */
  notifier?: Notifier;
  /** Open WebSocket sessions, so token_revoke can close those its lineage authenticated. */
  sessions?: LiveSessions;
  /** Persisted wrong-passphrase backoff (issue 12); absent in tests that do not need it. */
  backoff?: PassphraseBackoffStore;
}

/** What the audit entry of an audited call will name; `walletFor` fills `walletId`. */
export interface AuditNote {
  walletId: string | null;
  txid: string | null;
}

/** The context handed to every handler. */
export interface CallContext {
  /** The JSON-RPC id of this request (null for notifications). */
  requestId: string | number | null;
  method: string;
  token: CallerToken;
  session: Session;
  services: RpcServices;
  logger: Logger;
  /** The registered method table, for rpc.discover. */
  methods: readonly AnyMethod[];
  /** Mutable note the dispatcher copies into the audit log. */
  audit: AuditNote;
  /**
   * SPEC §5: the explicit `wallet` param, else the session's selection, else the token's only
   * wallet; WALLET_NOT_SELECTED when none applies, FORBIDDEN_SCOPE for a wallet the token may not touch.
   */
  walletFor(params: { wallet?: string }): string;
  /** The token's spend limits and destinations as a wallet-core SpendGuard. */
  spendGuard(walletId: string): SpendGuard;
  /** Runs `fn` while holding this token's spend lock, so check + send + record cannot interleave. */
  withSpendLock<T>(fn: () => Promise<T>): Promise<T>;
}
