/**
 * A pass-through HTTP proxy between walletd and the regtest node's JSON-RPC, for the crash loop
 * (issue 16, point 2): armed, it lets the n-th `sendrawtransaction` reach the node, waits for the
 * node's answer (so the node holds the transaction), then runs the kill before walletd sees that
 * answer. That places a kill exactly "between broadcast and the result", which a timer only hits
 * by luck.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running proxy in front of one node URL. */
export interface ChainProxy {
  /** The URL walletd uses as its chain URL. */
  url: string;
  /** After the `nth` accepted broadcast from now, calls `kill` and never forwards that answer; resolves with its txid. */
  arm(nth: number, kill: () => void): Promise<string>;
  /** Forgets a pending `arm` (its promise never resolves). */
  disarm(): void;
  close(): Promise<void>;
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** True when the JSON-RPC body (single or batch) calls sendrawtransaction. */
function isBroadcast(body: Buffer): boolean {
  try {
    const parsed = JSON.parse(body.toString()) as unknown;
    const calls = Array.isArray(parsed) ? parsed : [parsed];
    return calls.some((c) => (c as { method?: unknown })?.method === 'sendrawtransaction');
  } catch {
    return false;
  }
}

/** The txid a sendrawtransaction answer carries, or null for an error answer. */
function acceptedTxid(body: Buffer): string | null {
  try {
    const parsed = JSON.parse(body.toString()) as unknown;
    const answers = Array.isArray(parsed) ? parsed : [parsed];
    const hit = answers.find((a) => typeof (a as { result?: unknown })?.result === 'string' && /^[0-9a-f]{64}$/.test((a as { result: string }).result));
    return hit ? (hit as { result: string }).result : null;
  } catch {
    return null;
  }
}

/** Starts a proxy on a free loopback port forwarding every request to `target`. */
export async function startChainProxy(target: string): Promise<ChainProxy> {
  const upstream = new URL(target);
  let armed: { remaining: number; kill: () => void; resolve: (txid: string) => void } | null = null;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const broadcast = isBroadcast(body);
      const fwd = request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host } },
        (up) => {
          void readBody(up).then((answer) => {
            const txid = broadcast && armed ? acceptedTxid(answer) : null;
            if (txid && armed) {
              armed.remaining -= 1;
              if (armed.remaining === 0) {
                const hit = armed;
                armed = null;
                // The node has the transaction; walletd dies before it learns so.
                hit.kill();
                res.destroy();
                hit.resolve(txid);
                return;
              }
            }
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(answer);
          });
        },
      );
      fwd.on('error', () => res.destroy());
      fwd.end(body);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arm: (nth, kill) => new Promise<string>((resolve) => (armed = { remaining: nth, kill, resolve })),
    disarm: () => (armed = null),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
