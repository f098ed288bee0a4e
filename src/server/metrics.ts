/**
 * Dependency-free Prometheus text exposition (format 0.0.4) for `GET /metrics` (SPEC §3).
 * Counters and the duration histogram are fed by the dispatcher's `onCall` hook; gauges are read
 * through callbacks the daemon registers, so the metrics module never reaches into the wallet.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { cpuUsage, memoryUsage, uptime } from 'node:process';
import { getHeapStatistics } from 'node:v8';

/** Upper bounds (seconds) of the RPC duration histogram; `+Inf` is implicit. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** A gauge's reader; it may be async (a keystore count) and may fail, which omits the sample. */
export type GaugeReader = () => number | null | Promise<number | null>;

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

const GAUGE_HELP = {
  walletd_wallets: 'Wallets in the keystore',
  walletd_wallets_unlocked: 'Wallets whose signing is currently unlocked',
  walletd_chain_up: 'Whether the chain backend answers (1) or sync passes fail to reach it (0)',
  walletd_chain_tip_height: 'Height of the chain backend tip',
  walletd_chain_sync_height: 'Lowest height the wallets are synced to',
  walletd_chain_sync_lag_blocks: 'Blocks between the chain tip and the lowest wallet sync height',
  walletd_leased_outputs: 'Outputs currently leased by a sign or send',
} as const;

/** The gauge names the daemon can feed. */
export type GaugeName = keyof typeof GAUGE_HELP;

/** Escapes a label value per the Prometheus text format. */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

// One event-loop monitor per process, however many Metrics instances tests build.
let loopDelay: IntervalHistogram | null = null;

/** Webhook outcomes counted in /metrics (see notify/webhooks.ts). */
export type WebhookOutcomeName = 'delivered' | 'failed' | 'dead_letter';

