/**
 * A small Dockerfile reader for the ops tests: enough of the Dockerfile reference (line
 * continuations, comments, exec form, `ENV k=v`, `HEALTHCHECK [opts] CMD`) to run the image's
 * own CMD and HEALTHCHECK without a Docker engine.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Repository root (where the Dockerfile, bin/ and src/ live). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One instruction after continuation lines are joined. */
export interface Instruction {
  keyword: string;
  args: string;
  /** 1-based line of the instruction's first line. */
  line: number;
}

/** Reads the repository's Dockerfile as text. */
export function readDockerfile(): string {
  return readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
}

/** Splits a Dockerfile into instructions; comment lines inside a continuation are dropped, as Docker does. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!;
    if (/^\s*(#|$)/.test(first)) continue;
    const start = i + 1;
    let joined = first;
    while (/\\\s*$/.test(joined) && i + 1 < lines.length) {
      joined = joined.replace(/\\\s*$/, ' ');
      i++;
      if (/^\s*#/.test(lines[i]!)) {
        joined += ' \\';
        continue;
      }
      joined += lines[i]!;
    }
    const m = /^\s*(\S+)\s*(.*)$/.exec(joined)!;
    out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
  }
  return out;
}

/** Instructions grouped by build stage (each begins at a FROM). */
export function stages(instructions: Instruction[]): Instruction[][] {
  const result: Instruction[][] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') result.push([]);
    result.at(-1)?.push(ins);
  }
  return result;
}

/** The last stage: what `docker run` executes. */
export function runtimeStage(text: string = readDockerfile()): Instruction[] {
  const all = stages(parseDockerfile(text));
  const last = all.at(-1);
  if (!last) throw new Error('Dockerfile has no FROM');
  return last;
}

/** `ENV a=1 b="two words"` (and the legacy `ENV a 1`) as a map. */
export function parseEnvArgs(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  if (!/^[^\s=]+=/.test(args)) {
    const [key, ...rest] = args.split(/\s+/);
    env[key!] = rest.join(' ');
    return env;
  }
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) {
    const raw = m[2]!;
    env[m[1]!] = /^["']/.test(raw) ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  return env;
}

/** Every ENV of a stage, later ones overriding earlier ones. */
export function stageEnv(stage: Instruction[]): Record<string, string> {
  return Object.assign({}, ...stage.filter((i) => i.keyword === 'ENV').map((i) => parseEnvArgs(i.args)));
}

/** The exec-form (JSON array) arguments of CMD/ENTRYPOINT, or null for the shell form. */
export function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) return null;
  return parsed;
}

/** The single instruction `keyword` of a stage (the last wins, as in Docker). */
export function lastOf(stage: Instruction[], keyword: string): Instruction | undefined {
  return stage.filter((i) => i.keyword === keyword).at(-1);
}

/** `HEALTHCHECK --interval=30s ... CMD ...`: its options and its command (exec form, or `sh -c` for the shell form). */
export function parseHealthcheck(args: string): { options: Record<string, string>; command: string[] } {
  const options: Record<string, string> = {};
  let rest = args;
  for (let m = /^--([a-z-]+)=(\S+)\s+/.exec(rest); m; m = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
    options[m[1]!] = m[2]!;
    rest = rest.slice(m[0].length);
  }
  const cmd = /^CMD\s+(.*)$/is.exec(rest);
  if (!cmd) throw new Error(`HEALTHCHECK without CMD: ${args}`);
  const body = cmd[1]!.trim();
  return { options, command: execForm(body) ?? ['/bin/sh', '-c', body] };
}
