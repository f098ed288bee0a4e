/**
 * The HTTP/WebSocket application (SPEC §3). `buildApp` returns a fastify instance that is not
 * listening, so tests drive it with `app.inject` and `app.injectWS`; the daemon attaches it to
 * its TCP port and its unix socket.
 */
import { randomUUID } from 'node:crypto';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { WalletdConfig } from '../config/schema.ts';
import type { CallerToken, Session } from '../rpc/context.ts';
import { isWalletdError, WalletdError } from '../errors.ts';
import { safeError } from '../rpc/redact.ts';
import { lazyChild } from './logger.ts';
import { checkRequest } from './guards.ts';
import { Inflight } from './inflight.ts';
import type { Metrics } from './metrics.ts';
import { errorReply, errorReplyFrom, parseErrorReply, requestId, toJson, type JsonRpcId } from './replies.ts';
import type { RpcEndpoint } from './rpc-endpoint.ts';
import { registerWsRoute, WS_GOING_AWAY } from './ws-route.ts';

/** Marks a raw request that arrived on the unix socket (set by the daemon's socket listener). */
export const UNIX_SOCKET_REQUEST = Symbol('walletd.unixSocketRequest');

/** Everything the app needs; nothing here opens a port or a file. */
export interface AppDeps {
  dispatcher: RpcEndpoint;
  config: WalletdConfig;
  logger: Logger;
  metrics: Metrics;
  /**
   * True when the daemon can serve (keystore open); with `chain`, the chain backend (if any) must
   * also be reachable and synced (SPEC §10 `/readyz?chain=1`).
   */
  readiness: (opts: { chain: boolean }) => Promise<boolean>;
  /** Shared with the daemon so shutdown can drain calls; a fresh one is made when omitted. */
  inflight?: Inflight;
}

// Query parameters that would carry a token; SPEC §4 forbids tokens in URLs (they end up in logs).
const TOKEN_QUERY_KEYS = ['token', 'access_token', 'auth', 'bearer'];
const TOKEN_SHAPE = /wd_[0-9a-f]+_[0-9a-f]{64}/i;

function bearerOf(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : '';
}

function hasTokenInQuery(req: FastifyRequest): boolean {
  const q = req.url.indexOf('?');
  if (q === -1) return false;
  const params = new URLSearchParams(req.url.slice(q + 1));
  // Keys compare case-insensitively (`?Token=`), and a token-shaped value is refused under any key.
  return [...params].some(([key, value]) => TOKEN_QUERY_KEYS.includes(key.toLowerCase()) || TOKEN_SHAPE.test(value));
}

/** The peer a failed authentication is charged to: its IP address, or 'unix' for the socket. */
function sourceOf(req: FastifyRequest): string {
  return isUnix(req) ? 'unix' : req.ip;
}

