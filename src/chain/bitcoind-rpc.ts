/**
 * A small Bitcoin Core JSON-RPC client over `fetch`, with basic auth, a per-call timeout and
 * array (batch) requests. Transport failures become WalletdError CHAIN_UNAVAILABLE; errors the
 * node itself answers keep its numeric code and message as a {@link BitcoindRpcError}.
 */
import { WalletdError } from '../errors.ts';

/** Connection settings for a Bitcoin Core (or fork) JSON-RPC endpoint. */
export interface BitcoindRpcOptions {
  url: string;
  user?: string;
  password?: string;
  /** Per HTTP request; default 30 s. */
  timeoutMs?: number;
}

/** One call inside a batch. */
export interface RpcCall {
  method: string;
  params?: unknown[];
}

/** An error answered by the node (e.g. -5 not found, -26 rejected), with the node's code. */
export class BitcoindRpcError extends Error {
  readonly rpcCode: number;
  readonly method: string;

  constructor(rpcCode: number, message: string, method: string) {
    super(message);
    this.name = 'BitcoindRpcError';
    this.rpcCode = rpcCode;
    this.method = method;
  }
}

/** The result of one batched call: its value, or the node's error for that call alone. */
export type BatchResult<T> = { ok: true; result: T } | { ok: false; error: BitcoindRpcError };

interface RpcResponse {
  id?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown } | null;
}

/** Bitcoin Core's JSON-RPC client: single calls and batches. */
export class BitcoindRpc {
  readonly #url: string;
  readonly #auth: string | null;
  readonly #timeoutMs: number;
  #nextId = 0;

  constructor(opts: BitcoindRpcOptions) {
    const parsed = new URL(opts.url);
    // Credentials in the URL move into the header so they never show up in error messages.
    const user = opts.user ?? decodeURIComponent(parsed.username);
    const password = opts.password ?? decodeURIComponent(parsed.password);
    parsed.username = '';
    parsed.password = '';
    this.#url = parsed.toString();
    this.#auth = user || password ? 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') : null;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** The endpoint URL without credentials, safe to log. */
  get url(): string {
    return this.#url;
  }

  /** Calls one method; throws BitcoindRpcError for a node error, CHAIN_UNAVAILABLE for transport. */
  async call<T>(method: string, ...params: unknown[]): Promise<T> {
    return this.callWith<T>({ method, params });
  }

  /** Calls one method with its own timeout and abort signal (for long-polls such as `waitfornewblock`). */
  async callWith<T>(opts: { method: string; params: unknown[]; timeoutMs?: number; signal?: AbortSignal }): Promise<T> {
    const { method, params } = opts;
    const body = await this.#post({ jsonrpc: '1.0', id: this.#nextId++, method, params }, method, opts);
    const res = body as RpcResponse;
    if (typeof res !== 'object' || res === null || Array.isArray(res)) {
      throw this.#unavailable(`unexpected response to ${method}`);
    }
    if (res.error) throw toRpcError(res.error, method);
    return res.result as T;
  }

  /** Sends calls as one JSON-RPC array request; results come back in call order. */
  async batch<T>(calls: readonly RpcCall[]): Promise<BatchResult<T>[]> {
    if (calls.length === 0) return [];
    const firstId = this.#nextId;
    this.#nextId += calls.length;
    const payload = calls.map((c, i) => ({ jsonrpc: '1.0', id: firstId + i, method: c.method, params: c.params ?? [] }));
    const label = calls[0]?.method ?? 'batch';
    const body = await this.#post(payload, label);
    if (!Array.isArray(body)) {
      const single = body as RpcResponse | null;
      if (single?.error) throw toRpcError(single.error, label);
      throw this.#unavailable(`unexpected response to batch ${label}`);
    }
    const byId = new Map<unknown, RpcResponse>();
    for (const r of body as RpcResponse[]) byId.set(r.id, r);
    return calls.map((c, i): BatchResult<T> => {
      const r = byId.get(firstId + i);
      if (!r) return { ok: false, error: new BitcoindRpcError(-32603, 'missing batch response', c.method) };
      if (r.error) return { ok: false, error: toRpcError(r.error, c.method) };
      return { ok: true, result: r.result as T };
    });
  }

  /** Like {@link batch}, but throws the first per-call error. */
  async batchStrict<T>(calls: readonly RpcCall[]): Promise<T[]> {
    const results = await this.batch<T>(calls);
    return results.map((r) => {
      if (!r.ok) throw r.error;
      return r.result;
    });
  }

  async #post(payload: unknown, method: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<unknown> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.#auth) headers.authorization = this.#auth;
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.#url, {
        method: 'POST',
        headers,
        body: JSON.stringify(payload),
        signal: opts.signal
          ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs ?? this.#timeoutMs)])
          : AbortSignal.timeout(opts.timeoutMs ?? this.#timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      const cause = (err as { cause?: { code?: unknown } }).cause?.code;
      const why = name === 'TimeoutError' ? `timed out after ${opts.timeoutMs ?? this.#timeoutMs} ms`
        : name === 'AbortError' ? 'aborted'
        : `connection failed${typeof cause === 'string' ? ` (${cause})` : ''}`;
      throw this.#unavailable(`${method}: ${why}`);
    }
    if (res.status === 401 || res.status === 403) {
      throw this.#unavailable(`${method}: HTTP ${res.status}, credentials refused (check chain.user and chain.password)`);
    }
    // Bitcoin Core answers RPC errors with HTTP 500/404 and a JSON body: parse before judging status.
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw this.#unavailable(`${method}: HTTP ${res.status} without a JSON-RPC body`);
    }
    return body;
  }

  #unavailable(why: string): WalletdError {
    return new WalletdError('CHAIN_UNAVAILABLE', `bitcoind at ${this.#url} unavailable: ${why}`, { url: this.#url });
  }
}

function toRpcError(error: { code?: unknown; message?: unknown }, method: string): BitcoindRpcError {
  const code = typeof error.code === 'number' ? error.code : -1;
  const message = typeof error.message === 'string' ? error.message : 'unknown error';
  return new BitcoindRpcError(code, message, method);
}
