/**
 * Results files: every scenario writes `bench/results/<scenario>[.<label>].json` with the
 * machine, the git commit, its table, its targets and its raw samples.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable, printTable } from './table.ts';

/** Where results land. */
export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** The machine a run happened on. */
export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  kernel: string;
}

/** CPU model, core count, memory, Node version and kernel of this machine. */
export function machine(): Machine {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
  };
}

/** The commit under test, with `-dirty` when the work tree has changes. */
export function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bin'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

/** A target of the issue, and whether this run met it. */
export interface Target {
  what: string;
  target: string;
  measured: string;
  met: boolean;
}

/** What a scenario hands back to the runner. */
export interface ScenarioResult {
  scenario: string;
  title: string;
  headers: string[];
  rows: string[][];
  targets: Target[];
  notes?: string[];
  config: Record<string, unknown>;
  raw: unknown;
}

/** Prints the scenario's table and targets, and writes its JSON file; returns the file path. */
export function report(result: ScenarioResult, label: string | undefined, quick: boolean): string {
  printTable(result.title, result.headers, result.rows);
  for (const t of result.targets) console.log(`  target ${t.met ? 'MET   ' : 'MISSED'} ${t.what}: ${t.target}; measured ${t.measured}`);
  for (const n of result.notes ?? []) console.log(`  note: ${n}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${result.scenario}${label ? `.${label}` : ''}.json`);
  const doc = {
    ...result,
    label: label ?? null,
    quick,
    finishedAt: new Date().toISOString(),
    machine: machine(),
    commit: gitCommit(),
    markdown: markdownTable(result.headers, result.rows),
  };
  writeFileSync(file, JSON.stringify(doc, null, 1) + '\n');
  return file;
}
