// Builds the reference web UI into dist/ (index.html, app.js, app.css) with esbuild, after a
// strict type check of its sources, and prints the bundle's size (raw and gzip) for the README.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const here = new URL('.', import.meta.url).pathname;
// An optional argument names another output folder (the browser test builds into its own).
const dist = process.argv[2] ?? `${here}dist`;
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', `${here}tsconfig.json`], { stdio: 'inherit' });
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: [`${here}src/main.ts`],
  outfile: `${dist}/app.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome109', 'firefox115', 'safari16'],
  minify: true,
  legalComments: 'eof',
  // Node-only parts of the client, never reached in a page: node:http (the unix-socket
  // transport) and the `ws` package (the client takes the browser's WebSocket outside Node).
  external: ['node:*', 'ws'],
  // Bundle the client from its sources, so the UI never ships a stale dist/ of it (the type check
  // reads the package's own .d.ts, which `npm run build` writes first).
  alias: { '@walletd/client': `${here}../typescript/src/index.ts` },
  logLevel: 'warning',
});
for (const file of ['index.html', 'app.css']) copyFileSync(`${here}${file}`, `${dist}/${file}`);
const sizes = ['app.js', 'app.css', 'index.html'].map((f) => readFileSync(`${dist}/${f}`));
const raw = sizes.reduce((n, b) => n + b.length, 0);
const gz = sizes.reduce((n, b) => n + gzipSync(b).length, 0);
if (!process.env.WALLETD_QUIET_BUILD) process.stdout.write(`${dist}: ${(raw / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gzip\n`);
