/**
 * The three ways a client reaches walletd (SPEC §3): HTTP `POST /rpc` (fetch), the same endpoint
 * over the data dir's unix socket (node:http), and `GET /ws` (the `ws` package). Each sends one
 * JSON-RPC request object and resolves with the parsed reply object.
 */
import { request } from 'node:http';
import WebSocket from 'ws';

/** A JSON-RPC 2.0 request as the client sends it. */
export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: number;
  method: string;
  params: unknown;
}

/** A JSON-RPC 2.0 reply (result or error). */
export interface JsonRpcReply {
  jsonrpc?: '2.0';
  id?: number | string | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** A server-to-client notification received over the WebSocket. */
export interface RpcNotification {
  method: string;
  params: unknown;
}

/** What the client needs from a transport. */
export interface Transport {
  send(req: JsonRpcRequest): Promise<JsonRpcReply>;
  close(): Promise<void>;
}

/** Parses a reply body; a non-JSON body (a proxy's error page, say) becomes a plain Error. */
function parseReply(text: string, status: number): JsonRpcReply {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) return parsed as JsonRpcReply;
  } catch {
    // fall through
  }
  throw new Error(`walletd answered HTTP ${status} without a JSON-RPC body`);
}

/** Appends `path` when the URL names only a host (`http://127.0.0.1:7380` → `/rpc`). */
function withDefaultPath(url: string, path: string): string {
  const u = new URL(url);
  if (u.pathname === '/' || u.pathname === '') u.pathname = path;
  return u.toString();
}

function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** HTTP transport over fetch; errors arrive with 4xx statuses but still carry a JSON-RPC body. */
export function httpTransport(url: string, token: string | undefined): Transport {
  const endpoint = withDefaultPath(url, '/rpc');
  return {
    async send(req) {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authHeaders(token) },
        body: JSON.stringify(req),
      });
      return parseReply(await res.text(), res.status);
    },
    async close() {},
  };
}

/** Unix-socket transport: the same `POST /rpc`, over `<datadir>/walletd.sock`. */
export function unixTransport(socketPath: string, token: string | undefined): Transport {
  return {
    send(req) {
      return new Promise((resolve, reject) => {
        const body = JSON.stringify(req);
        const r = request(
          {
            socketPath,
            path: '/rpc',
            method: 'POST',
            headers: { host: 'localhost', 'content-type': 'application/json', ...authHeaders(token) },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (text += c));
            res.on('end', () => {
              try {
                resolve(parseReply(text, res.statusCode ?? 0));
              } catch (err) {
                reject(err);
              }
            });
            res.on('error', reject);
          },
        );
        r.on('error', reject);
        r.end(body);
      });
    },
    async close() {},
  };
}

/** WebSocket transport: one connection, replies matched by id, notifications passed on. */
export function wsTransport(
  url: string,
  token: string | undefined,
  onNotification: (n: RpcNotification) => void,
): Transport {
  const endpoint = withDefaultPath(url, '/ws');
  const pending = new Map<number, { resolve: (r: JsonRpcReply) => void; reject: (e: Error) => void }>();
  let socket: Promise<WebSocket> | null = null;

  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  const connect = (): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      // SPEC §4: the token goes in the upgrade's Authorization header, never the query string.
      const ws = new WebSocket(endpoint, { headers: authHeaders(token) });
      ws.on('open', () => resolve(ws));
      ws.on('unexpected-response', (_req, res) => {
        // A refused upgrade (401) carries a JSON-RPC error body; surface it as the call's reply.
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          socket = null;
          try {
            const reply = parseReply(text, res.statusCode ?? 0);
            for (const [id, p] of pending) p.resolve({ ...reply, id });
            pending.clear();
            reject(new Error(`WebSocket upgrade refused (HTTP ${res.statusCode})`));
          } catch (err) {
            failAll(err as Error);
            reject(err as Error);
          }
        });
      });
      ws.on('error', (err) => {
        socket = null;
        failAll(err);
        reject(err);
      });
      ws.on('close', () => {
        socket = null;
        failAll(new Error('WebSocket closed'));
      });
      ws.on('message', (data) => {
        let msg: JsonRpcReply & { method?: string; params?: unknown };
        try {
          msg = JSON.parse(data.toString()) as typeof msg;
        } catch {
          return;
        }
        if (typeof msg.method === 'string' && msg.id === undefined) {
          onNotification({ method: msg.method, params: msg.params });
          return;
        }
        const p = typeof msg.id === 'number' ? pending.get(msg.id) : undefined;
        if (p && typeof msg.id === 'number') {
          pending.delete(msg.id);
          p.resolve(msg);
        }
      });
    });

  return {
    async send(req) {
      const reply = new Promise<JsonRpcReply>((resolve, reject) => pending.set(req.id, { resolve, reject }));
      socket ??= connect();
      let ws: WebSocket;
      try {
        ws = await socket;
      } catch (err) {
        // The pending entry was settled by the connect failure (a 401 body resolves it).
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
      if (!ws || ws.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close();
      });
    },
  };
}
