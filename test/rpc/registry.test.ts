/** The registry refuses a bad table at start, naming the method. */
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { defineMethod, type AnyMethod } from '../../src/rpc/define-method.ts';
import { METHODS } from '../../src/rpc/method-table.ts';
import { buildRegistry } from '../../src/rpc/registry.ts';

const m = (name: string, extra: Partial<AnyMethod> = {}): AnyMethod => ({
  ...defineMethod({
    name, summary: 's', scope: 'wallet:read', params: Type.Object({ a: Type.Optional(Type.String()) }), result: Type.Null(),
    handler: async () => null,
  }),
  ...extra,
});

describe('registry', () => {
  it('accepts the real table and compiles every schema', () => {
    const reg = buildRegistry(METHODS);
    expect(reg.byName.size).toBe(METHODS.length);
    expect(reg.byName.get('get_balance')!.params.Check({ wallet: 'w1' })).toBe(true);
    expect(reg.byName.get('get_balance')!.takesWallet).toBe(true);
  });

  it('refuses a duplicate name', () => {
    expect(() => buildRegistry([m('dup_me'), m('dup_me')])).toThrow(/dup_me.*twice/);
  });

  it('refuses a missing or unknown scope', () => {
    expect(() => buildRegistry([m('no_scope', { scope: undefined as never })])).toThrow(/no_scope.*scope/);
    expect(() => buildRegistry([m('bad_scope', { scope: 'wallet:everything' as never })])).toThrow(/bad_scope.*scope/);
  });

  it('refuses non-object params and unknown positional names', () => {
    expect(() => buildRegistry([m('arr', { params: Type.Array(Type.String()) })])).toThrow(/arr/);
    expect(() => buildRegistry([m('pos', { positional: ['b'] })])).toThrow(/pos.*b/);
  });
});
