/**
 * `npm run gen`: writes the files generated from the method table: the client's method types
 * (clients/typescript/src/generated/methods.ts), docs/api.md, walletctl's method catalog, and
 * README's walletctl exit-code table (from the error registry). `--check` writes nothing and
 * exits 1 when a file is out of date (tests do the same check in `npm test`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderExitTable } from '../src/cli/walletctl-exit.ts';
import { METHODS } from '../src/rpc/method-table.ts';
import { API_DOC_PATH, renderApiDoc } from './gen/api-doc.ts';
import { CLI_CATALOG_PATH, renderCliCatalog } from './gen/cli-catalog.ts';
import { CLIENT_TYPES_PATH, renderClientTypes } from './gen/client-types.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
/** README with its walletctl exit-code table rendered from the error registry (between its markers). */
function readmeWithExitTable(): string {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  return readme.replace(/(<!-- exit-codes:start[^>]*-->\n)[\s\S]*?(\n<!-- exit-codes:end -->)/, (_m, a: string, b: string) => a + renderExitTable() + b);
}

const outputs: Array<[string, string]> = [
  [CLIENT_TYPES_PATH, renderClientTypes(METHODS)],
  [API_DOC_PATH, renderApiDoc(METHODS)],
  [CLI_CATALOG_PATH, renderCliCatalog(METHODS)],
  ['README.md', readmeWithExitTable()],
];
const check = process.argv.includes('--check');
let stale = 0;
for (const [path, text] of outputs) {
  const full = `${root}${path}`;
  let current = '';
  try {
    current = readFileSync(full, 'utf8');
  } catch {
    // A missing file is stale.
  }
  if (current === text) continue;
  stale++;
  if (check) console.error(`${path} is out of date: run npm run gen`);
  else {
    writeFileSync(full, text);
    console.log(`wrote ${path}`);
  }
}
process.exitCode = check && stale > 0 ? 1 : 0;
