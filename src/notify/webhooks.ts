/**
 * Optional webhooks (`notify.webhooks`): each stored event is POSTed as JSON to every matching
 * URL, signed with HMAC-SHA256 of the exact body under that webhook's secret (RFC 2104), retried
 * with exponential backoff, and appended to a dead-letter log once every attempt has failed.
 */
import { createHmac } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import type { WalletEvent } from '../rpc/ports.ts';
import type { EventType } from './subscription.ts';

/** The signature header; its value is `sha256=<hex HMAC-SHA256 of the body>`. */
export const SIGNATURE_HEADER = 'X-Walletd-Signature';

/** File name of the dead-letter log inside the data dir. */
export const DEAD_LETTER_FILE = 'webhooks-dead-letter.jsonl';

/** One configured webhook. */
export interface WebhookTarget {
  url: string;
  secret: string;
  /** Only these event types; all when absent. */
  events?: readonly EventType[];
}

/** Retry policy shared by every webhook. */
export interface WebhookSettings {
  /** Attempts per event and URL, the first included. */
  maxAttempts: number;
  /** Delay before the second attempt; doubles after each failure. */
  retryBaseMs: number;
  /** Longest delay between two attempts. */
  retryMaxMs: number;
  /** Per-attempt request timeout. */
  timeoutMs: number;
}

/** The part of a pino logger the sender uses. */
export interface WebhookLog {
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** What the sender needs; `fetch` and `sleep` are injectable for tests. */
export interface WebhookDeps {
  targets: readonly WebhookTarget[];
  settings: WebhookSettings;
  /** `<datadir>/webhooks-dead-letter.jsonl`. */
  deadLetterPath: string;
  clock: { now(): number };
  log?: WebhookLog;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Counts each outcome for /metrics: a delivery, a failed attempt, a dead-lettered event. */
  onOutcome?: (outcome: WebhookOutcome) => void;
}

/** What happened to one webhook attempt or event, as /metrics counts it. */
export type WebhookOutcome = 'delivered' | 'failed' | 'dead_letter';

/** The JSON body of a webhook POST: the event as WebSocket subscribers see it, minus `subscription`. */
export function webhookBody(event: WalletEvent): string {
  return JSON.stringify({ seq: event.seq, type: event.type, wallet: event.walletId, at: event.at, data: event.data });
}

/** The `X-Walletd-Signature` value for a body. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Scheme, host and path only: a URL's credentials or query may be secret, so logs never carry them. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

const unrefSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** Delivers events to the configured webhooks; deliveries run concurrently, receivers order by `seq`. */
export class WebhookSender {
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;
  /** Aborted by `stop`: ends a pending request and a backoff wait at once (SPEC §10: stop within 10 s). */
  private readonly stopping = new AbortController();

  constructor(private readonly deps: WebhookDeps) {}

  /** Starts delivering `event` to every webhook that wants its type; never throws. */
  deliver(event: WalletEvent): void {
    if (this.stopped) return;
    for (const target of this.deps.targets) {
      if (target.events && !target.events.includes(event.type)) continue;
      const p = this.send(target, event).catch((err: unknown) =>
        this.deps.log?.error({ err: err instanceof Error ? err.message : String(err) }, 'webhook delivery failed'),
      );
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    }
  }

  /** Resolves when every delivery started so far has succeeded or been dead-lettered. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /**
   * Stops retrying: a request in flight is aborted and a backoff wait cut short, so every pending
   * delivery goes to the dead-letter log now instead of holding the shutdown for up to
   * `retryMaxMs` + `timeoutMs`.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    await this.idle();
  }

  /**
   * Runs `work` with a signal that aborts after `timeoutMs` (when given) or at `stop`, and
   * settles as soon as it aborts even if `work` ignores the signal. Listeners are removed after,
   * so a long-lived sender does not pile them up on the stop signal.
   */
  private async withStop<T>(timeoutMs: number | null, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ctl = new AbortController();
    let onAbort = (): void => undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(ctl.signal.reason);
    });
    aborted.catch(() => undefined);
    ctl.signal.addEventListener('abort', onAbort, { once: true });
    const onStop = () => ctl.abort(new DOMException('webhook sender stopped', 'AbortError'));
    this.stopping.signal.addEventListener('abort', onStop, { once: true });
    const timer = timeoutMs === null ? null : setTimeout(() => ctl.abort(new DOMException('webhook timed out', 'TimeoutError')), timeoutMs);
    try {
      if (this.stopping.signal.aborted) onStop();
      return await Promise.race([work(ctl.signal), aborted]);
    } finally {
      if (timer) clearTimeout(timer);
      this.stopping.signal.removeEventListener('abort', onStop);
      ctl.signal.removeEventListener('abort', onAbort);
    }
  }

  private async send(target: WebhookTarget, event: WalletEvent): Promise<void> {
    const { settings } = this.deps;
    const doFetch = this.deps.fetch ?? fetch;
    const sleep = this.deps.sleep ?? unrefSleep;
    const body = webhookBody(event);
    const headers = {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signBody(body, target.secret),
      'X-Walletd-Event': event.type,
      'X-Walletd-Seq': String(event.seq),
    };
    let lastError = '';
    let attempts = 0;
    while (attempts < settings.maxAttempts) {
      attempts++;
      try {
        const res = await this.withStop(settings.timeoutMs, (signal) => doFetch(target.url, { method: 'POST', headers, body, signal }));
        await res.body?.cancel().catch(() => undefined);
        if (res.ok) {
          this.deps.onOutcome?.('delivered');
          return;
        }
        lastError = `HTTP ${res.status}`;
      } catch (err) {
        lastError = err instanceof Error ? err.name : 'error';
      }
      this.deps.onOutcome?.('failed');
      if (attempts >= settings.maxAttempts || this.stopped) break;
      const delay = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** (attempts - 1));
      this.deps.log?.warn({ url: safeUrl(target.url), seq: event.seq, attempt: attempts, error: lastError, retryInMs: delay }, 'webhook failed; retrying');
      await this.withStop(null, () => sleep(delay)).catch(() => undefined);
      if (this.stopped) break;
    }
    this.deps.log?.error({ url: safeUrl(target.url), seq: event.seq, attempts, error: lastError }, 'webhook gave up; dead-lettered');
    this.deps.onOutcome?.('dead_letter');
    const line = { at: this.deps.clock.now(), url: safeUrl(target.url), attempts, error: lastError, event: JSON.parse(body) as unknown };
    await appendFile(this.deps.deadLetterPath, `${JSON.stringify(line)}\n`, { mode: 0o600 });
  }
}