/** The path of a request URL, without its query string. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function isUnix(req: FastifyRequest): boolean {
  return (req.raw as unknown as Record<symbol, unknown>)[UNIX_SOCKET_REQUEST] === true;
}

function statusFor(err: WalletdError): number {
  if (err.code === 'UNAUTHORIZED' || err.code === 'TOKEN_EXPIRED') return 401;
  if (err.code === 'FORBIDDEN_SCOPE') return 403;
  return 400;
}

/** Builds the app with routes, guards and error handling; it does not listen. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { dispatcher, config, logger, metrics } = deps;
  const inflight = deps.inflight ?? new Inflight();
  const app = Fastify({
    loggerInstance: logger.child({ component: 'http' }),
    // fastify gives every request a child logger; build it only if the request logs.
    childLoggerFactory: (parent, bindings, opts) => lazyChild(parent as Logger, bindings, opts),
    // Calls are logged by the dispatcher, without params; per-request lines would only add noise.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.rpc.maxBodyBytes,
    // SPEC §10: slow headers and slow bodies are cut off (slowloris); node checks these timers
    // every connectionsCheckingInterval, so that runs well below the timeouts themselves.
    requestTimeout: config.rpc.requestTimeoutMs,
    http: {
      headersTimeout: config.rpc.headersTimeoutMs,
      requestTimeout: config.rpc.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, config.rpc.headersTimeoutMs),
    },
    genReqId: () => randomUUID(),
    // During shutdown our own handler answers SHUTTING_DOWN as JSON-RPC; fastify's 503 body is not.
    return503OnClosing: false,
  }) as unknown as FastifyInstance;
  app.server.maxConnections = config.rpc.maxConnections;

  const send = (reply: FastifyReply, status: number, body: unknown) =>
    reply.code(status).header('content-type', 'application/json; charset=utf-8').send(toJson(body));

  const refuse = (reply: FastifyReply, status: number, err: unknown, id: JsonRpcId = null) => {
    if (isWalletdError(err)) return send(reply, status, errorReplyFrom(id, err));
    // The token store failed (keystore closed or broken): that is our fault, not a bad token.
    reply.request.log.error({ err: safeError(err) }, 'token check failed');
    return send(reply, 500, errorReply(id, 'INTERNAL'));
  };

  await app.register(fastifyWebsocket, {
    // The hard cap only protects memory: messages between maxBodyBytes and it get a JSON-RPC
    // REQUEST_TOO_LARGE answer from the route (SPEC §3), not a bare close 1009.
    options: { maxPayload: config.rpc.maxBodyBytes * 4 },
    // A bad frame from a client (invalid UTF-8, a protocol violation) is the client's fault:
    // warn without a stack, where the plugin's default logs it at error with one (issue 16).
    errorHandler(error, socket, request) {
      request.log.warn({ err: { code: (error as { code?: string }).code, message: error.message } }, 'websocket connection error');
      socket.terminate();
    },
    preClose(done) {
      // RFC 6455 §7.4.1: 1001 tells clients the server is going away, so they reconnect later.
      for (const client of this.websocketServer.clients) client.close(WS_GOING_AWAY, 'walletd shutting down');
      // ws only reports 'close' once every peer has answered; a silent peer must not stall shutdown.
      this.websocketServer.close();
      done();
    },
  });

  // The body stays a string so a malformed one becomes JSON-RPC -32700, not fastify's 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    const reason = checkRequest(
      { host: req.headers.host, origin: typeof origin === 'string' ? origin : undefined, unixSocket: isUnix(req), path: pathOf(req.url) },
      { bindHost: config.rpc.host, allowedHosts: config.rpc.allowedHosts, allowedOrigins: config.rpc.allowedOrigins },
    );
    if (reason !== null) {
      req.log.warn({ method: req.method, path: pathOf(req.url), host: req.headers.host, origin, reason }, 'request refused by guard');
      return send(reply, 403, errorReply(null, 'REQUEST_REFUSED', `request refused: ${reason}`));
    }
    if (hasTokenInQuery(req)) {
      return send(reply, 401, errorReply(null, 'UNAUTHORIZED', 'tokens are accepted only in the Authorization header'));
    }
    if (typeof origin === 'string') {
      // Past the guard, so the origin is in rpc.allowedOrigins: let that browser app read the
      // answers. No credentials mode: tokens travel in the Authorization header, never cookies.
      reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
      if (req.method === 'OPTIONS') {
        return reply
          .code(204)
          .header('access-control-allow-methods', 'GET, POST')
          .header('access-control-allow-headers', 'authorization, content-type')
          .header('access-control-max-age', '600')
          .send();
      }
    }
  });

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return send(reply, 413, errorReply(null, 'REQUEST_TOO_LARGE', `request body exceeds ${config.rpc.maxBodyBytes} bytes`));
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return send(reply, err.statusCode, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } });
    }
    req.log.error({ err: { code: err.code, message: err.message } }, 'unhandled request error');
    return send(reply, 500, errorReply(null, 'INTERNAL'));
  });

  app.setNotFoundHandler((_req, reply) =>
    send(reply, 404, { jsonrpc: '2.0', id: null, error: { code: -32601, message: 'No such endpoint; use POST /rpc or GET /ws' } }),
  );

  app.post('/rpc', async (req, reply) => {
    let body: unknown;
    try {
      body = JSON.parse(typeof req.body === 'string' ? req.body : '');
    } catch {
      return send(reply, 400, parseErrorReply());
    }
    const id = requestId(body);
    if (inflight.draining) return send(reply, 503, errorReply(id, 'SHUTTING_DOWN'));
    // Counted from before the token check: a drain that starts while the token is read must
    // still wait for this call, or the keystore closes under it (SPEC §10).
    return inflight.track(async () => {
      let token: CallerToken;
      try {
        token = await dispatcher.authenticate(bearerOf(req), sourceOf(req));
      } catch (err) {
        return refuse(reply, 401, err, id);
      }
      const session: Session = {
        id: req.id,
        transport: isUnix(req) ? 'unix' : 'http',
        token,
        source: sourceOf(req),
        // Just read from the store for this request: the dispatcher need not read it again.
        tokenFresh: true,
        selectedWallet: null,
      };
      const response = await dispatcher.handle(body, session);
      if (response === null || response === undefined) return reply.code(204).send();
      return send(reply, 200, response);
    });
  });

  registerWsRoute(app, {
    dispatcher, inflight, logger, bearerOf, refuse, isUnix, maxMessageBytes: config.rpc.maxBodyBytes, authDeadlineMs: config.rpc.wsAuthDeadlineMs,
  });

  app.get('/healthz', async (_req, reply) => send(reply, 200, { status: 'ok' }));

  app.get('/readyz', async (req, reply) => {
    const chain = new URLSearchParams(req.url.slice(pathOf(req.url).length + 1)).get('chain');
    const ready = await deps.readiness({ chain: chain === '1' || chain === 'true' }).catch(() => false);
    // SPEC §3: ok or not, nothing more (no backend URL, no heights).
    return send(reply, ready && !inflight.draining ? 200 : 503, { status: ready && !inflight.draining ? 'ok' : 'unavailable' });
  });

  app.get('/metrics', async (req, reply) => {
    let token: CallerToken;
    try {
      token = await dispatcher.authenticate(bearerOf(req), sourceOf(req));
    } catch (err) {
      return refuse(reply, 401, err);
    }
    if (!token.scopes.includes('node:read')) {
      const err = new WalletdError('FORBIDDEN_SCOPE', 'metrics needs the node:read scope');
      return send(reply, statusFor(err), errorReplyFrom(null, err));
    }
    return reply.code(200).header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(await metrics.render());
  });

  return app;
}
