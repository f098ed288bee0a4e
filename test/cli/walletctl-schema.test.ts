/** Unit tests of walletctl's schema-driven flag parsing, output formatting and connection lookup. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { endpointOf, tokenOf } from '../../src/cli/walletctl-connect.ts';
import { formatHuman } from '../../src/cli/walletctl-output.ts';
import { kebab, paramSpecs, parseValue, UsageError } from '../../src/cli/walletctl-schema.ts';
import { METHODS } from '../../src/rpc/method-table.ts';

describe('walletctl flag parsing', () => {
  it('parses values by schema type', () => {
    expect(parseValue(Type.Integer(), '42', '--n')).toBe(42);
    expect(parseValue(Type.Number(), '1.5', '--fee-rate')).toBe(1.5);
    expect(parseValue(Type.Boolean(), true, '--change')).toBe(true);
    expect(parseValue(Type.Boolean(), 'false', '--change')).toBe(false);
    expect(parseValue(Type.Array(Type.String()), 'a, b', '--wallets')).toEqual(['a', 'b']);
    expect(parseValue(Type.Array(Type.Object({ amount: Type.Integer() })), '[{"amount":1}]', '--outputs')).toEqual([{ amount: 1 }]);
    expect(parseValue(Type.Union([Type.Literal('p2wpkh'), Type.Literal('p2tr')]), 'p2tr', '--address-type')).toBe('p2tr');
    expect(parseValue(Type.String(), '007', '--label')).toBe('007');
  });

  it.each([
    [Type.Integer(), '1.5'],
    [Type.Integer(), ''],
    [Type.Integer(), '9007199254740993'],
    [Type.Integer(), '0x10'],
    [Type.Number(), 'abc'],
    [Type.Boolean(), 'maybe'],
    [Type.Object({}), '{nope'],
    [Type.Array(Type.Integer()), '1,x'],
  ])('refuses a bad value with a UsageError (%#)', (schema, raw) => {
    expect(() => parseValue(schema, raw, '--x')).toThrow(UsageError);
  });

  it('derives flags for every method from the table, with required params marked', () => {
    const send = METHODS.find((m) => m.name === 'send_transaction')!;
    const specs = paramSpecs(send.params);
    expect(specs.map((s) => s.flag)).toEqual(expect.arrayContaining(['wallet', 'outputs', 'fee-rate', 'conf-target']));
    expect(specs.find((s) => s.name === 'outputs')!.required).toBe(true);
    expect(specs.find((s) => s.name === 'wallet')!.required).toBe(false);
    for (const m of METHODS) for (const s of paramSpecs(m.params)) expect(s.flag).toBe(kebab(s.name));
  });
});

describe('walletctl output', () => {
  it('prints arrays of rows as a table and objects as key-value lines', () => {
    const table = formatHuman([{ id: 'w1', locked: false }, { id: 'w2', locked: true }]).split('\n');
    expect(table[0]).toMatch(/^id\s+locked$/);
    expect(table[2]).toMatch(/^w1\s+false$/);
    const kv = formatHuman({ confirmed: 5, sync: { state: 'synced' } });
    expect(kv).toContain('confirmed:');
    expect(kv).toMatch(/sync\.state:\s+synced/);
    expect(formatHuman(true)).toBe('true');
  });
});

describe('walletctl connection lookup', () => {
  it('defaults to the data dir socket; --url wins; --url with --socket is bad usage', () => {
    expect(endpointOf({}, {})).toEqual({ socketPath: resolve('data/walletd.sock') });
    expect(endpointOf({}, { WALLETD_DATADIR: '/srv/wd' })).toEqual({ socketPath: '/srv/wd/walletd.sock' });
    expect(endpointOf({ url: 'http://127.0.0.1:7380' }, {})).toEqual({ url: 'http://127.0.0.1:7380' });
    expect(() => endpointOf({ url: 'http://x', socket: '/s' }, {})).toThrow(UsageError);
    expect(() => endpointOf({ url: 'ftp://x' }, {})).toThrow(UsageError);
  });

  it('takes the token from --token, then WALLETD_TOKEN, then <datadir>/admin.token', () => {
    const dir = mkdtempSync(join(tmpdir(), 'walletctl-token-'));
    try {
      writeFileSync(join(dir, 'admin.token'), 'wd_file_token\n');
      expect(tokenOf({ datadir: dir, token: 'wd_flag' }, { WALLETD_TOKEN: 'wd_env' })).toBe('wd_flag');
      expect(tokenOf({ datadir: dir }, { WALLETD_TOKEN: 'wd_env' })).toBe('wd_env');
      expect(tokenOf({ datadir: dir }, {})).toBe('wd_file_token');
      expect(tokenOf({ datadir: join(dir, 'missing') }, {})).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
