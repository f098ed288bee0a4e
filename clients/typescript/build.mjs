// Builds dist/esm and dist/cjs (each with its .d.ts) with the repository's TypeScript. Each
// folder gets a package.json naming its module format, so Node and TypeScript read the
// .js and .d.ts files in it as ESM or CommonJS whatever the package's own "type" says.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const here = new URL('.', import.meta.url).pathname;
rmSync(`${here}dist`, { recursive: true, force: true });
for (const [config, dir, type] of [['tsconfig.esm.json', 'esm', 'module'], ['tsconfig.cjs.json', 'cjs', 'commonjs']]) {
  execFileSync(process.execPath, [tsc, '-p', `${here}${config}`], { stdio: 'inherit' });
  mkdirSync(`${here}dist/${dir}`, { recursive: true });
  writeFileSync(`${here}dist/${dir}/package.json`, `${JSON.stringify({ type })}\n`);
}