/** Collects walletd's metrics and renders them as Prometheus text. */
export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly durations = new Map<string, Histogram>();
  private readonly gauges = new Map<GaugeName, GaugeReader>();
  private readonly webhooks: Record<WebhookOutcomeName, number> = { delivered: 0, failed: 0, dead_letter: 0 };
  private readonly startTimeSeconds: number;
  private readonly version: string;

  constructor(opts: { version?: string; startTimeMs?: number } = {}) {
    this.startTimeSeconds = (opts.startTimeMs ?? Date.now() - uptime() * 1000) / 1000;
    this.version = opts.version ?? 'unknown';
    if (!loopDelay) {
      loopDelay = monitorEventLoopDelay({ resolution: 20 });
      loopDelay.enable();
    }
  }

  /** Counts one webhook outcome: a delivered event, a failed attempt, or a dead-lettered event. */
  observeWebhook(outcome: WebhookOutcomeName): void {
    this.webhooks[outcome] += 1;
  }

  /** Records one dispatched call; `outcome` is 'ok' or the error's stable `data.code`. */
  observeCall(method: string, outcome: string, seconds: number): void {
    const key = `${method}\u0000${outcome}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let h = this.durations.get(method);
    if (!h) {
      h = { counts: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.durations.set(method, h);
    }
    DURATION_BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) h.counts[i]! += 1;
    });
    h.sum += seconds;
    h.count += 1;
  }

  private authFailures = 0;

  /** Counts one failed authentication (SPEC §4). */
  observeAuthFailure(): void {
    this.authFailures += 1;
  }

  /** Registers (or replaces) the reader of one gauge. */
  setGauge(name: GaugeName, reader: GaugeReader): void {
    this.gauges.set(name, reader);
  }

  /** The whole exposition, ending in a newline. */
  async render(): Promise<string> {
    const out: string[] = [];
    out.push('# HELP walletd_build_info walletd build information; the value is always 1');
    out.push('# TYPE walletd_build_info gauge');
    out.push(`walletd_build_info{version="${label(this.version)}",node_version="${label(process.version)}"} 1`);
    out.push('# HELP walletd_webhook_deliveries_total Webhook events delivered (a 2xx answer)');
    out.push('# TYPE walletd_webhook_deliveries_total counter');
    out.push(`walletd_webhook_deliveries_total ${this.webhooks.delivered}`);
    out.push('# HELP walletd_webhook_failures_total Webhook attempts that failed (non-2xx, timeout, refused); each may be retried');
    out.push('# TYPE walletd_webhook_failures_total counter');
    out.push(`walletd_webhook_failures_total ${this.webhooks.failed}`);
    out.push('# HELP walletd_webhook_dead_letters_total Webhook events given up on after every attempt and written to the dead-letter log');
    out.push('# TYPE walletd_webhook_dead_letters_total counter');
    out.push(`walletd_webhook_dead_letters_total ${this.webhooks.dead_letter}`);
    out.push('# HELP walletd_auth_failures_total Failed authentications (bad, unknown, revoked or expired tokens)');
    out.push('# TYPE walletd_auth_failures_total counter');
    out.push(`walletd_auth_failures_total ${this.authFailures}`);
    out.push('# HELP walletd_rpc_requests_total JSON-RPC calls by method and outcome');
    out.push('# TYPE walletd_rpc_requests_total counter');
    for (const [key, n] of [...this.requests].sort(([a], [b]) => a.localeCompare(b))) {
      const [method, outcome] = key.split('\u0000') as [string, string];
      out.push(`walletd_rpc_requests_total{method="${label(method)}",outcome="${label(outcome)}"} ${n}`);
    }
    out.push('# HELP walletd_rpc_duration_seconds JSON-RPC call duration');
    out.push('# TYPE walletd_rpc_duration_seconds histogram');
    for (const [method, h] of [...this.durations].sort(([a], [b]) => a.localeCompare(b))) {
      const m = label(method);
      DURATION_BUCKETS.forEach((bound, i) => {
        out.push(`walletd_rpc_duration_seconds_bucket{method="${m}",le="${bound}"} ${h.counts[i]}`);
      });
      out.push(`walletd_rpc_duration_seconds_bucket{method="${m}",le="+Inf"} ${h.count}`);
      out.push(`walletd_rpc_duration_seconds_sum{method="${m}"} ${h.sum}`);
      out.push(`walletd_rpc_duration_seconds_count{method="${m}"} ${h.count}`);
    }
    for (const [name, help] of Object.entries(GAUGE_HELP) as Array<[GaugeName, string]>) {
      const reader = this.gauges.get(name);
      if (!reader) continue;
      let value: number | null;
      try {
        value = await reader();
      } catch {
        // A gauge whose source is down (chain unreachable) is omitted rather than failing the scrape.
        value = null;
      }
      if (value === null || !Number.isFinite(value)) continue;
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
    }
    out.push(...processMetrics(this.startTimeSeconds));
    return `${out.join('\n')}\n`;
  }
}

/** The standard `process_*` metrics every Prometheus client library exports. */
function processMetrics(startTimeSeconds: number): string[] {
  const cpu = cpuUsage();
  const mem = memoryUsage();
  return [
    '# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds',
    '# TYPE process_cpu_seconds_total counter',
    `process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`,
    '# HELP process_resident_memory_bytes Resident memory size in bytes',
    '# TYPE process_resident_memory_bytes gauge',
    `process_resident_memory_bytes ${mem.rss}`,
    // prom-client's nodejs_* names: whether a large RSS is the JS heap or native memory (SQLite).
    '# HELP nodejs_heap_size_total_bytes Process heap size from Node.js in bytes',
    '# TYPE nodejs_heap_size_total_bytes gauge',
    `nodejs_heap_size_total_bytes ${mem.heapTotal}`,
    '# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes',
    '# TYPE nodejs_heap_size_used_bytes gauge',
    `nodejs_heap_size_used_bytes ${mem.heapUsed}`,
    '# HELP nodejs_external_memory_bytes Node.js external memory size in bytes',
    '# TYPE nodejs_external_memory_bytes gauge',
    `nodejs_external_memory_bytes ${mem.external}`,
    // The cap the launchers set (bin/walletd.mjs): how far the heap may grow before V8 collects.
    '# HELP nodejs_heap_size_limit_bytes V8 heap size limit in bytes',
    '# TYPE nodejs_heap_size_limit_bytes gauge',
    `nodejs_heap_size_limit_bytes ${getHeapStatistics().heap_size_limit}`,
    ...runtimeMetrics(),
    '# HELP process_start_time_seconds Start time of the process since unix epoch in seconds',
    '# TYPE process_start_time_seconds gauge',
    `process_start_time_seconds ${Math.floor(startTimeSeconds)}`,
    '# HELP process_uptime_seconds Seconds since the process started',
    '# TYPE process_uptime_seconds gauge',
    `process_uptime_seconds ${uptime()}`,
  ];
}

/** Event-loop delay since the last scrape (then reset, as prom-client does) and open file descriptors. */
function runtimeMetrics(): string[] {
  const out: string[] = [];
  if (loopDelay) {
    // The histogram is in nanoseconds; with no sample yet its min is a huge sentinel, so report 0.
    const sec = (ns: number) => (loopDelay!.count === 0 || !Number.isFinite(ns) ? 0 : ns / 1e9);
    out.push(
      '# HELP nodejs_eventloop_lag_mean_seconds Mean event loop delay since the last scrape',
      '# TYPE nodejs_eventloop_lag_mean_seconds gauge',
      `nodejs_eventloop_lag_mean_seconds ${sec(loopDelay.mean)}`,
      '# HELP nodejs_eventloop_lag_p99_seconds 99th percentile of the event loop delay since the last scrape',
      '# TYPE nodejs_eventloop_lag_p99_seconds gauge',
      `nodejs_eventloop_lag_p99_seconds ${sec(loopDelay.percentile(99))}`,
      '# HELP nodejs_eventloop_lag_max_seconds Longest event loop delay since the last scrape',
      '# TYPE nodejs_eventloop_lag_max_seconds gauge',
      `nodejs_eventloop_lag_max_seconds ${sec(loopDelay.max)}`,
    );
    loopDelay.reset();
  }
  const fds = openFds();
  if (fds !== null) out.push('# HELP process_open_fds Number of open file descriptors', '# TYPE process_open_fds gauge', `process_open_fds ${fds}`);
  const max = maxFds();
  if (max !== null) out.push('# HELP process_max_fds Maximum number of open file descriptors', '# TYPE process_max_fds gauge', `process_max_fds ${max}`);
  return out;
}

/** Open descriptors from /proc/self/fd (Linux); null elsewhere. The listing's own fd is not counted. */
function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return null;
  }
}

/** The soft limit on open files from /proc/self/limits (Linux); null elsewhere or when unlimited. */
function maxFds(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : null;
  } catch {
    return null;
  }
}
