/**
 * The JSON-RPC 2.0 dispatcher every transport (HTTP, WebSocket, unix socket) calls. Per call it
 * checks, in order: request shape, token (revocation and expiry re-read on each call of a
 * long-lived session; read once per HTTP request), rate limit, scope, wallet binding, params;
 * then runs the handler, maps errors to stable codes, writes the audit entry of state-changing
 * calls and logs one line. Errors other than WalletdError become INTERNAL with no detail on the
 * wire (the log has it).
 */
import { performance } from 'node:perf_hooks';
import {
  createJSONRPCErrorResponse,
  createJSONRPCSuccessResponse,
  JSONRPCServer,
  type JSONRPCRequest,
  type JSONRPCResponse,
} from 'json-rpc-2.0';
import { pino, type Logger } from 'pino';
import type { AnyMethod } from './define-method.ts';
import type { AuditNote, CallContext, CallerToken, RpcServices, Session } from './context.ts';
import { ERRORS, WalletdError, fail, isStorageFull } from '../errors.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import { AUTH_METHOD_NAME, authMethod } from './methods/auth-method.ts';
import { RateLimiter } from './rate-limiter.ts';
import { AuthThrottle, presentedTokenId } from './auth-throttle.ts';
import { KdfGate } from './kdf-gate.ts';
import { safeError } from './redact.ts';
import { resolveWalletParam } from './wallet-names.ts';
import { isWellFormed, needsKdf, parseParams, secretsOf } from './request-params.ts';
import { buildRegistry, type RegisteredMethod, type Registry } from './registry.ts';
import { ANY_TOKEN } from './scopes.ts';
import { createSpendGuard, lineageRoot } from './spend-guard.ts';
import { assertNotExpired, authenticateToken, recheckToken } from './tokens.ts';

/** Observers of the dispatcher (metrics and logs). */
export interface DispatcherHooks {
  /** Called once per call with 'ok' or the error's `data.code`, and its duration. */
  onCall?(method: string, outcome: string, seconds: number): void;
  /** Called once per failed authentication (metrics: walletd_auth_failures_total). */
  onAuthFailure?(): void;
  logger?: Logger;
}

/** JSON-RPC 2.0 standard protocol codes. */
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const METHOD_NOT_FOUND = -32601;

/** A protocol-level fault that is not one of walletd's registered errors. */
class ProtocolError extends Error {
  constructor(readonly rpcCode: number, message: string, readonly label: string) {
    super(message);
  }
}

interface ServerParams {
  session: Session;
  /** True for a member of a batch, where `auth` is refused (it would re-key its siblings mid-flight). */
  batch: boolean;
}

