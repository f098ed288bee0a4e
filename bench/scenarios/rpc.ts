/**
 * Scenario 1, RPC overhead: walletd's `get_balance` and `list_wallets` over HTTP keep-alive,
 * the unix socket and WebSocket at 1, 10 and 50 connections, interleaved with two baselines
 * in their own process: a bare fastify route and fastify + json-rpc-2.0 answering `ping`.
 */
import { join } from 'node:path';
import { interleave } from '../lib/interleave.ts';
import { startLoadGenerator, type LoadResult, type LoadTarget } from '../lib/load.ts';
import { mintToken, startBaselines, startBenchDaemon, startRegtestNode } from '../lib/daemon.ts';
import { RESULTS_DIR, type ScenarioResult, type Target } from '../lib/results.ts';
import type { BenchOptions, Scenario } from '../lib/scenario.ts';
import { fmt, fmtSpread, ratios, spread } from '../lib/stats.ts';
import { writeCdfChart } from '../lib/svg.ts';

type Transport = 'http' | 'unix' | 'ws';
const TRANSPORTS: Transport[] = ['http', 'unix', 'ws'];
const CONNS = [1, 10, 50];

const body = (method: string, params: unknown) => JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });

async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const durationMs = opts.quick ? 400 : 2000;
  const warmupMs = opts.quick ? 100 : 300;
  const repeats = opts.quick ? 3 : 5;
  const load = await startLoadGenerator();
  const baselines = await startBaselines();
  // get_balance needs a chain backend (offline it answers CHAIN_UNAVAILABLE).
  const node = await startRegtestNode();
  const daemon = await startBenchDaemon({ node, ...(opts.profileDir ? { profileDir: opts.profileDir } : {}) });
  try {
    const wallet = (await daemon.call<{ id: string }>('create_wallet', { name: 'bench-rpc' })).id;
    const token = await mintToken(daemon, ['wallet:read']);
    const target = (t: Transport, a: { origin: string; socketPath: string; wsUrl: string }): LoadTarget =>
      t === 'http' ? { kind: 'http', origin: a.origin, path: '/rpc' } : t === 'unix' ? { kind: 'unix', socketPath: a.socketPath, path: '/rpc' } : { kind: 'ws', url: a.wsUrl };
    const walletdAddrs = { origin: daemon.url, socketPath: daemon.socket, wsUrl: daemon.wsUrl };
    const arms = (t: Transport, connections: number) => [
      { name: 'get_balance', target: target(t, walletdAddrs), token, body: body('get_balance', { wallet }) },
      { name: 'list_wallets', target: target(t, walletdAddrs), token, body: body('list_wallets', {}) },
      { name: 'json-rpc-2.0 ping', target: target(t, baselines.jsonrpc), body: body('ping', {}) },
      { name: 'bare fastify', target: target(t, baselines.bare), body: body('ping', {}) },
    ].map((a) => ({
      name: a.name,
      run: async () => {
        const r = await load.run({ target: a.target, ...(a.token ? { token: a.token } : {}), body: a.body, connections, durationMs, warmupMs });
        if (r.errors > 0) throw new Error(`${a.name} over ${t} x${connections}: ${r.errors} errors, first: ${r.firstError}`);
        return r;
      },
    }));

    const rows: string[][] = [];
    const raw: Record<string, Record<string, LoadResult[]>> = {};
    const targets: Target[] = [];
    const worstRatio: number[] = [];
    let p99At10: number | null = null;
    for (const t of TRANSPORTS) {
      for (const c of CONNS) {
        const res = await interleave(arms(t, c), repeats);
        const cell = `${t} x${c}`;
        raw[cell] = Object.fromEntries(res);
        const rps = (name: string) => res.get(name)!.map((r) => r.reqPerSec);
        const ref = rps('json-rpc-2.0 ping');
        for (const [name, results] of res) {
          const med = (k: 'p50' | 'p99' | 'p999') => spread(results.map((r) => r.latencyUs[k])).median;
          const ratio = ratios(rps(name), ref);
          rows.push([cell, name, fmtSpread(spread(rps(name))), fmt(med('p50')), fmt(med('p99')), fmt(med('p999')), fmtSpread(ratio, 2)]);
          if (name === 'get_balance' || name === 'list_wallets') worstRatio.push(ratio.median);
          if (name === 'get_balance' && t === 'http' && c === 10) p99At10 = med('p99');
        }
        if (t === 'http' && c === 10) {
          writeCdfChart(join(RESULTS_DIR, `rpc-latency-http-x10${opts.label ? `.${opts.label}` : ''}.svg`), 'RPC latency CDF, HTTP keep-alive, 10 connections', 'latency µs',
            [...res].map(([name, results]) => ({ label: name, samples: results.flatMap((r) => r.samplesUs) })));
        }
      }
    }
    const minRatio = Math.min(...worstRatio);
    targets.push({ what: 'walletd req/s vs json-rpc-2.0 baseline (worst cell)', target: '>= 0.5x', measured: `${fmt(minRatio, 2)}x`, met: minRatio >= 0.5 });
    targets.push({ what: 'get_balance p99 at 10 HTTP connections', target: '< 5 ms', measured: `${fmt((p99At10 ?? NaN) / 1000)} ms`, met: (p99At10 ?? Infinity) < 5000 });
    return {
      scenario: 'rpc',
      title: `RPC overhead (${repeats} interleaved repeats of ${durationMs} ms; req/s median (min..max); latency µs, medians of repeats)`,
      headers: ['transport x conns', 'server', 'req/s', 'p50 µs', 'p99 µs', 'p99.9 µs', 'ratio vs json-rpc-2.0'],
      rows,
      targets,
      config: { durationMs, warmupMs, repeats, transports: TRANSPORTS, connections: CONNS, rateLimitPerMin: 'lifted' },
      raw,
    };
  } finally {
    await daemon.stop();
    await node.stop();
    await baselines.stop();
    await load.close();
  }
}

/** Scenario 1 of issue 10. */
export const rpcScenario: Scenario = { name: 'rpc', describe: 'RPC overhead vs fastify and fastify + json-rpc-2.0', run };
