/**
 * A small Bitcoin Core JSON-RPC client over `fetch`, with basic auth, a per-call timeout and
 * array (batch) requests. Transport failures become WalletdError CHAIN_UNAVAILABLE; errors the
 * node itself answers keep its numeric code and message as a {@link BitcoindRpcError}.
 */
import { readFile } from 'node:fs/promises';
import { WalletdError } from '../errors.ts';

/** Connection settings for a Bitcoin Core (or fork) JSON-RPC endpoint. */
export interface BitcoindRpcOptions {
  url: string;
  user?: string;
  password?: string;
  /**
   * bitcoind's `.cookie` (`user:password`), its default auth (SPEC §7). Read at the first call
   * and again after a 401, because bitcoind writes a fresh cookie at every start.
   */
  cookieFile?: string;
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
  #auth: string | null;
  readonly #cookieFile: string | null;
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
    this.#auth = user || password ? basic(`${user}:${password}`) : null;
    this.#cookieFile = opts.cookieFile ?? null;
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

  /** Reads the cookie file into the auth header; its content is never put in an error. */
  async #readCookie(method: string): Promise<void> {
    let content: string;
    try {
      content = (await readFile(this.#cookieFile!, 'utf8')).trim();
    } catch (err) {
      throw this.#unavailable(`${method}: cannot read chain.cookieFile ${this.#cookieFile} (${(err as NodeJS.ErrnoException).code ?? 'error'}); is the node running?`);
    }
    if (!content.includes(':')) throw this.#unavailable(`${method}: chain.cookieFile ${this.#cookieFile} does not hold user:password`);
    this.#auth = basic(content);
  }

  async #post(payload: unknown, method: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<unknown> {
    if (this.#cookieFile && this.#auth === null) await this.#readCookie(method);
    let res = await this.#send(payload, method, opts);
    if (res.status === 401 && this.#cookieFile) {
      // bitcoind rewrote its cookie at a restart: read it again and retry once.
      const before = this.#auth;
      await this.#readCookie(method);
      if (this.#auth !== before) res = await this.#send(payload, method, opts);
    }
    if (res.status === 401 || res.status === 403) {
      const check = this.#cookieFile ? `check chain.cookieFile ${this.#cookieFile}` : 'check chain.user and chain.password';
      throw this.#unavailable(`${method}: HTTP ${res.status}, credentials refused (${check})`);
    }
    // Bitcoin Core answers RPC errors with HTTP 500/404 and a JSON body: parse before judging status.
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      throw this.#unavailable(`${method}: HTTP ${res.status} without a JSON-RPC body`);
    }
    return body;
  }

  async #send(payload: unknown, method: string, opts: { timeoutMs?: number; signal?: AbortSignal }): Promise<{ status: number; text: string }> {
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
    return { status: res.status, text };
  }

  #unavailable(why: string): WalletdError {
    return new WalletdError('CHAIN_UNAVAILABLE', `bitcoind at ${this.#url} unavailable: ${why}`, { url: this.#url });
  }
}

function basic(userPass: string): string {
  return 'Basic ' + Buffer.from(userPass).toString('base64');
}

function toRpcError(error: { code?: unknown; message?: unknown }, method: string): BitcoindRpcError {
  const code = typeof error.code === 'number' ? error.code : -1;
  const message = typeof error.message === 'string' ? error.message : 'unknown error';
  return new BitcoindRpcError(code, message, method);
}
