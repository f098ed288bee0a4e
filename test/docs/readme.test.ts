/**
 * The README documents everything the table and the config schema declare, so docs cannot
 * silently fall behind the code (both lists are generated, nobody keeps a second one by hand).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configKeys } from '../../src/config/load-config.ts';
import { METHODS } from '../../src/rpc/method-table.ts';
import { SCOPES } from '../../src/rpc/scopes.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('lists every RPC method with its scope', () => {
    const missing = METHODS.filter((m) => !readme.includes(`| \`${m.name}\` | \`${m.scope}\` |`)).map((m) => m.name);
    expect(missing).toEqual([]);
  });

  it('lists every config key with its environment variable', () => {
    const missing = configKeys().filter((k) => !readme.includes(`| \`${k.path}\` | \`${k.envName}\``)).map((k) => k.path);
    expect(missing).toEqual([]);
  });

  it('names every scope', () => {
    expect(SCOPES.filter((s) => !readme.includes(`\`${s}\``))).toEqual([]);
  });

  it('gives the two set-up commands', () => {
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
  });
});
