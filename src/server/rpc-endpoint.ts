/**
 * What the transports need from the RPC layer. `RpcDispatcher` satisfies it; tests may pass a
 * small fake. Keeping it structural lets the server be built and tested on its own.
 */
import type { CallerToken, Session } from '../rpc/context.ts';

/** The dispatcher as seen by the transports. */
export interface RpcEndpoint {
  /** Resolves a bearer token; throws WalletdError UNAUTHORIZED or TOKEN_EXPIRED. */
  authenticate(bearer: string | undefined, source?: string): Promise<CallerToken>;
  /** Runs one JSON-RPC request or batch; null when nothing is to be sent back (notifications). */
  handle(body: unknown, session: Session): Promise<unknown>;
  /** Registers a WebSocket session as it opens, so the RPC layer can close it later. */
  startSession?(session: Session): void;
  /** Drops per-connection state (subscriptions) when a WebSocket closes, if the dispatcher keeps any. */
  endSession?(session: Session): void;
}
