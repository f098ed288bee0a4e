// Shared start-up of the two bins. They run the compiled JavaScript in dist/ (built by
// `npm run build`, which `prepare` runs on `npm ci`), with no TypeScript loader in the process
// (SPEC §11). DEV_WALLETD_SOURCES=1 runs src/ through tsx instead: the test suite sets it, so
// tests never run a stale dist/; a checkout that has not been built falls back the same way.
import { existsSync } from 'node:fs';

/** Runs `dist/src/cli/<name>.js`, or `src/cli/<name>.ts` through tsx in development. */
export async function run(name) {
  const compiled = new URL(`../dist/src/cli/${name}.js`, import.meta.url);
  if (process.env.DEV_WALLETD_SOURCES !== '1' && existsSync(compiled)) {
    await import(compiled.href);
    return;
  }
  // tsx's compile cache lives in the shared temp folder, where another local user could plant a
  // compiled module (issue 12): it is off before tsx loads, for this process and its children.
  process.env.TSX_DISABLE_CACHE = '1';
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(`walletd: dist/ is missing and tsx is not installed; run \`npm run build\` first\n`);
    process.exit(1);
  }
  register();
  await import(new URL(`../src/cli/${name}.ts`, import.meta.url).href);
}
