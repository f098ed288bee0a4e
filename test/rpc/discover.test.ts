/**
 * rpc.discover: an OpenRPC document generated from the table that real tools accept (SPEC §11,
 * issue 14): the OpenRPC meta-schema and @open-rpc/schema-utils-js validate it, required params
 * come before optional ones, no param is a reserved word, every param and result has a title and
 * a description, every method lists its errors and a valid example.
 */
import { createRequire } from 'node:module';
import type { OpenrpcDocument } from '@open-rpc/meta-schema';
import { validateOpenRPCDocument } from '@open-rpc/schema-utils-js';
import { Ajv } from 'ajv';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import type { JSONRPCResponse } from 'json-rpc-2.0';
import { ERRORS } from '../../src/errors.ts';
import { buildOpenRpcDocument, type OpenRpcDocument } from '../../src/rpc/discover.ts';
import { RpcDispatcher } from '../../src/rpc/dispatcher.ts';
import { METHODS } from '../../src/rpc/method-table.ts';
import { SCOPES } from '../../src/rpc/scopes.ts';
import { fakeServices, makeToken, session } from './fakes.ts';

// The package's typings declare only the document types, not the exported meta-schema value.
const { openrpcDocument } = createRequire(import.meta.url)('@open-rpc/meta-schema') as { openrpcDocument: Record<string, unknown> };

// ECMAScript reserved words (and strict-mode ones): a param named so breaks generated clients.
const RESERVED = new Set(('break case catch class const continue debugger default delete do else enum export extends false ' +
  'finally for function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
  'yield let static implements interface package private protected public await arguments eval').split(' '));

async function served(): Promise<OpenRpcDocument> {
  const f = fakeServices();
  const dispatcher = new RpcDispatcher(METHODS, f.services);
  const { caller } = await makeToken(f.stores, []);
  const res = (await dispatcher.handle({ jsonrpc: '2.0', id: 1, method: 'rpc.discover' }, session(caller))) as JSONRPCResponse;
  return res.result as OpenRpcDocument;
}

function metaValidator() {
  // The meta-schema refers to https://meta.json-schema.tools (JSON Schema draft-07) for every
  // `schema` field; it is not bundled, so register ajv's own draft-07 meta-schema under that id.
  const { $schema: _ignored, ...metaSchema } = openrpcDocument;
  const { $schema: _d, $id: _i, ...draft } = draft07 as Record<string, unknown>;
  const jsonSchemaMeta = {
    ...draft,
    $id: 'https://meta.json-schema.tools',
    definitions: {
      ...(draft.definitions as object),
      JSONSchemaObject: { type: 'object', properties: { $ref: { type: 'string', format: 'uri-reference' } } },
    },
  };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(jsonSchemaMeta);
  ajv.addSchema({ ...jsonSchemaMeta, $id: 'https://meta.json-schema.tools/' });
  return ajv.compile(metaSchema);
}

