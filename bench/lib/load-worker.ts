/**
 * The load generator, run as its own process (child_process.fork) so its CPU is not the
 * server's: closed-loop JSON-RPC callers over undici (HTTP keep-alive or the unix socket) or ws,
 * each request timed with the monotonic µs clock.
 */
import { Pool } from 'undici';
import WebSocket from 'ws';
import { percentiles, thin, type Percentiles } from './stats.ts';

/** Where the load goes. */
export type LoadTarget =
  | { kind: 'http'; origin: string; path: string }
  | { kind: 'unix'; socketPath: string; path: string }
  | { kind: 'ws'; url: string };

/** One load run: `connections` callers, each sending `body` back to back. */
export interface LoadJob {
  target: LoadTarget;
  token?: string;
  /** HTTP method (default POST); `{{n}}` in the path or body becomes a fresh counter value. */
  method?: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  /** `jsonrpc` (default): a 200 carrying `result`; `status`: any 200 (REST peers). */
  expect?: 'jsonrpc' | 'status';
  body: string;
  connections: number;
  durationMs: number;
  warmupMs: number;
  /** Stop early once this many requests have completed (the slow calls of a big wallet). */
  maxRequests?: number;
}

/** What one load run measured; latencies are in µs. */
export interface LoadResult {
  requests: number;
  errors: number;
  firstError: string | null;
  elapsedMs: number;
  reqPerSec: number;
  latencyUs: Percentiles;
  samplesUs: number[];
}

type Caller = () => Promise<string>;

function isOk(text: string): boolean {
  return text.includes('"result"') && !text.includes('"error"');
}

async function httpCallers(job: LoadJob): Promise<{ callers: Caller[]; close: () => Promise<void> }> {
  const t = job.target;
  if (t.kind === 'ws') throw new Error('not http');
  const pool =
    t.kind === 'http'
      ? new Pool(t.origin, { connections: job.connections, pipelining: 1 })
      : new Pool('http://localhost', { socketPath: t.socketPath, connections: job.connections, pipelining: 1 });
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(job.headers ?? {}) };
  if (job.token) headers.authorization = `Bearer ${job.token}`;
  const method = job.method ?? 'POST';
  const templated = job.body.includes('{{n}}') || t.path.includes('{{n}}');
  const tag = Math.random().toString(36).slice(2, 8);
  let n = 0;
  const call: Caller = async () => {
    const k = `${tag}${n++}`;
    const path = templated ? t.path.replaceAll('{{n}}', k) : t.path;
    const body = method === 'GET' ? null : templated ? job.body.replaceAll('{{n}}', k) : job.body;
    const res = await pool.request({ method, path, headers, body });
    const text = await res.body.text();
    if (res.statusCode !== 200) return `HTTP ${res.statusCode} ${text}`;
    return job.expect === 'status' ? '"result"' : text;
  };
  return { callers: Array.from({ length: job.connections }, () => call), close: () => pool.close() };
}

async function wsCallers(job: LoadJob): Promise<{ callers: Caller[]; close: () => Promise<void> }> {
  const t = job.target;
  if (t.kind !== 'ws') throw new Error('not ws');
  const sockets = await Promise.all(
    Array.from({ length: job.connections }, () => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(t.url, job.token ? { headers: { authorization: `Bearer ${job.token}` } } : {});
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    })),
  );
  const callers = sockets.map((ws): Caller => {
    let pending: ((text: string) => void) | null = null;
    ws.on('message', (data) => {
      const text = data.toString();
      // Notifications carry no id; only an answer completes the call in flight.
      if (pending && text.includes('"id"')) {
        const p = pending;
        pending = null;
        p(text);
      }
    });
    return () => new Promise<string>((resolve) => {
      pending = resolve;
      ws.send(job.body);
    });
  });
  const close = async () => {
    await Promise.all(sockets.map((ws) => new Promise<void>((r) => {
      ws.once('close', () => r());
      ws.close();
    })));
  };
  return { callers, close };
}

/** Runs one job: warm-up, then the measured window. */
export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const { callers, close } = job.target.kind === 'ws' ? await wsCallers(job) : await httpCallers(job);
  const samples: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let requests = 0;
  const warmEnd = process.hrtime.bigint() + BigInt(job.warmupMs) * 1_000_000n;
  let measureStart = 0n;
  let measureEnd = 0n;
  let stop = false;
  const loop = async (call: Caller) => {
    let mine = 0;
    // Every caller completes at least one measured request, however slow the call is.
    while (!stop || mine === 0) {
      const t0 = process.hrtime.bigint();
      const text = await call();
      const t1 = process.hrtime.bigint();
      if (t0 < warmEnd) continue;
      if (measureStart === 0n || t0 < measureStart) measureStart = t0;
      mine++;
      requests++;
      samples.push(Number(t1 - t0) / 1000);
      if (!isOk(text)) {
        errors++;
        firstError ??= text.slice(0, 300);
      }
      if (job.maxRequests !== undefined && requests >= job.maxRequests) stop = true;
    }
  };
  const timer = setTimeout(() => {
    stop = true;
  }, job.warmupMs + job.durationMs);
  const started = Promise.all(callers.map(loop));
  await started;
  clearTimeout(timer);
  measureEnd = process.hrtime.bigint();
  await close();
  const elapsedMs = measureStart === 0n ? 0 : Number(measureEnd - measureStart) / 1e6;
  return {
    requests,
    errors,
    firstError,
    elapsedMs,
    reqPerSec: elapsedMs > 0 ? (requests / elapsedMs) * 1000 : 0,
    latencyUs: percentiles(samples),
    samplesUs: thin(samples, 250),
  };
}

if (process.send) {
  process.on('message', (msg: { id: number; job: LoadJob }) => {
    runLoad(msg.job).then(
      (result) => process.send!({ id: msg.id, result }),
      (err: unknown) => process.send!({ id: msg.id, error: String((err as Error)?.stack ?? err) }),
    );
  });
  process.send({ ready: true });
}
