/**
 * One signed-in session: the daemon URL, the pasted token (held in this object only: never in
 * storage, a cookie or the URL), an HTTP client and the token's scopes, read with `token_info`.
 */
import { createClient, type ResultOf, type WalletdClient } from '@walletd/client';

/** The token's own description, as `token_info` returns it. */
export type TokenInfo = ResultOf<'token_info'>;

/** A scope name as walletd defines it. */
export type Scope = TokenInfo['scopes'][number];

/** A connected session. */
export interface Session {
  readonly daemonUrl: string;
  readonly http: WalletdClient;
  readonly info: TokenInfo;
  /** True when the token carries `scope`. */
  can(scope: Scope): boolean;
  /** A new WebSocket client with the same token (the caller closes it). */
  openWs(): WalletdClient;
}

/** The daemon's WebSocket URL for its HTTP base URL. */
export function wsUrlOf(daemonUrl: string): string {
  const u = new URL(daemonUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = '/ws';
  u.search = '';
  u.hash = '';
  return u.toString();
}

/** Checks the token against the daemon and returns the session; throws the daemon's error. */
export async function signIn(daemonUrl: string, token: string): Promise<Session> {
  const base = new URL(daemonUrl).origin;
  const http = createClient({ url: base }, { token });
  const info = await http.tokenInfo();
  const scopes = new Set<Scope>(info.scopes);
  return {
    daemonUrl: base,
    http,
    info,
    can: (scope) => scopes.has(scope),
    openWs: () => createClient({ ws: wsUrlOf(base) }, { token }),
  };
}
