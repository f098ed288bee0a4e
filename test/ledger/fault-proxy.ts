/**
 * A tiny HTTP proxy in front of a node's JSON-RPC port that can misbehave per request: forward,
 * forward and then drop the client's connection (the node acted, the caller never hears), drop
 * it unforwarded (the caller cannot tell that the node never heard), rewrite the request, or
 * hang. Tests point walletd at it to reproduce backend faults against a real node.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** A parsed JSON-RPC request body: one call or a batch. */
export type RpcBody = { method: string; params?: unknown[]; id?: unknown } | Array<{ method: string; params?: unknown[]; id?: unknown }>;

/** What the proxy does with one request. */
export type ProxyAction =
  | { kind: 'forward' }
  | { kind: 'drop-after-forward' }
  | { kind: 'drop-before-forward' }
  | { kind: 'rewrite'; body: RpcBody }
  | { kind: 'error' }
  | { kind: 'hang' };

/** Chooses the action for a request; the default forwards everything. */
export type ProxyRule = (body: RpcBody) => ProxyAction;

/** A running proxy. */
export interface FaultProxy {
  url: string;
  /** Method names of every request received, in order (a batch lists each of its calls). */
  readonly seen: string[];
  /** The node's error code for each forwarded single call it refused, by method. */
  readonly refused: Array<{ method: string; code: number }>;
  /** Replaces the rule for later requests. */
  setRule(rule: ProxyRule): void;
  /** Resets the connections of requests left hanging, as a node that comes back would. */
  releaseHung(): void;
  close(): Promise<void>;
}

const FORWARD: ProxyRule = () => ({ kind: 'forward' });

/** The methods a request body calls. */
export const methodsOf = (body: RpcBody): string[] => (Array.isArray(body) ? body.map((c) => c.method) : [body.method]);

/** Starts a proxy to `target` (a node RPC URL) on a free loopback port. */
export async function startFaultProxy(target: string, initial: ProxyRule = FORWARD): Promise<FaultProxy> {
  let rule = initial;
  const seen: string[] = [];
  const refused: Array<{ method: string; code: number }> = [];
  const hung = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    let body: RpcBody;
    try {
      body = JSON.parse(text) as RpcBody;
    } catch {
      body = { method: '(unparsable)' };
    }
    seen.push(...methodsOf(body));
    const action = rule(body);
    if (action.kind === 'hang') {
      hung.add(res); // releaseHung() or closeAllConnections() ends it
      return;
    }
    if (action.kind === 'drop-before-forward') {
      req.socket.destroy();
      return;
    }
    if (action.kind === 'error') {
      // What Core answers when a call fails inside the node: HTTP 500 with a JSON-RPC error.
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ result: null, error: { code: -1, message: 'injected node failure' }, id: Array.isArray(body) ? null : body.id ?? null }));
      return;
    }
    const forwarded = action.kind === 'rewrite' ? JSON.stringify(action.body) : text;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    const upstream = await fetch(target, { method: 'POST', headers, body: forwarded });
    const reply = await upstream.text();
    noteRefusal(body, reply);
    if (action.kind === 'drop-after-forward') {
      // The node has answered, so it acted on the request; the caller only sees a reset.
      req.socket.destroy();
      return;
    }
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(reply);
  }

  function noteRefusal(body: RpcBody, reply: string): void {
    if (Array.isArray(body)) return;
    try {
      const code = (JSON.parse(reply) as { error?: { code?: number } | null }).error?.code;
      if (typeof code === 'number') refused.push({ method: body.method, code });
    } catch {
      // Not JSON (e.g. a 401 with an empty body): nothing to note.
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    seen,
    refused,
    setRule(next) {
      rule = next;
    },
    releaseHung() {
      for (const res of hung) res.destroy();
      hung.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
