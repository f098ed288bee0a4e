/**
 * Dependency-free Prometheus text exposition (format 0.0.4) for `GET /metrics` (SPEC §3).
 * Counters and the duration histogram are fed by the dispatcher's `onCall` hook; gauges are read
 * through callbacks the daemon registers, so the metrics module never reaches into the wallet.
 */
import { cpuUsage, memoryUsage, uptime } from 'node:process';

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

/** Collects walletd's metrics and renders them as Prometheus text. */
export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly durations = new Map<string, Histogram>();
  private readonly gauges = new Map<GaugeName, GaugeReader>();
  private readonly startTimeSeconds: number;

  constructor(startTimeMs: number = Date.now() - uptime() * 1000) {
    this.startTimeSeconds = startTimeMs / 1000;
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
    '# HELP process_start_time_seconds Start time of the process since unix epoch in seconds',
    '# TYPE process_start_time_seconds gauge',
    `process_start_time_seconds ${Math.floor(startTimeSeconds)}`,
    '# HELP process_uptime_seconds Seconds since the process started',
    '# TYPE process_uptime_seconds gauge',
    `process_uptime_seconds ${uptime()}`,
  ];
}
