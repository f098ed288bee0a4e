/**
 * The load test's clients (issue 16, point 4): WebSocket subscribers that record every event's
 * seq, HTTP clients that time each call and count every answer that is not a result, and a
 * percentile helper for the latency report.
 */
import { WebSocket } from 'ws';
import type { EventNotification } from '../../src/notify/subscription.ts';

/** One WebSocket subscriber to every event type of every wallet its token sees. */
export class Subscriber {
  /** Seqs of the `event` notifications received, in arrival order. */
  readonly seqs: number[] = [];
  /** The full events, kept only when asked for (the replay comparison needs one). */
  readonly events: EventNotification[] = [];
  /** Anything wrong on this connection: an error frame, a close we did not ask for, a bad frame. */
  readonly faults: string[] = [];
  /** The snapshot's seq: every event after it must arrive. */
  startSeq = 0;
  private closing = false;

  private constructor(private readonly ws: WebSocket, private readonly keep: boolean) {
    ws.on('message', (data: Buffer) => {
      let msg: { id?: number; method?: string; params?: EventNotification; error?: unknown };
      try {
        msg = JSON.parse(data.toString()) as typeof msg;
      } catch {
        this.faults.push('unparseable frame');
        return;
      }
      if (msg.method === 'event' && msg.params) {
        this.seqs.push(msg.params.seq);
        if (this.keep) this.events.push(msg.params);
      } else if (msg.error) this.faults.push(`error frame ${JSON.stringify(msg.error)}`);
    });
    ws.on('close', (code) => {
      if (!this.closing) this.faults.push(`closed by the daemon (${code})`);
    });
    ws.on('error', (err) => this.faults.push(`socket error ${err.message}`));
  }

  /** Opens `/ws` with `token`, subscribes to every event type (after `sinceSeq` when given), and records the snapshot seq. */
  static async open(baseUrl: string, token: string, opts: { keep?: boolean; sinceSeq?: number } = {}): Promise<Subscriber> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const sub = new Subscriber(ws, opts.keep ?? false);
    const reply = await new Promise<{ result?: { snapshot: { seq: number } }; error?: unknown }>((resolve) => {
      const onMessage = (data: Buffer) => {
        const msg = JSON.parse(data.toString()) as { id?: number; result?: { snapshot: { seq: number } }; error?: unknown };
        if (msg.id !== 1) return;
        ws.off('message', onMessage);
        resolve(msg);
      };
      ws.on('message', onMessage);
      const params = { events: ['tx', 'confirmation', 'balance', 'block'], ...(opts.sinceSeq !== undefined ? { sinceSeq: opts.sinceSeq } : {}) };
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params }));
    });
    if (!reply.result) throw new Error(`subscribe failed: ${JSON.stringify(reply.error)}`);
    sub.startSeq = opts.sinceSeq ?? reply.result.snapshot.seq;
    return sub;
  }

  /** The highest seq received so far (the snapshot's when none). */
  get lastSeq(): number {
    return this.seqs.length > 0 ? this.seqs[this.seqs.length - 1]! : this.startSeq;
  }

  /** Closes the connection on our side. */
  close(): void {
    this.closing = true;
    this.ws.close();
  }
}

/** Latencies and faults of the HTTP clients, by kind of call. */
export interface CallLog {
  reads: number[];
  sends: number[];
  errors: string[];
}

/** One JSON-RPC call over HTTP, timed into `log`; anything but a result is an error. */
export async function timedCall(url: string, token: string, method: string, params: unknown, kind: 'reads' | 'sends', log: CallLog): Promise<unknown> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${url}/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = (await res.json()) as { result?: unknown; error?: { data?: { code?: string }; message?: string } };
    log[kind].push(performance.now() - t0);
    if (res.status !== 200 || body.error || body.result === undefined) {
      log.errors.push(`${method}: HTTP ${res.status} ${body.error?.data?.code ?? ''} ${body.error?.message ?? ''}`);
      return undefined;
    }
    return body.result;
  } catch (err) {
    log.errors.push(`${method}: ${(err as Error).message}`);
    return undefined;
  }
}

/** The `p`-th percentile (0..100) of `values`, nearest rank; 0 for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Resident memory of the daemon, from its /metrics. */
export async function daemonRss(url: string, token: string): Promise<number> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const m = /^process_resident_memory_bytes (\d+)/m.exec(await res.text());
  if (!m) throw new Error('no process_resident_memory_bytes in /metrics');
  return Number(m[1]);
}
