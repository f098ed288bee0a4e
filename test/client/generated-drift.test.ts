/**
 * The files generated from the method table are up to date (issue 14, the tauri-specta lesson):
 * @walletd/client's method types, docs/api.md and walletctl's method catalog. When this fails, run `npm run gen` and commit.
 */
import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { defineMethod } from '../../src/rpc/define-method.ts';
import { METHODS } from '../../src/rpc/method-table.ts';
import { API_DOC_PATH, renderApiDoc } from '../../scripts/gen/api-doc.ts';
import { CLI_CATALOG_PATH, renderCliCatalog } from '../../scripts/gen/cli-catalog.ts';
import { CLIENT_TYPES_PATH, renderClientTypes } from '../../scripts/gen/client-types.ts';

const ROOT = new URL('../..', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');

describe('generated from the method table', () => {
  it.each([
    [CLIENT_TYPES_PATH, renderClientTypes],
    [API_DOC_PATH, renderApiDoc],
    [CLI_CATALOG_PATH, renderCliCatalog],
  ] as const)('%s matches the table (else run `npm run gen`)', (path, render) => {
    expect(read(path) === render(METHODS), `${path} is out of date: run npm run gen`).toBe(true);
  });

  it('notices a new method or a changed param', () => {
    const extra = defineMethod({
      name: 'drift_probe', summary: 'probe', scope: 'wallet:read',
      params: Type.Object({ wallet: Type.Optional(Type.String()), count: Type.Integer() }), result: Type.Boolean(),
      handler: async () => true,
    });
    const types = renderClientTypes([...METHODS, extra]);
    expect(types).not.toBe(read(CLIENT_TYPES_PATH));
    expect(types).toContain('drift_probe: {');
    expect(types).toMatch(/drift_probe: \{\n\s+params: \{[^}]*count: number;/);
    expect(renderApiDoc([...METHODS, extra])).toContain('### `drift_probe`');
    expect(renderCliCatalog([...METHODS, extra])).toContain('"name": "drift_probe"');
  });
});
