/**
 * The open WebSocket sessions, so the RPC layer can end the ones a revoked or expired token
 * authenticated (README "Lineage") without knowing about sockets: each session brings its own
 * `close`, which the transport implements.
 */
import type { Session } from './context.ts';

/** WebSocket close code and reason sent when the session's token is revoked (or an ancestor is). */
export const WS_TOKEN_REVOKED = { code: 4401, reason: 'token revoked' } as const;

/** WebSocket close code and reason sent when the session's token expired while it was open. */
export const WS_TOKEN_EXPIRED = { code: 4401, reason: 'token expired' } as const;

/** A close code and its reason text. */
export interface CloseFrame {
  code: number;
  reason: string;
}

/** The registry of open sessions that can be closed by the server. */
export class LiveSessions {
  private readonly open = new Set<Session>();

  /** Tracks a session from its connection on; its token may be set later (`auth`). */
  add(session: Session): void {
    if (session.close) this.open.add(session);
  }

  /** Forgets a session whose connection ended. */
  remove(session: Session): void {
    this.open.delete(session);
  }

  /** Closes every open session authenticated by one of `tokenIds`; returns how many. */
  endTokens(tokenIds: Iterable<string>, frame: CloseFrame): number {
    const ids = new Set(tokenIds);
    let ended = 0;
    for (const session of [...this.open]) {
      if (!session.token || !ids.has(session.token.id)) continue;
      this.open.delete(session);
      session.close?.(frame.code, frame.reason);
      ended++;
    }
    return ended;
  }

  /** How many sessions are tracked, for leak checks. */
  get size(): number {
    return this.open.size;
  }
}
