/**
 * Scenario 6, CLI: one `walletctl get_balance` process against `node -e 0` (the floor of any
 * Node.js CLI) and `litecoin-cli getblockcount` (a C++ RPC client), interleaved in one run.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { interleave } from '../lib/interleave.ts';
import { startBenchDaemon, startRegtestNode } from '../lib/daemon.ts';
import type { ScenarioResult } from '../lib/results.ts';
import type { BenchOptions, Scenario } from '../lib/scenario.ts';
import { fmt, fmtSpread, ratios, spread } from '../lib/stats.ts';

const WALLETCTL = fileURLToPath(new URL('../../bin/walletctl.mjs', import.meta.url));
const CLI_CANDIDATES = ['/usr/lib/litecoin/litecoin-cli', '/usr/bin/litecoin-cli'];

/** Wall time in ms of one process from spawn to exit; throws on a non-zero exit. */
function timeProcess(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(0, 300)}`));
    });
  });
}

async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const repeats = opts.quick ? 5 : 15;
  const node = await startRegtestNode();
  const d = await startBenchDaemon({ node });
  try {
    const wallet = (await d.call<{ id: string }>('create_wallet', { name: 'bench-cli' })).id;
    const cli = CLI_CANDIDATES.find((p) => existsSync(p));
    const port = new URL(node.url).port;
    const arms = [
      { name: 'walletctl get_balance', run: () => timeProcess(process.execPath, [WALLETCTL, '--datadir', d.datadir, 'get_balance', '--wallet', wallet]) },
      { name: 'node -e 0', run: () => timeProcess(process.execPath, ['-e', '0']) },
      ...(cli
        ? [{ name: 'litecoin-cli getblockcount', run: () => timeProcess(cli, ['-regtest', '-rpcconnect=127.0.0.1', `-rpcport=${port}`, `-rpcuser=${node.user}`, `-rpcpassword=${node.password}`, 'getblockcount']) }]
        : []),
    ];
    // One untimed call of each warms the page cache, as a user's second call would be.
    for (const a of arms) await a.run();
    const res = await interleave(arms, repeats);
    const floor = res.get('node -e 0')!;
    const rows = [...res].map(([k, v]) => [k, fmtSpread(spread(v)), fmtSpread(ratios(v, floor), 2)]);
    const vsNode = ratios(res.get('walletctl get_balance')!, floor);
    return {
      scenario: 'cli',
      title: `CLI: one process, spawn to exit (${repeats} interleaved repeats; ms median (min..max))`,
      headers: ['command', 'ms', 'x node -e 0'],
      rows,
      targets: [{ what: 'walletctl get_balance vs node -e 0', target: '< 3x', measured: `${fmt(vsNode.median, 2)}x`, met: vsNode.median < 3 }],
      notes: cli ? [`litecoin-cli: ${cli}`] : ['litecoin-cli not found; its row is missing'],
      config: { repeats, transport: 'unix socket (walletctl default: <datadir>/walletd.sock)' },
      raw: Object.fromEntries(res),
    };
  } finally {
    await d.stop();
    await node.stop();
  }
}

/** Scenario 6 of issue 10. */
export const cliScenario: Scenario = { name: 'cli', describe: 'walletctl vs node -e 0 vs litecoin-cli', run };
