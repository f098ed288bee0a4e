/**
 * `GET /ws` (SPEC §3, §8): the same JSON-RPC methods over a WebSocket, one Session per
 * connection (so `select_wallet` and subscriptions live exactly as long as the socket), plus
 * server-to-client notifications through `session.notify`.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { CallerToken, Session } from '../rpc/context.ts';
import { isWalletdError } from '../errors.ts';
import { safeError } from '../rpc/redact.ts';
import type { Inflight } from './inflight.ts';
import { errorReply, errorReplyFrom, parseErrorReply, requestId, toJson } from './replies.ts';
import type { RpcEndpoint } from './rpc-endpoint.ts';

/** WebSocket close code for "going away": the daemon is shutting down (RFC 6455 §7.4.1). */
export const WS_GOING_AWAY = 1001;

/** WebSocket close frame for a connection that did not authenticate in time (SPEC §10). */
export const WS_AUTH_DEADLINE = { code: 4001, reason: 'authentication deadline passed' } as const;

const WS_OPEN = 1;

/** Registers the `/ws` route on an app that already has @fastify/websocket. */
export function registerWsRoute(
  app: FastifyInstance,
  deps: {
    dispatcher: RpcEndpoint;
    inflight: Inflight;
    logger: Logger;
    bearerOf: (req: FastifyRequest) => string | undefined;
    refuse: (reply: FastifyReply, status: number, err: unknown) => FastifyReply;
    isUnix: (req: FastifyRequest) => boolean;
    /** Messages longer than this get REQUEST_TOO_LARGE, like an oversized HTTP body. */
    maxMessageBytes: number;
    /** A connection without a token is closed unless `auth` succeeds within this (SPEC §10). */
    authDeadlineMs?: number;
  },
): void {
  const tokens = new WeakMap<FastifyRequest, CallerToken>();

  app.get(
    '/ws',
    {
      websocket: true,
      // SPEC §4: a token in the upgrade's Authorization header authenticates the whole
      // connection; without one the client must send `auth {token}` first.
      preValidation: async (req, reply) => {
        const bearer = deps.bearerOf(req);
        if (bearer === undefined) return;
        try {
          tokens.set(req, await deps.dispatcher.authenticate(bearer, deps.isUnix(req) ? 'unix' : req.ip));
        } catch (err) {
          return deps.refuse(reply, 401, err);
        }
      },
    },
    (socket: WebSocket, req: FastifyRequest) => {
      const session: Session = {
        id: randomUUID(),
        transport: 'ws',
        token: tokens.get(req) ?? null,
        source: deps.isUnix(req) ? 'unix' : req.ip,
        selectedWallet: null,
        notify: (method: string, params: unknown) => {
          if (socket.readyState === WS_OPEN) socket.send(toJson({ jsonrpc: '2.0', method, params }));
        },
      };
      const log = deps.logger.child({ session: session.id, unix: deps.isUnix(req) });
      log.debug('websocket connected');
      /** Sends the close frame; a peer that never answers the close handshake is cut off anyway. */
      const closeWith = (code: number, reason: string) => {
        socket.close(code, reason);
        setTimeout(() => socket.terminate(), 1_000).unref();
      };
      // An unauthenticated socket costs memory and a file descriptor: give it a deadline.
      const authDeadline = session.token || !deps.authDeadlineMs ? null : setTimeout(() => {
        if (session.token) return;
        closeWith(WS_AUTH_DEADLINE.code, WS_AUTH_DEADLINE.reason);
      }, deps.authDeadlineMs);
      // Messages of one connection run in order: `auth` must finish before the next call.
      let queue: Promise<void> = Promise.resolve();
      session.close = (code, reason) => {
        // Subscriptions stop at once; the frame waits for queued replies (a self-revoke's answer).
        deps.dispatcher.endSession?.(session);
        session.notify = undefined;
        log.debug({ code }, 'websocket closed by the server');
        queue = queue.then(() => closeWith(code, reason));
      };
      deps.dispatcher.startSession?.(session);
      socket.on('message', (data, isBinary) => {
        const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer | ArrayBuffer).byteLength;
        if (size > deps.maxMessageBytes) {
          queue = queue.then(() => send(errorReply(null, 'REQUEST_TOO_LARGE', `message exceeds ${deps.maxMessageBytes} bytes`)));
          return;
        }
        queue = queue.then(() => onMessage(isBinary ? null : data.toString()));
      });
      socket.on('close', () => {
        if (authDeadline) clearTimeout(authDeadline);
        session.notify = undefined;
        deps.dispatcher.endSession?.(session);
        log.debug('websocket closed');
      });

      const send = (payload: unknown) => {
        if (socket.readyState === WS_OPEN) socket.send(toJson(payload));
      };

      async function onMessage(text: string | null): Promise<void> {
        let body: unknown;
        try {
          if (text === null) throw new Error('binary frame');
          body = JSON.parse(text);
        } catch {
          send(parseErrorReply());
          return;
        }
        if (deps.inflight.draining) {
          send(errorReply(requestId(body), 'SHUTTING_DOWN'));
          return;
        }
        try {
          const response = await deps.inflight.track(() => deps.dispatcher.handle(body, session));
          if (response !== null) send(response);
        } catch (err) {
          // The dispatcher answers errors itself; reaching here is a bug, never a secret.
          log.error(
            { reqId: requestId(body), tokenId: session.token?.id ?? null, err: isWalletdError(err) ? err.code : safeError(err) },
            'websocket call failed',
          );
          send(isWalletdError(err) ? errorReplyFrom(requestId(body), err) : errorReply(requestId(body), 'INTERNAL'));
        }
      }
    },
  );
}
