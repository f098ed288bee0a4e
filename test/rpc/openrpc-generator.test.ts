/**
 * SPEC §11: a TypeScript client generated from rpc.discover by @open-rpc/generator compiles.
 * Before issue 14 it did not: a param was named `new`, required params followed optional ones,
 * and `rpc.discover` was listed as a method (a class member cannot be named `rpc.discover`).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOpenRpcDocument } from '../../src/rpc/discover.ts';
import { METHODS } from '../../src/rpc/method-table.ts';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const ROOT = new URL('../..', import.meta.url).pathname;
const TSC = require.resolve('typescript/bin/tsc');

type Generate = (opts: { openrpcDocument: unknown; outDir: string; components: unknown[] }) => Promise<void>;
// The package is CommonJS with an ES-module default export.
const generator = require('@open-rpc/generator') as { default: Generate };

// Inside the repository, so the generated code resolves its imports from our node_modules.
mkdirSync(join(ROOT, '.tmp'), { recursive: true });
const dir = mkdtempSync(join(ROOT, '.tmp', 'openrpc-gen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('@open-rpc/generator', () => {
  it('generates a TypeScript client from rpc.discover that tsc compiles', async () => {
    const doc = buildOpenRpcDocument(METHODS, '0.0.0');
    await generator.default({
      openrpcDocument: doc,
      outDir: dir,
      components: [{ type: 'client', language: 'typescript', name: 'walletd-openrpc-client' }],
    });
    const project = join(dir, 'client', 'typescript');
    const source = readFileSync(join(project, 'src', 'index.ts'), 'utf8');
    expect(source).toContain('public set_passphrase: SetPassphrase');
    expect(source).toMatch(/export type SetPassphrase = \(newPassphrase: \w+, wallet\?: \w+, oldPassphrase\?: \w+\)/);

    // The generator's own tsconfig (strict, CommonJS, declarations), plus skipLibCheck: the
    // typings of @open-rpc/client-js import isomorphic-fetch, which ships no .d.ts.
    const tsconfig = JSON.parse(readFileSync(join(project, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    tsconfig.compilerOptions.skipLibCheck = true;
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const result = await run(process.execPath, [TSC, '-p', project], { cwd: project }).then(
      () => ({ code: 0, out: '' }),
      (err: { code?: number; stdout?: string }) => ({ code: err.code ?? 1, out: err.stdout ?? '' }),
    );
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
    expect(existsSync(join(project, 'build', 'index.js'))).toBe(true);
    expect(readFileSync(join(project, 'build', 'index.d.ts'), 'utf8')).toContain('get_balance: GetBalance');
  });
});
