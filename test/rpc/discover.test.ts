/** rpc.discover: an OpenRPC document generated from the table, valid against the OpenRPC meta-schema. */
import { createRequire } from 'node:module';
import type { OpenrpcDocument } from '@open-rpc/meta-schema';
import { Ajv } from 'ajv';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import type { JSONRPCResponse } from 'json-rpc-2.0';
import { buildOpenRpcDocument } from '../../src/rpc/discover.ts';
import { RpcDispatcher } from '../../src/rpc/dispatcher.ts';
import { METHODS } from '../../src/rpc/method-table.ts';
import { fakeServices, makeToken, session } from './fakes.ts';

// The package's typings declare only the document types, not the exported meta-schema value.
const { openrpcDocument } = createRequire(import.meta.url)('@open-rpc/meta-schema') as { openrpcDocument: Record<string, unknown> };

describe('rpc.discover', () => {
  it('type-checks as the meta-schema package\'s OpenrpcDocument', () => {
    const doc: OpenrpcDocument = buildOpenRpcDocument(METHODS, '0.0.0');
    expect(doc.methods).toHaveLength(METHODS.length);
  });

  it('is served to any valid token and validates against @open-rpc/meta-schema', async () => {
    const f = fakeServices();
    const dispatcher = new RpcDispatcher(METHODS, f.services);
    const { caller } = await makeToken(f.stores, []);
    const res = (await dispatcher.handle({ jsonrpc: '2.0', id: 1, method: 'rpc.discover' }, session(caller))) as JSONRPCResponse;
    const doc = res.result;

    // The OpenRPC meta-schema refers to https://meta.json-schema.tools (the JSON Schema draft-07
    // meta-schema, published by json-schema-tools) for every `schema` field; it is not bundled, so
    // register ajv's own draft-07 meta-schema under that id, with the one definition it names.
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
    // It is referenced both with and without a trailing slash; ajv does not equate the two.
    ajv.addSchema(jsonSchemaMeta);
    ajv.addSchema({ ...jsonSchemaMeta, $id: 'https://meta.json-schema.tools/' });
    const validate = ajv.compile(metaSchema);
    const valid = validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The validator does bite: a method without a name, or an unknown non-x- key, is refused.
    expect(validate({ ...doc, methods: [{ params: [] }] })).toBe(false);
    expect(validate({ ...doc, methods: [{ ...doc.methods[0], scope: 'wallet:read' }] })).toBe(false);

    const names = doc.methods.map((m: { name: string }) => m.name);
    for (const m of METHODS) expect(names).toContain(m.name);
    expect(names).toContain('auth');
    const balance = doc.methods.find((m: { name: string }) => m.name === 'get_balance');
    expect(balance['x-scope']).toBe('wallet:read');
    expect(balance.paramStructure).toBe('either');
    expect(balance.params.map((p: { name: string }) => p.name)).toEqual(['address', 'wallet']);
    expect(balance.result.schema.properties.confirmed.type).toBe('integer');
    const send = doc.methods.find((m: { name: string }) => m.name === 'send_transaction');
    expect(send).toMatchObject({ 'x-scope': 'wallet:send', 'x-audited': true, paramStructure: 'by-name' });
    expect(send.params.find((p: { name: string }) => p.name === 'outputs').required).toBe(true);
  });
});
