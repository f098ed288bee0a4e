/**
 * A tiny JSON-RPC client over a `ws` WebSocket for the notification tests: calls resolve by id,
 * `event` notifications are collected in arrival order, and every frame is kept for order checks.
 */
import type { WebSocket } from 'ws';
import type { EventNotification } from '../../src/notify/subscription.ts';

/** A JSON-RPC response as the tests read it. */
export interface RpcReply {
  id: number;
  result?: unknown;
  error?: { code: number; message: string; data?: { code?: string } };
}

/** Wraps an open socket. */
export class WsClient {
  /** Every frame received, parsed, in order. */
  readonly frames: Array<Record<string, unknown>> = [];
  /** The params of every `event` notification, in order. */
  readonly events: EventNotification[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: RpcReply) => void>();
  private readonly watchers = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      this.frames.push(msg);
      if (msg.method === 'event') this.events.push(msg.params as EventNotification);
      const resolve = typeof msg.id === 'number' ? this.waiting.get(msg.id) : undefined;
      if (resolve) {
        this.waiting.delete(msg.id as number);
        resolve(msg as unknown as RpcReply);
      }
      for (const w of this.watchers) w();
    });
  }

  /** Sends one call and resolves with its response. */
  call(method: string, params: unknown = {}): Promise<RpcReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  /** Calls and returns the result, throwing on a JSON-RPC error. */
  async result<T>(method: string, params: unknown = {}): Promise<T> {
    const reply = await this.call(method, params);
    if (reply.error) throw new Error(`${method}: ${reply.error.data?.code ?? reply.error.message}`);
    return reply.result as T;
  }

  /** Resolves once `pred` holds over the events received so far; rejects after `timeoutMs`. */
  waitForEvents(pred: (events: EventNotification[]) => boolean, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pred(this.events)) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`events not as expected: ${JSON.stringify(this.events.map((e) => [e.seq, e.type, e.data]))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.watchers.delete(check);
      };
      this.watchers.add(check);
      check();
    });
  }

  /** Drops the connection at once (injectWS's in-memory socket never finishes a close handshake). */
  terminate(): void {
    this.ws.terminate();
  }

  /** Closes the socket and waits for the close to complete. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === this.ws.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
