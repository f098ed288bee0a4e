/**
 * WebSocket transport (`GET /ws`, SPEC §3): one connection, replies matched by id, server
 * notifications passed on. It uses the `ws` package when it is installed (it can send the token
 * in the upgrade's Authorization header), else the runtime's global WebSocket (Node 22+,
 * browsers), which cannot set headers: the token then goes as `auth {token}`, the first message
 * (SPEC §4). Either way the token never goes in the URL.
 */
import { UNAUTHORIZED_CLOSE_CODES, WalletdConnectionClosedError } from './errors.js';
import { authHeaders, parseReply, withDefaultPath, type JsonRpcReply, type RpcNotification, type Transport } from './transports.js';

/** The part of the WebSocket API the transport uses; `ws` and the WHATWG WebSocket both have it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(
    type: 'open' | 'close' | 'error' | 'message',
    listener: (event: { data?: unknown; code?: number; reason?: string }) => void,
  ): void;
}

/** A WebSocket constructor; the second argument carries headers for the `ws` package. */
export type WebSocketConstructor = new (url: string, options?: { headers: Record<string, string> }) => WebSocketLike;

/** `ws`'s extra event for a refused upgrade (a 401 with a JSON-RPC body). */
type RefusedUpgradeSource = {
  on(event: 'unexpected-response', fn: (req: unknown, res: { statusCode?: number; on(e: string, f: (c?: unknown) => void): void }) => void): void;
};

const OPEN = 1;
const CLOSED = 3;

/** The `ws` package when installed (Node 18/20), else the global WebSocket; null when neither. */
async function findWebSocket(): Promise<{ ctor: WebSocketConstructor; headers: boolean } | null> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  // Outside Node (a browser), bundlers map `ws` to a stub that throws "ws does not work in the
  // browser": take the platform's WebSocket there without asking for the package.
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  if (!isNode) return global ? { ctor: global, headers: false } : null;
  try {
    // A variable specifier, so tsc leaves the optional dependency alone (some bundlers fold it
    // and pack ws's browser stub, which the check above never reaches).
    const name = 'ws';
    const mod = (await import(name)) as { default?: unknown; WebSocket?: unknown };
    const ctor = (mod.WebSocket ?? mod.default) as WebSocketConstructor | undefined;
    if (typeof ctor === 'function') return { ctor, headers: true };
  } catch {
    // not installed: fall back to the global one
  }
  return global ? { ctor: global, headers: false } : null;
}

function textOf(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return String(data);
}

/** Creates the WebSocket transport; `impl` overrides how the WebSocket is found. */
export function wsTransport(
  url: string,
  token: string | undefined,
  onNotification: (n: RpcNotification) => void,
  impl?: WebSocketConstructor,
  /** Called when the connection closes; `err` is set when the daemon refused the token (4401, 4001). */
  onClosed?: (err?: WalletdConnectionClosedError) => void,
): Transport {
  const endpoint = withDefaultPath(url, '/ws');
  const pending = new Map<number | string, { resolve: (r: JsonRpcReply) => void; reject: (e: Error) => void }>();
  let socket: Promise<WebSocketLike> | null = null;

  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  const onMessage = (event: { data?: unknown }) => {
    let msg: JsonRpcReply & { method?: string; params?: unknown };
    try {
      msg = JSON.parse(textOf(event.data)) as typeof msg;
    } catch {
      return;
    }
    if (typeof msg.method === 'string' && msg.id === undefined) {
      onNotification({ method: msg.method, params: msg.params });
      return;
    }
    const id = msg.id;
    const p = id === undefined || id === null ? undefined : pending.get(id);
    if (p && id !== undefined && id !== null) {
      pending.delete(id);
      p.resolve(msg);
    }
  };

  const open = async (): Promise<WebSocketLike> => {
    const found = impl ? { ctor: impl, headers: true } : await findWebSocket();
    if (!found) throw new Error('No WebSocket implementation: install the `ws` package, or use Node 22+');
    const ws = await new Promise<WebSocketLike>((resolve, reject) => {
      const ws = found.headers ? new found.ctor(endpoint, { headers: authHeaders(token) }) : new found.ctor(endpoint);
      const refusable = ws as unknown as Partial<RefusedUpgradeSource>;
      if (typeof refusable.on === 'function') {
        refusable.on('unexpected-response', (_req, res) => {
          // A refused upgrade (401) carries a JSON-RPC error body: it becomes each call's reply.
          let text = '';
          res.on('data', (c) => {
            text += String(c);
          });
          res.on('end', () => {
            socket = null;
            try {
              const reply = parseReply(text, res.statusCode ?? 0);
              for (const [id, p] of pending) p.resolve({ ...reply, id });
              pending.clear();
            } catch (err) {
              failAll(err as Error);
            }
            reject(new Error(`WebSocket upgrade refused (HTTP ${res.statusCode})`));
          });
        });
      }
      ws.addEventListener('open', () => resolve(ws));
      ws.addEventListener('error', () => {
        socket = null;
        const err = new Error(`WebSocket error on ${endpoint}`);
        failAll(err);
        reject(err);
      });
      ws.addEventListener('close', (event) => {
        socket = null;
        const code = event.code ?? 0;
        // A revoked or expired token cannot reconnect: say so, with the daemon's code and reason.
        const refused = UNAUTHORIZED_CLOSE_CODES.includes(code) ? new WalletdConnectionClosedError(code, event.reason ?? '') : undefined;
        failAll(refused ?? new Error('WebSocket closed'));
        // Subscriptions die with their connection (SPEC §8): their iterators end (with `refused`).
        onClosed?.(refused);
        reject(refused ?? new Error('WebSocket closed'));
      });
      ws.addEventListener('message', onMessage);
    });
    if (!found.headers && token) {
      // SPEC §4: without headers the token is the connection's first message.
      const reply = await new Promise<JsonRpcReply>((resolve, reject) => {
        pending.set('auth', { resolve, reject });
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'auth', method: 'auth', params: { token } }));
      });
      if (reply.error) {
        for (const [id, p] of pending) p.resolve({ ...reply, id });
        pending.clear();
        ws.close();
        throw new Error(`walletd refused the token: ${reply.error.message}`);
      }
    }
    return ws;
  };

  return {
    async send(req) {
      const reply = new Promise<JsonRpcReply>((resolve, reject) => pending.set(req.id, { resolve, reject }));
      socket ??= open();
      let ws: WebSocketLike;
      try {
        ws = await socket;
      } catch (err) {
        // The pending entry was settled by the failure (a refused token's body resolves it).
        pending.delete(req.id);
        return Promise.race([reply, Promise.reject(err as Error)]);
      }
      ws.send(JSON.stringify(req));
      return reply;
    },
    async close() {
      const s = socket;
      socket = null;
      if (!s) return;
      const ws = await s.catch(() => null);
      if (!ws || ws.readyState === CLOSED) return;
      await new Promise<void>((resolve) => {
        ws.addEventListener('close', () => resolve());
        if (ws.readyState === OPEN || ws.readyState === 0) ws.close();
      });
    },
  };
}
