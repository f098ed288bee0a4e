/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`) by self time per function:
 *   node --import tsx bench/profile/summarize-cpuprofile.ts FILE.cpuprofile [--top=25]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** One row of the summary: a function, its self time and share of the profile. */
export interface SelfTime {
  fn: string;
  where: string;
  selfMs: number;
  percent: number;
}

function where(url: string, line: number): string {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const short = path.includes('node_modules/') ? path.slice(path.lastIndexOf('node_modules/') + 13) : relative(process.cwd(), path);
  return `${short}:${line + 1}`;
}

/** Self time by function (name + location), largest first; `(idle)` is left out of the total. */
export function selfTimes(profile: CpuProfile): { rows: SelfTime[]; busyMs: number; wallMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const acc = new Map<string, SelfTime>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    if (!node) return;
    const fn = node.callFrame.functionName || '(anonymous)';
    if (fn === '(idle)' || fn === '(program)') return;
    const at = where(node.callFrame.url, node.callFrame.lineNumber);
    const key = `${fn} ${at}`;
    const row = acc.get(key) ?? { fn, where: at, selfMs: 0, percent: 0 };
    row.selfMs += dt;
    busy += dt;
    acc.set(key, row);
  });
  const rows = [...acc.values()].sort((a, b) => b.selfMs - a.selfMs);
  for (const r of rows) r.percent = busy > 0 ? (r.selfMs / busy) * 100 : 0;
  return { rows, busyMs: busy, wallMs: (profile.endTime - profile.startTime) / 1000 };
}

/** Self time by package or source file, which often says more than single functions. */
export function selfByFile(rows: SelfTime[]): SelfTime[] {
  const acc = new Map<string, SelfTime>();
  for (const r of rows) {
    const file = r.where.replace(/:\d+$/, '') || '(native, gc)';
    const pkg = file.startsWith('(') || file.startsWith('node:') ? file.split('/')[0]! : file.startsWith('@') ? file.split('/').slice(0, 2).join('/') : file.includes('/') && !file.startsWith('src/') ? file.split('/')[0]! : file;
    const row = acc.get(pkg) ?? { fn: pkg, where: '', selfMs: 0, percent: 0 };
    row.selfMs += r.selfMs;
    row.percent += r.percent;
    acc.set(pkg, row);
  }
  return [...acc.values()].sort((a, b) => b.selfMs - a.selfMs);
}

/** The summary as Markdown lines. */
export function summaryMarkdown(profile: CpuProfile, top = 15): string {
  const { rows, busyMs, wallMs } = selfTimes(profile);
  const lines = [`busy ${busyMs.toFixed(0)} ms of ${wallMs.toFixed(0)} ms profiled`, '', '| self ms | % | function | where |', '|---:|---:|---|---|'];
  for (const r of rows.slice(0, top)) lines.push(`| ${r.selfMs.toFixed(1)} | ${r.percent.toFixed(1)} | \`${r.fn}\` | ${r.where} |`);
  lines.push('', '| self ms | % | package / file |', '|---:|---:|---|');
  for (const r of selfByFile(rows).slice(0, 8)) lines.push(`| ${r.selfMs.toFixed(1)} | ${r.percent.toFixed(1)} | ${r.fn} |`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: summarize-cpuprofile.ts FILE.cpuprofile [--top=N]');
    process.exit(2);
  }
  const top = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
  console.log(summaryMarkdown(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top));
}
