/**
 * `npm run bench [-- --quick] [--only=rpc,sign] [--label=before] [--profile]`: runs the
 * scenarios of issue 10 one after another, prints their tables and writes bench/results/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { report, RESULTS_DIR } from './lib/results.ts';
import { writeSummary } from './lib/summary.ts';
import type { BenchOptions, Scenario } from './lib/scenario.ts';
import { cliScenario } from './scenarios/cli.ts';
import { memoryScenario } from './scenarios/memory.ts';
import { peerScenario } from './scenarios/peer.ts';
import { rpcScenario } from './scenarios/rpc.ts';
import { scaleScenario } from './scenarios/scale.ts';
import { signScenario } from './scenarios/sign.ts';
import { syncScenario } from './scenarios/sync.ts';

const ALL: Scenario[] = [rpcScenario, signScenario, cliScenario, scaleScenario, memoryScenario, syncScenario, peerScenario];

function parseArgs(argv: string[]): { opts: BenchOptions; only: string[] | null } {
  const opts: BenchOptions = { quick: false };
  let only: string[] | null = null;
  for (const arg of argv) {
    const [key, value] = arg.split('=', 2) as [string, string | undefined];
    if (key === '--quick') opts.quick = true;
    else if (key === '--only' && value) only = value.split(',').map((s) => s.trim()).filter(Boolean);
    else if (key === '--label' && value) opts.label = value;
    else if (key === '--profile') opts.profileDir = join(RESULTS_DIR, 'profiles');
    else if (key === '--help' || key === '-h') {
      console.log('npm run bench -- [--quick] [--only=NAME,...] [--label=NAME] [--profile]');
      for (const s of ALL) console.log(`  ${s.name.padEnd(6)} ${s.describe}`);
      process.exit(0);
    } else {
      console.error(`unknown argument ${arg} (try --help)`);
      process.exit(2);
    }
  }
  if (only) {
    const unknown = only.filter((n) => !ALL.some((s) => s.name === n));
    if (unknown.length) {
      console.error(`unknown scenario(s) ${unknown.join(', ')}; known: ${ALL.map((s) => s.name).join(', ')}`);
      process.exit(2);
    }
  }
  return { opts, only };
}

const { opts, only } = parseArgs(process.argv.slice(2));
// Ctrl-C runs the exit hooks that stop the daemons and regtest nodes this run started.
process.once('SIGINT', () => process.exit(130));
if (opts.profileDir) mkdirSync(opts.profileDir, { recursive: true });
const chosen = ALL.filter((s) => !only || only.includes(s.name));
const started = process.hrtime.bigint();
let failed = 0;
for (const s of chosen) {
  const t0 = process.hrtime.bigint();
  console.log(`\n== ${s.name}: ${s.describe}${opts.quick ? ' (quick)' : ''}`);
  try {
    const results = await s.run(opts);
    for (const r of Array.isArray(results) ? results : [results]) console.log(`  wrote ${report(r, opts.label, opts.quick)}`);
  } catch (err) {
    failed++;
    console.error(`scenario ${s.name} failed: ${(err as Error).stack ?? err}`);
  }
  console.log(`  (${s.name} took ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s)`);
}
console.log(`\nsummary: ${writeSummary(opts.label)}`);
console.log(`bench finished in ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
