/**
 * Two of the three ways a client reaches walletd (SPEC §3): HTTP `POST /rpc` (fetch) and the same
 * endpoint over the data dir's unix socket (node:http, loaded only when used, so bundles for a
 * browser need not stub it). The WebSocket transport is in ws-transport.ts. Each sends one
 * JSON-RPC request object and resolves with the parsed reply object.
 */

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
export function parseReply(text: string, status: number): JsonRpcReply {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) return parsed as JsonRpcReply;
  } catch {
    // fall through
  }
  throw new Error(`walletd answered HTTP ${status} without a JSON-RPC body`);
}

/** Appends `path` when the URL names only a host (`http://127.0.0.1:7380` → `/rpc`). */
export function withDefaultPath(url: string, path: string): string {
  const u = new URL(url);
  if (u.pathname === '/' || u.pathname === '') u.pathname = path;
  return u.toString();
}

/** The Authorization header for a token, or none. */
export function authHeaders(token: string | undefined): Record<string, string> {
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
    async send(req) {
      const { request } = await import('node:http');
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
            res.on('data', (c: string) => {
              text += c;
            });
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
