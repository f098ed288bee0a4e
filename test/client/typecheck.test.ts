/**
 * Runs `tsc --noEmit` on two caller fixtures, so `npm test` itself proves that correct use of the
 * typed client compiles and that each misuse (unknown method, renamed param, wrong type, unknown
 * result field) does not.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
const FIXTURES = new URL('./fixtures/', import.meta.url);

function tsc(project: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [TSC, '--noEmit', '-p', fileURLToPath(new URL(project, FIXTURES))], { cwd: ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

describe('typed client (tsc on fixtures)', () => {
  it('compiles a correct caller', async () => {
    const { code, out } = await tsc('tsconfig.good.json');
    expect(out).toBe('');
    expect(code).toBe(0);
  });

  it('rejects every misuse line of the misuse fixture', async () => {
    const { code, out } = await tsc('tsconfig.misuse.json');
    expect(code).not.toBe(0);
    const source = readFileSync(new URL('misuse-caller.ts', FIXTURES), 'utf8').split('\n');
    const misuseLines = source.flatMap((line, i) => (line.includes('// MISUSE') ? [i + 1] : []));
    const errorLines = [...out.matchAll(/misuse-caller\.ts\((\d+),\d+\): error TS\d+/g)].map((m) => Number(m[1]));
    expect(misuseLines.length).toBe(4);
    expect([...new Set(errorLines)].sort((a, b) => a - b)).toEqual(misuseLines);
  });
});
