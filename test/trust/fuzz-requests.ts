/**
 * fast-check generators for the fuzzer (issue 16, point 1): requests for every method of the
 * table whose params the method's own schema rejects, envelope abuse, malformed JSON and batch
 * abuse. Each generated case knows whether it may change state (only schema-valid reads may
 * succeed), so the test can hold rejected calls to "no state change".
 */
import fc from 'fast-check';
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { AnyMethod } from '../../src/rpc/define-method.ts';
import { sampleParams } from '../rpc/sample-params.ts';

/** One generated request: the raw body, and whether the daemon must reject it. */
export interface FuzzCase {
  label: string;
  body: string;
  /** True when every call in the body is invalid, so nothing may change. */
  mustReject: boolean;
  /** True when nothing is to be sent back (a JSON-RPC notification). */
  notification?: boolean;
}

const AMOUNTS = [-1, -0.5, 0.5, 1.5, 1e21, 2.1e15 + 1, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, 0] as const;
const NASTY_STRINGS = [
  '', ' ', '\u0000', '\uffff', '\ud83d\ude00'.repeat(300), 'é'.repeat(5000), 'x'.repeat(70_000), '../../etc/passwd',
  '<script>', "'; DROP TABLE wallets; --", '%s%s%n', '\u202e', 'null', '__proto__', 'constructor', '1e999',
] as const;
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'] as const;

/** Any JSON value, small, including nasty strings and numbers. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, {}, [], ...AMOUNTS, ...NASTY_STRINGS),
  fc.string({ maxLength: 40, unit: 'grapheme' }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Values that are wrong for `schema` most of the time; the caller filters by Value.Check. */
function wrongFor(schema: TSchema): fc.Arbitrary<unknown> {
  const kind = schema[Kind] as string;
  const tooLong = typeof schema.maxLength === 'number' && schema.maxLength < 100_000 ? [fc.constant('w'.repeat(schema.maxLength + 1))] : [];
  if (kind === 'Integer' || kind === 'Number') return fc.oneof(fc.constantFrom<unknown>(...AMOUNTS, '100', '0x10', true, [1]), anyValue);
  if (kind === 'String') return fc.oneof(...tooLong, fc.constantFrom<unknown>(1, -1, 0.5, true, null, {}, ['x']), anyValue);
  return anyValue;
}

/** Params for `method` that its schema rejects: one field replaced, an extra key, or a non-object. */
function badParams(method: AnyMethod): fc.Arbitrary<unknown> {
  const base = sampleParams(method);
  const props = Object.entries((method.params.properties ?? {}) as Record<string, TSchema>);
  const replaced = props.length === 0
    ? anyValue.map((v) => ({ [`k${String(v).length}`]: v }))
    : fc.constantFrom(...props).chain(([key, schema]) => wrongFor(schema).map((v) => ({ ...base, [key]: v })));
  const extra = fc.tuple(fc.oneof(fc.constantFrom<string>(...PROTO_KEYS), fc.string({ minLength: 1, maxLength: 20 })), anyValue)
    .map(([key, v]) => JSON.parse(`{${JSON.stringify(base).slice(1, -1)}${Object.keys(base).length ? ',' : ''}${JSON.stringify(key)}:${JSON.stringify(v)}}`) as unknown);
  const nonObject = fc.oneof(fc.constantFrom<unknown>('x', 1, true), fc.array(anyValue, { maxLength: 4 }));
  return fc.oneof(replaced, replaced, extra, nonObject).filter((p) => {
    if (Array.isArray(p)) return !!method.positional && p.length > method.positional.length; // too many positional
    return !Value.Check(method.params, p);
  });
}

/** A JSON text whose `__proto__`-style keys stay own keys (JSON.stringify keeps them so). */
function request(method: string, params: unknown, id: unknown = 1): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params });
}

/** Every kind of generated case for the methods in `methods`. */
export function fuzzCases(methods: readonly AnyMethod[], maxBodyBytes: number): fc.Arbitrary<FuzzCase> {
  const method = fc.constantFrom(...methods);
  const invalidCall = method.chain((m) => badParams(m).map((p) => ({ m, p })));
  const readMethods = methods.filter((m) => !m.audited && !m.kdf && !m.websocketOnly);
  return fc.oneof(
    { weight: 10, arbitrary: invalidCall.map(({ m, p }): FuzzCase => ({ label: `bad params ${m.name}`, body: request(m.name, p), mustReject: true })) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...readMethods).map((m): FuzzCase => ({ label: `read ${m.name}`, body: request(m.name, sampleParams(m)), mustReject: false })),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(invalidCall, fc.constantFrom<unknown>('2.0x', 2, null, undefined)).map(([{ m, p }, v]): FuzzCase => ({
        label: `bad envelope ${m.name}`, body: JSON.stringify({ jsonrpc: v, id: 7, method: m.name, params: p }), mustReject: true,
      })),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom<unknown>(1, null, {}, [], 'rpc.', 'constructor', '__proto__', 'toString')), anyValue)
        .filter(([name]) => !methods.some((m) => m.name === name))
        .map(([name, p]): FuzzCase => ({ label: 'unknown method', body: JSON.stringify({ jsonrpc: '2.0', id: 'u', method: name, params: p }), mustReject: true })),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(invalidCall, fc.constantFrom<unknown>({}, [], 1.5, 'x'.repeat(10_000), -1e308, true)).map(([{ m, p }, id]): FuzzCase => ({
        label: `odd id ${m.name}`, body: request(m.name, p, id), mustReject: true,
      })),
    },
    {
      weight: 3,
      arbitrary: fc.oneof(
        fc.string({ maxLength: 200 }),
        invalidCall.chain(({ m, p }) => fc.nat().map((cut) => { const t = request(m.name, p); return t.slice(0, cut % Math.max(1, t.length)); })),
        fc.constantFrom('', '{', '[', '[{}', '{"jsonrpc":"2.0",', 'null', '1', '"x"', '[1,2]', '{}', '[[]]', '['.repeat(5000) + ']'.repeat(5000)),
        fc.constantFrom('{"jsonrpc":"2.0","id":1,"method":"get_balance","params":{"wallet":1e999}}', '{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"x"}'),
      ).map((body): FuzzCase => ({ label: 'malformed JSON', body, mustReject: true })),
    },
    {
      weight: 2,
      arbitrary: fc.array(invalidCall, { minLength: 0, maxLength: 30 }).map((calls): FuzzCase => ({
        label: `batch of ${calls.length}`, body: JSON.stringify(calls.map(({ m, p }, i) => ({ jsonrpc: '2.0', id: i, method: m.name, params: p }))), mustReject: true,
      })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(1_001, 5_000).map((n): FuzzCase => ({
        label: `batch of ${n} reads`, body: JSON.stringify(Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'list_wallets', params: {} }))), mustReject: true,
      })),
    },
    {
      weight: 1,
      arbitrary: invalidCall.map(({ m, p }): FuzzCase => ({ label: `notification ${m.name}`, body: JSON.stringify({ jsonrpc: '2.0', method: m.name, params: p }), mustReject: true, notification: true })),
    },
    {
      weight: 1,
      arbitrary: fc.constant<FuzzCase>({ label: 'oversized body', body: request('list_wallets', { pad: 'z'.repeat(maxBodyBytes + 1) }), mustReject: true }),
    },
  );
}
