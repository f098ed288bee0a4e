/**
 * Raw transports for the fuzzer (issue 16, point 1): a body sent as-is over HTTP, the unix
 * socket or a WebSocket, and the answer kept as text, so a malformed answer is seen as one.
 */
import { request } from 'node:http';
import WebSocket from 'ws';

/** What came back for one raw request. */
export interface RawAnswer {
  status: number;
  body: string;
}

/** POSTs `body` as-is to `/rpc` over TCP (`url`) or the unix socket (`socketPath`). */
export function postRaw(target: { url?: string; socketPath?: string }, token: string, body: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const u = target.url ? new URL(target.url) : undefined;
    const req = request(
      {
        ...(u ? { host: u.hostname, port: Number(u.port) } : { socketPath: target.socketPath }),
        path: '/rpc', method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        answered = true;
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    let answered = false;
    // A refusal may come before the body is sent (413 from Content-Length), and the daemon may
    // then close the connection: our late write failing is no fault once an answer is in.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const buf = Buffer.from(body);
    if (buf.length <= 64 * 1024) {
      req.end(buf);
      return;
    }
    req.write(buf.subarray(0, 1024));
    setTimeout(() => {
      if (!answered) req.end(buf.subarray(1024));
    }, 300);
  });
}

/** A WebSocket that collects every text message and notes whether the daemon closed it. */
export class FuzzSocket {
  readonly messages: string[] = [];
  closeCode: number | null = null;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.messages.push(data.toString());
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
    ws.on('error', () => this.wake());
  }

  /** Opens `/ws` with the token in the Authorization header. */
  static open(url: string, token: string): Promise<FuzzSocket> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new FuzzSocket(ws)));
      ws.once('error', reject);
    });
  }

  /** Sends one frame and waits for one more message or the close, whichever comes first. */
  async exchange(frame: string | Buffer, binary = false): Promise<string | null> {
    const seen = this.messages.length;
    this.ws.send(frame, { binary });
    while (this.messages.length === seen && this.closeCode === null) {
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 10_000).unref();
      });
    }
    return this.messages.length > seen ? this.messages[seen]! : null;
  }

  /** Closes the socket from our side. */
  close(): void {
    this.ws.terminate();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