const idOf = (req: unknown) => {
  const id = (req as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
};

/** Routes JSON-RPC requests to the method table; one instance per daemon. */
export class RpcDispatcher {
  /** The validated table, including the pre-auth `auth` method. */
  readonly registry: Registry;
  private readonly server: JSONRPCServer<ServerParams>;
  private readonly logger: Logger;
  private readonly limiter = new RateLimiter();
  private readonly spendLocks = new KeyedMutex();
  private readonly authThrottle: AuthThrottle;
  private readonly kdfGate: KdfGate;

  constructor(
    methods: readonly AnyMethod[],
    private readonly services: RpcServices,
    private readonly hooks: DispatcherHooks = {},
  ) {
    this.registry = buildRegistry([...methods, authMethod]);
    this.authThrottle = new AuthThrottle(services.config.rpc.authFailureDelayMs);
    this.kdfGate = new KdfGate(services.config.rpc.kdfConcurrency, services.config.rpc.kdfQueue);
    this.logger = hooks.logger ?? pino({ level: 'silent' });
    this.server = new JSONRPCServer<ServerParams>({
      errorListener: (message) => this.logger.error({ msgFromLib: message }, 'json-rpc server error'),
    });
    for (const entry of this.registry.byName.values()) {
      this.server.addMethodAdvanced(entry.def.name, (request, { session, batch }) => this.call(entry, request, session, batch));
    }
    this.server.handleMethodNotFound = async <P>(request: JSONRPCRequest, params: P) => {
      const { session } = params as ServerParams;
      this.hooks.onCall?.('(unknown)', 'METHOD_NOT_FOUND', 0);
      this.logger.info(
        { reqId: request.id ?? null, session: session.id, tokenId: session.token?.id ?? null, outcome: 'METHOD_NOT_FOUND' },
        'rpc unknown method',
      );
      return request.id === undefined ? null : createJSONRPCErrorResponse(request.id, METHOD_NOT_FOUND, 'Method not found');
    };
    // Only reached if a method wrapper itself throws; never leak its message.
    this.server.mapErrorToJSONRPCErrorResponse = (id, error: unknown) => {
      this.logger.error({ reqId: id, err: safeError(error) }, 'rpc dispatch failed');
      return createJSONRPCErrorResponse(id, ERRORS.INTERNAL.rpcCode, ERRORS.INTERNAL.message, { code: 'INTERNAL' });
    };
  }

  /**
   * Resolves a Bearer token (with or without the `Bearer ` prefix) to its caller; UNAUTHORIZED /
   * TOKEN_EXPIRED otherwise, after the per-source failure penalty (SPEC §4).
   */
  async authenticate(bearer: string | undefined, source = 'local'): Promise<CallerToken> {
    const token = bearer?.replace(/^Bearer\s+/i, '').trim();
    try {
      if (!token) fail('UNAUTHORIZED');
      return await authenticateToken(this.services.tokens, token, this.services.clock.now());
    } catch (err) {
      await this.authFailed(err, token, source);
      throw err;
    }
  }

  /** Logs (token id only), counts and delays one failed authentication. */
  private async authFailed(err: unknown, token: string | undefined, source: string): Promise<void> {
    const code = err instanceof WalletdError ? err.code : 'INTERNAL';
    this.logger.warn({ source, tokenId: presentedTokenId(token), outcome: code }, 'authentication failed');
    this.hooks.onAuthFailure?.();
    await this.authThrottle.penalize(source);
  }

  /** Tracks a WebSocket session, so revoking its token can close it (README "Lineage"). */
  startSession(session: Session): void {
    this.services.sessions?.add(session);
  }

  /** Drops the subscriptions of a connection that closed (SPEC §8: a subscription dies with its connection). */
  endSession(session: Session): void {
    this.services.sessions?.remove(session);
    this.services.notifier?.endSession(session.id);
  }

  /** Handles a parsed body (or raw JSON text): one request, a batch, or garbage. Null when nothing is owed (notifications). */
  async handle(body: unknown, session: Session): Promise<JSONRPCResponse | JSONRPCResponse[] | null> {
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        return createJSONRPCErrorResponse(null, PARSE_ERROR, 'Parse error');
      }
    }
    if (!Array.isArray(body)) return this.handleOne(body, session, false);
    if (body.length === 0) return createJSONRPCErrorResponse(null, INVALID_REQUEST, 'Invalid Request');
    const max = this.services.config.rpc.maxBatch;
    if (body.length > max) {
      const err = new WalletdError('REQUEST_TOO_LARGE', `Batch of ${body.length} exceeds the limit of ${max}`, { max });
      return createJSONRPCErrorResponse(null, err.rpcCode, err.message, err.toJsonRpc().data);
    }
    // SPEC §10: one KDF per batch, so a single request cannot queue minutes of scrypt.
    let kdfSeen = false;
    const responses = await Promise.all(body.map((req) => {
      const method = (req as { method?: unknown } | null)?.method;
      const def = typeof method === 'string' ? this.registry.byName.get(method)?.def : undefined;
      const kdf = def !== undefined && needsKdf(def, (req as { params?: unknown }).params);
      if (kdf && kdfSeen && isWellFormed(req)) {
        const err = new WalletdError('REQUEST_TOO_LARGE', 'At most one key-derivation method per batch', { limit: 'kdfPerBatch' });
        return req.id === undefined ? null : createJSONRPCErrorResponse(req.id, err.rpcCode, err.message, err.toJsonRpc().data);
      }
      kdfSeen ||= kdf;
      return this.handleOne(req, session, true);
    }));
    const answered = responses.filter((r): r is JSONRPCResponse => r !== null);
    return answered.length > 0 ? answered : null;
  }

  private async handleOne(req: unknown, session: Session, batch: boolean): Promise<JSONRPCResponse | null> {
    if (!isWellFormed(req)) return createJSONRPCErrorResponse(idOf(req), INVALID_REQUEST, 'Invalid Request');
    return this.server.receive(req, { session, batch });
  }

  private async call(entry: RegisteredMethod, request: JSONRPCRequest, session: Session, batch: boolean): Promise<JSONRPCResponse | null> {
    const started = performance.now();
    const { def } = entry;
    const note: AuditNote = { walletId: null, txid: null };
    let outcome = 'ok';
    let response: JSONRPCResponse;
    const id = request.id ?? null;
    // Issue 7: every line of a call names its request and the token id (never the token). The
    // child logger is built only if something logs besides the call line (issue 10: two pino
    // children per call cost more than the call), and only after `auth` may have set the token.
    const bindings = () => ({ reqId: id, session: session.id, tokenId: session.token?.id ?? null, method: def.name });
    let child: Logger | undefined;
    const log = () => (child ??= this.logger.child(bindings()));
    // The audit row names the token that authorized this call, whatever the session holds later.
    let authorized: CallerToken | null = null;
    try {
      const token = await this.authorize(entry, request, session, batch);
      authorized = token;
      const raw = entry.takesWallet ? await resolveWalletParam(request.params, def.positional, token, this.services.wallets) : request.params;
      const params = parseParams(entry, raw, token);
      const ctx = this.context(def.name, id, token, session, note, log);
      const run = () => def.handler({ params, ctx });
      const result: unknown = await (needsKdf(def, params) ? this.kdfGate.run(run) : run());
      if (!entry.result.Check(result)) {
        // A contract drift between the wallet service and the table: log the path, never the value.
        log().warn({ path: entry.result.Errors(result).First()?.path }, 'rpc result does not match its schema');
      }
      if (note.txid === null && typeof (result as { txid?: unknown } | null)?.txid === 'string') {
        note.txid = (result as { txid: string }).txid;
      }
      response = createJSONRPCSuccessResponse(id, result);
    } catch (err) {
      ({ outcome, response } = this.toErrorResponse(err, id, log, secretsOf(entry, request.params)));
    }
    // A call refused after its token was read (scope, wallet) is audited under that token.
    await this.audit(def, authorized ?? (def.name === AUTH_METHOD_NAME ? null : session.token), note, outcome, log);
    const seconds = (performance.now() - started) / 1000;
    this.hooks.onCall?.(def.name, outcome, seconds);
    if (this.logger.isLevelEnabled('info')) {
      this.logger.info({ ...bindings(), outcome, ms: Math.round(seconds * 1000) }, 'rpc call');
    }
    return request.id === undefined ? null : response;
  }

  /** Token, rate limit and scope; `auth` instead authenticates the session with its param. */
  private async authorize(entry: RegisteredMethod, request: JSONRPCRequest, session: Session, batch: boolean): Promise<CallerToken> {
    const now = this.services.clock.now();
    if (entry.def.name === AUTH_METHOD_NAME) {
      // SPEC §4: `auth` keys a WebSocket session; over HTTP or inside a batch it could make the
      // audit log name one token for another's call.
      if (session.transport !== 'ws' || batch) {
        throw new ProtocolError(METHOD_NOT_FOUND, 'auth is only available as a single WebSocket message', 'METHOD_NOT_FOUND');
      }
      const params = parseParams(entry, request.params, null) as { token: string };
      try {
        session.token = await authenticateToken(this.services.tokens, params.token, now);
      } catch (err) {
        await this.authFailed(err, params.token, session.source ?? session.id);
        throw err;
      }
      return session.token;
    }
    if (!session.token) fail('UNAUTHORIZED');
    // Re-read so a revoke or an expiry applies to long-lived WebSocket sessions too; an HTTP
    // call's token was read for this very request, so only its expiry is checked again.
    const token = session.tokenFresh
      ? assertNotExpired(session.token, now)
      : await recheckToken(this.services.tokens, session.token, now);
    session.token = token;
    const perMinute = token.constraints.rateLimit ?? this.services.config.rpc.rateLimitPerMin;
    // SPEC §4: every ancestor's rateLimit is shared by its whole lineage.
    const shared = (token.ancestors ?? [])
      .filter((a) => a.constraints.rateLimit !== undefined)
      .map((a) => ({ key: a.id, perMinute: a.constraints.rateLimit! }));
    if (!this.limiter.takeAll([{ key: token.id, perMinute }, ...shared], now)) fail('RATE_LIMITED', undefined, { perMinute });
    const scope = entry.def.scope;
    if (scope !== ANY_TOKEN && !token.scopes.includes(scope)) fail('FORBIDDEN_SCOPE', undefined, { scope });
    if (entry.def.websocketOnly && session.transport !== 'ws') {
      throw new ProtocolError(METHOD_NOT_FOUND, 'Method is only available over a WebSocket', 'METHOD_NOT_FOUND');
    }
    return token;
  }

  private context(
    method: string, requestId: string | number | null, token: CallerToken, session: Session, note: AuditNote, log: () => Logger,
  ): CallContext {
    const { services, spendLocks } = this;
    return {
      requestId,
      method,
      token,
      session,
      services,
      // A getter: the call's child logger is built the first time a handler logs, not before.
      get logger() {
        return log();
      },
      methods: this.registry.methods,
      audit: note,
      walletFor(params) {
        const bound = token.constraints.wallets;
        const id = params.wallet ?? session.selectedWallet ?? (bound?.length === 1 ? bound[0] : undefined);
        if (id === undefined) fail('WALLET_NOT_SELECTED');
        note.walletId = id;
        if (bound && !bound.includes(id)) fail('FORBIDDEN_SCOPE', 'Token may not use this wallet', { wallet: id });
        return id;
      },
      spendGuard: (_walletId) => createSpendGuard(token, services.spends, () => services.clock.now()),
      // One lock per family (keyed by its root), so siblings cannot race past a shared budget.
      withSpendLock: (fn) => spendLocks.run(lineageRoot(token), fn),
    };
  }

  private toErrorResponse(
    err: unknown, id: string | number | null, log: () => Logger, secrets: readonly string[],
  ): { outcome: string; response: JSONRPCResponse } {
    if (err instanceof WalletdError) {
      const e = err.toJsonRpc();
      return { outcome: err.code, response: createJSONRPCErrorResponse(id, e.code, e.message, e.data) };
    }
    if (err instanceof ProtocolError) {
      return { outcome: err.label, response: createJSONRPCErrorResponse(id, err.rpcCode, err.message) };
    }
    // SPEC §1: a library error may quote its input (a mnemonic, a bundle); log it scrubbed.
    log().error({ err: safeError(err, secrets) }, 'rpc handler failed');
    // A full disk is the operator's to fix, not a bug: say so (SQLite rolled the write back).
    if (isStorageFull(err)) {
      const e = new WalletdError('STORAGE_FULL').toJsonRpc();
      return { outcome: 'STORAGE_FULL', response: createJSONRPCErrorResponse(id, e.code, e.message, e.data) };
    }
    return {
      outcome: 'INTERNAL',
      response: createJSONRPCErrorResponse(id, ERRORS.INTERNAL.rpcCode, ERRORS.INTERNAL.message, { code: 'INTERNAL' }),
    };
  }

  /** Audits state-changing calls by a known token; a failed audit write is logged, never turned into a failed send. */
  private async audit(def: AnyMethod, token: CallerToken | null, note: AuditNote, outcome: string, log: () => Logger): Promise<void> {
    if (!def.audited || !token || outcome === 'RATE_LIMITED') return;
    try {
      await this.services.audit.appendAudit({
        at: this.services.clock.now(),
        tokenId: token.id,
        method: def.name,
        walletId: note.walletId,
        outcome,
        txid: note.txid,
      });
    } catch (err) {
      log().error({ err: safeError(err) }, 'audit write failed');
    }
  }
}
