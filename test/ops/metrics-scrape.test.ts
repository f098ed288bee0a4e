/**
 * Issue 15 points 7 and 8 against a real daemon following a real node, with real webhooks: the
 * /metrics exposition is well-formed (HELP and TYPE per family, valid names), carries build info,
 * chain up, webhook, auth and runtime metrics, and the shipped Grafana dashboard and Prometheus
 * alert rules name only metrics that scrape exports. promtool, when on PATH, checks both too.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { delimiter, join } from 'node:path';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonProcess } from '../daemon/daemon-process.ts';
import { freePort, useRegtestNode } from '../harness/regtest-node.ts';
import { rpc, startChainDaemon, until, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { parseYaml } from './mini-yaml.ts';
import { isExported, metricNamesIn, parsePromText, type Family } from './prom-text.ts';

const ctx = useRegtestNode();
const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');
const VERSION = (JSON.parse(read('package.json')) as { version: string }).version;

let d: RunningDaemon;
let hookServer: Server;
let delivered = 0;

beforeAll(async () => {
  const okPort = await freePort();
  hookServer = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      delivered += 1;
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(okPort, '127.0.0.1', resolve));
  const deadPort = await freePort();
  const secret = 'f'.repeat(32);
  d = await startChainDaemon(ctx.node, undefined, {
    WALLETD_NOTIFY_WEBHOOKS: JSON.stringify([
      { url: `http://127.0.0.1:${okPort}/hook`, secret, events: ['block'] },
      { url: `http://127.0.0.1:${deadPort}/nobody-listens`, secret, events: ['block'] },
    ]),
    WALLETD_NOTIFY_WEBHOOK_MAX_ATTEMPTS: '2',
    WALLETD_NOTIFY_WEBHOOK_RETRY_BASE_MS: '1',
    WALLETD_NOTIFY_WEBHOOK_TIMEOUT_MS: '2000',
  });
}, 60_000);

afterAll(async () => {
  d?.child.kill('SIGTERM');
  await d?.exited;
  if (d) rmSync(d.datadir, { recursive: true, force: true });
  await new Promise((resolve) => hookServer?.close(resolve));
});

async function scrape(target: { url: string } = d, token = d.adminToken): Promise<{ text: string; families: Map<string, Family> }> {
  const res = await fetch(`${target.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, families: parsePromText(text) };
}

const value = (families: Map<string, Family>, name: string) => families.get(name)?.samples[0]?.value;

function promtool(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'promtool'))) return join(dir, 'promtool');
  }
  return null;
}

describe('/metrics from a real daemon', () => {
  it('is valid exposition with build info, chain up, webhook, auth and runtime metrics', async () => {
    await ctx.node.mine(1);
    expect((await rpc(d, `wd_0011223344556677_${'a'.repeat(64)}`, 'list_wallets')).error?.data?.code).toBe('UNAUTHORIZED');
    const { text, families } = await until(
      () => scrape(),
      ({ families: f }) => (value(f, 'walletd_webhook_dead_letters_total') ?? 0) >= 1 && (value(f, 'walletd_webhook_deliveries_total') ?? 0) >= 1,
    );
    const build = families.get('walletd_build_info')!;
    expect(build.type).toBe('gauge');
    expect(build.samples).toEqual([{ name: 'walletd_build_info', labels: { version: VERSION, node_version: process.version }, value: 1 }]);
    expect(value(families, 'walletd_chain_up')).toBe(1);
    // Each dead letter took every attempt (2), each failed; the live hook received what was counted.
    expect(value(families, 'walletd_webhook_failures_total')).toBeGreaterThanOrEqual(2 * value(families, 'walletd_webhook_dead_letters_total')!);
    expect(delivered).toBeGreaterThanOrEqual(value(families, 'walletd_webhook_deliveries_total')!);
    expect(value(families, 'walletd_auth_failures_total')).toBeGreaterThanOrEqual(1);
    for (const name of ['nodejs_eventloop_lag_mean_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds', 'nodejs_heap_size_used_bytes']) {
      expect({ name, type: families.get(name)?.type }).toEqual({ name, type: 'gauge' });
      expect(value(families, name)).toBeGreaterThanOrEqual(0);
    }
    const fds = value(families, 'process_open_fds')!;
    expect(fds).toBeGreaterThan(3);
    expect(fds).toBeLessThan(value(families, 'process_max_fds')!);
    expect(families.get('walletd_rpc_duration_seconds')?.type).toBe('histogram');
    const tool = promtool();
    if (tool) {
      const check = spawnSync(tool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.stdout + check.stderr).toBe('');
      expect(check.status).toBe(0);
    }
  }, 60_000);

  it('says walletd_chain_up 0 while the backend is unreachable', async () => {
    const datadir = mkdtempSync(join(tmpdir(), 'walletd-chain-down-'));
    const deadPort = await freePort();
    const down = await startDaemonProcess(datadir, ['--network', 'regtest', '--chain-backend', 'bitcoind', '--chain-url', `http://127.0.0.1:${deadPort}/`, '--chain-user', 'u']);
    try {
      const token = readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
      const { families } = await until(() => scrape(down, token), ({ families: f }) => value(f, 'walletd_chain_up') === 0);
      expect(value(families, 'walletd_chain_up')).toBe(0);
    } finally {
      down.child.kill('SIGTERM');
      await down.exited;
      rmSync(datadir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('docs/grafana-dashboard.json and docs/prometheus-alerts.yml', () => {
  interface Panel { title: string; targets?: Array<{ expr: string }> }

  it('the dashboard covers sync lag, RPC rate and latency, errors, chain up and webhooks, with scraped metrics only', async () => {
    const { families } = await scrape();
    const dash = JSON.parse(read('docs/grafana-dashboard.json')) as { panels: Panel[]; templating: { list: Array<{ query?: unknown }> } };
    const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
    expect(exprs.length).toBeGreaterThan(10);
    for (const { panel, expr } of exprs) {
      const names = metricNamesIn(expr);
      expect({ panel, expr, names: names.length > 0 }).toEqual({ panel, expr, names: true });
      expect({ panel, unknown: names.filter((n) => !isExported(n, families)) }).toEqual({ panel, unknown: [] });
    }
    const all = exprs.map((e) => e.expr).join('\n');
    for (const needed of ['walletd_chain_sync_lag_blocks', 'rate(walletd_rpc_requests_total', 'walletd_rpc_duration_seconds_bucket', 'by (outcome)', 'walletd_chain_up', 'walletd_webhook_failures_total', 'walletd_webhook_dead_letters_total']) {
      expect({ needed, found: all.includes(needed) }).toEqual({ needed, found: true });
    }
    for (const v of dash.templating.list) {
      if (typeof v.query === 'string' && v.query.includes('(')) expect(metricNamesIn(v.query).every((n) => isExported(n, families))).toBe(true);
    }
  }, 30_000);

  it('every alert rule is complete and names only scraped metrics', async () => {
    const { families } = await scrape();
    const doc = parseYaml(read('docs/prometheus-alerts.yml')) as { groups: Array<{ name: string; rules: Array<Record<string, unknown>> }> };
    const rules = doc.groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThanOrEqual(6);
    const names = new Set<string>();
    for (const rule of rules) {
      expect(typeof rule.alert).toBe('string');
      expect(names.has(rule.alert as string)).toBe(false);
      names.add(rule.alert as string);
      expect(['critical', 'warning']).toContain((rule.labels as { severity?: string }).severity);
      expect(typeof (rule.annotations as { summary?: unknown }).summary).toBe('string');
      if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smh]$/);
      const expr = rule.expr as string;
      const used = metricNamesIn(expr);
      expect({ alert: rule.alert, used: used.length > 0, unknown: used.filter((n) => !isExported(n, families)) }).toEqual({ alert: rule.alert, used: true, unknown: [] });
    }
    for (const needed of ['walletd_chain_up', 'walletd_chain_sync_lag_blocks', 'walletd_webhook_dead_letters_total']) {
      expect(rules.some((r) => String(r.expr).includes(needed))).toBe(true);
    }
    const tool = promtool();
    if (tool) {
      const check = spawnSync(tool, ['check', 'rules', new URL('docs/prometheus-alerts.yml', ROOT).pathname], { encoding: 'utf8' });
      expect(check.status).toBe(0);
    }
  }, 30_000);
});