describe('rpc.discover', () => {
  it('type-checks as the meta-schema package\'s OpenrpcDocument', () => {
    const doc: OpenrpcDocument = buildOpenRpcDocument(METHODS, '0.0.0');
    expect(doc.methods).toHaveLength(METHODS.length - 1);
  });

  it('is served to any valid token and validates against @open-rpc/meta-schema', async () => {
    const doc = await served();
    const validate = metaValidator();
    const valid = validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The validator does bite: a method without a name, or an unknown non-x- key, is refused.
    expect(validate({ ...doc, methods: [{ params: [] }] })).toBe(false);
    expect(validate({ ...doc, methods: [{ ...doc.methods[0], scope: 'wallet:read' }] })).toBe(false);

    const names = doc.methods.map((m) => m.name);
    for (const m of METHODS) if (m.name !== 'rpc.discover') expect(names).toContain(m.name);
    expect(names).toContain('auth');
    const balance = doc.methods.find((m) => m.name === 'get_balance')!;
    expect(balance['x-scope']).toBe('wallet:read');
    expect(balance.paramStructure).toBe('either');
    expect(balance.params.map((p) => p.name)).toEqual(['address', 'wallet']);
    expect((balance.result.schema.properties as Record<string, { type: string }>).confirmed!.type).toBe('integer');
    const send = doc.methods.find((m) => m.name === 'send_transaction')!;
    expect(send).toMatchObject({ 'x-scope': 'wallet:send', 'x-audited': true, paramStructure: 'by-name' });
    expect(send.params[0]).toMatchObject({ name: 'outputs', required: true });
  });

  it('passes @open-rpc/schema-utils-js validation', async () => {
    const doc = await served();
    expect(validateOpenRPCDocument(doc as unknown as OpenrpcDocument)).toBe(true);
    // It bites too: a method without a result schema is refused.
    const broken = { ...doc, methods: [{ ...doc.methods[0], result: { name: 'x' } }] };
    expect(validateOpenRPCDocument(broken as unknown as OpenrpcDocument)).not.toBe(true);
  });

  it('describes rpc.discover as OpenRPC\'s service discovery method, not as a listed method', async () => {
    const doc = await served();
    expect(doc.methods.map((m) => m.name)).not.toContain('rpc.discover');
    expect(doc['x-service-discovery']).toMatchObject({ method: 'rpc.discover', scope: 'any-token' });
    expect(doc.info.description).toContain('rpc.discover');
    expect(doc.info.license.name).toBe('MIT');
  });

  it('orders required params first, uses no reserved word, and titles and describes every param and result', async () => {
    const doc = await served();
    const titles = new Set<string>();
    for (const m of doc.methods) {
      const firstOptional = m.params.findIndex((p) => !p.required);
      const lastRequired = m.params.map((p) => p.required).lastIndexOf(true);
      expect(firstOptional === -1 || lastRequired < firstOptional, `${m.name}: a required param after an optional one`).toBe(true);
      for (const d of [...m.params, m.result]) {
        expect(RESERVED.has(d.name), `${m.name}.${d.name} is a reserved word`).toBe(false);
        expect(d.description.length, `${m.name}.${d.name} has no description`).toBeGreaterThan(0);
        const title = d.schema.title as string;
        expect(title, `${m.name}.${d.name} has no title`).toMatch(/^[A-Z][A-Za-z0-9]*$/);
        // Generated clients name a type after each title: two schemas with one title would clash.
        expect(titles.has(title), `title ${title} used twice`).toBe(false);
        titles.add(title);
      }
    }
  });

  it('lists each method\'s errors with the codes of src/errors.ts, scope errors included', async () => {
    const doc = await served();
    const byNumber = new Map<number, string>(Object.entries(ERRORS).map(([code, e]) => [e.rpcCode, code]));
    for (const m of doc.methods) {
      const codes = m.errors.map((e) => e.data.code);
      expect(codes, m.name).toEqual(expect.arrayContaining(['UNAUTHORIZED', 'TOKEN_EXPIRED', 'INVALID_PARAMS']));
      expect(codes.includes('FORBIDDEN_SCOPE'), m.name).toBe(m['x-scope'] !== 'any-token' || m.params.some((p) => p.name === 'wallet'));
      for (const e of m.errors) if (e.data.code !== 'METHOD_NOT_FOUND') expect(byNumber.get(e.code), `${m.name} ${e.code}`).toBe(e.data.code);
    }
    const codesOf = (name: string) => doc.methods.find((m) => m.name === name)!.errors.map((e) => e.data.code);
    expect(codesOf('get_balance')).toEqual(expect.arrayContaining(['WALLET_NOT_FOUND', 'WALLET_NOT_SELECTED', 'CHAIN_UNAVAILABLE']));
    expect(codesOf('send_transaction')).toEqual(expect.arrayContaining(['INSUFFICIENT_FUNDS', 'SPEND_LIMIT', 'WALLET_LOCKED']));
    expect(codesOf('unlock_wallet')).toContain('BAD_PASSPHRASE');
    expect(codesOf('list_wallets')).not.toContain('WALLET_NOT_SELECTED');
    expect(codesOf('subscribe')).toContain('METHOD_NOT_FOUND');
  });

  it('gives every method an example pairing whose params and result match the schemas', async () => {
    const doc = await served();
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    for (const m of doc.methods) {
      expect(m.examples.length, m.name).toBeGreaterThan(0);
      const [ex] = m.examples;
      expect(ex!.params.map((p) => p.name)).toEqual(m.params.filter((p) => p.required).map((p) => p.name));
      for (const p of ex!.params) {
        const schema = m.params.find((d) => d.name === p.name)!.schema;
        expect(ajv.validate(schema, p.value), `${m.name}.${p.name} example ${JSON.stringify(p.value)}: ${ajv.errorsText()}`).toBe(true);
      }
      expect(ajv.validate(m.result.schema, ex!.result.value), `${m.name} result example: ${ajv.errorsText()}`).toBe(true);
    }
  });

  it('renames set_passphrase\'s params and still accepts new/old as aliases', async () => {
    const doc = await served();
    const set = doc.methods.find((m) => m.name === 'set_passphrase')!;
    expect(set.params.map((p) => [p.name, p.required])).toEqual([['newPassphrase', true], ['wallet', false], ['oldPassphrase', false]]);
    expect(set['x-param-aliases']).toEqual({ new: 'newPassphrase', old: 'oldPassphrase' });

    const f = fakeServices();
    const dispatcher = new RpcDispatcher(METHODS, f.services);
    const { caller } = await makeToken(f.stores, [...SCOPES]);
    const call = async (params: Record<string, unknown>) =>
      (await dispatcher.handle({ jsonrpc: '2.0', id: 1, method: 'set_passphrase', params }, session(caller))) as JSONRPCResponse & { error?: { data: { code: string; field?: string } } };
    expect((await call({ wallet: 'w1', newPassphrase: 'next-pass-1', oldPassphrase: 'old-pass-1' })).result).toBe(true);
    expect((await call({ wallet: 'w1', new: 'next-pass-2', old: 'old-pass-2' })).result).toBe(true);
    const reqs = f.wallets.calls.filter((c) => c.op === 'setPassphrase').map((c) => c.req);
    expect(reqs).toEqual([{ new: 'next-pass-1', old: 'old-pass-1' }, { new: 'next-pass-2', old: 'old-pass-2' }]);
    const both = await call({ wallet: 'w1', new: 'a-pass', newPassphrase: 'b-pass' });
    expect(both.error?.data).toMatchObject({ code: 'INVALID_PARAMS', field: 'new' });
  });
});
