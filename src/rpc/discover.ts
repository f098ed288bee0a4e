/**
 * rpc.discover (SPEC §3, §11): an OpenRPC 1.x document generated from the method table, so the
 * published interface can never drift from what the dispatcher enforces. It is written for the
 * tools that read OpenRPC (linters, @open-rpc/generator): required params come before optional
 * ones, every param and result has a title and a description, and every method lists its errors
 * and an example. Each method carries its required scope in the `x-scope` extension.
 */
import type { TSchema } from '@sinclair/typebox';
import type { AnyMethod } from './define-method.ts';
import { openRpcErrorsOf, type OpenRpcError } from './openrpc-errors.ts';
import { sampleOf } from './openrpc-examples.ts';
import { describeParam } from './param-docs.ts';

/** The OpenRPC version the document declares. */
export const OPENRPC_VERSION = '1.3.2' as const;

/** OpenRPC's service discovery method (OpenRPC spec, "Service Discovery Method"). */
export const DISCOVER_METHOD = 'rpc.discover' as const;

/** One OpenRPC content descriptor. */
export interface ContentDescriptor {
  name: string;
  required?: boolean;
  description: string;
  schema: Record<string, unknown>;
}

/** One OpenRPC example pairing: named param values and the result they give. */
export interface ExamplePairing {
  name: string;
  description: string;
  params: { name: string; value: unknown }[];
  result: { name: string; value: unknown };
}

/** One OpenRPC method object, with walletd's extensions. */
export interface OpenRpcMethod {
  name: string;
  summary: string;
  paramStructure: 'by-name' | 'either';
  params: ContentDescriptor[];
  result: ContentDescriptor;
  errors: OpenRpcError[];
  examples: ExamplePairing[];
  'x-scope': string;
  'x-audited'?: boolean;
  'x-websocket-only'?: boolean;
  'x-param-aliases'?: Record<string, string>;
}

/** The OpenRPC document. */
export interface OpenRpcDocument {
  openrpc: typeof OPENRPC_VERSION;
  info: { title: string; version: string; description: string; license: { name: string; url: string } };
  methods: OpenRpcMethod[];
  'x-service-discovery': { method: typeof DISCOVER_METHOD; scope: string; description: string };
}

/** `get_balance` → `GetBalance`; `feeRate` → `FeeRate`: titles that are valid type names. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** Plain JSON Schema from a TypeBox schema: JSON round-trip drops TypeBox's symbol keys. */
function plain(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

/**
 * Params in the order a positional caller sends them: the documented positional order first
 * (SPEC §3), then the other required params, then the optional ones (OpenRPC forbids a
 * required param after an optional one).
 */
export function paramOrder(m: AnyMethod): { name: string; required: boolean; schema: TSchema }[] {
  const properties = (m.params.properties ?? {}) as Record<string, TSchema>;
  const required = new Set<string>((m.params.required as string[] | undefined) ?? []);
  const positional = m.positional ?? [];
  const rest = Object.keys(properties).filter((k) => !positional.includes(k));
  const order = [...positional, ...rest.filter((k) => required.has(k)), ...rest.filter((k) => !required.has(k))];
  return order.map((name) => ({ name, required: required.has(name), schema: properties[name]! }));
}

/** What the method's result is: the result schema's own description, else the method summary. */
function resultDescription(m: AnyMethod): string {
  const own = (m.result as { description?: unknown }).description;
  return typeof own === 'string' && own.length > 0 ? own : m.summary;
}

function describeMethod(m: AnyMethod): OpenRpcMethod {
  const base = pascalCase(m.name);
  const params = paramOrder(m).map(({ name, required, schema }) => ({
    name,
    required,
    description: describeParam(m.name, name, schema) ?? '',
    schema: { ...plain(schema), title: `${base}${pascalCase(name)}` },
  }));
  const result = { name: `${m.name}_result`, description: resultDescription(m), schema: { ...plain(m.result), title: `${base}Result` } };
  // Required params only, so the example shows the least a caller must send.
  const exampleParams = params.filter((p) => p.required).map((p) => ({ name: p.name, value: sampleOf(p.schema) }));
  return {
    name: m.name,
    summary: m.summary,
    paramStructure: m.positional ? 'either' : 'by-name',
    params,
    result,
    errors: openRpcErrorsOf(m),
    examples: [{
      name: `${m.name}_example`,
      description: `A ${m.name} call with its required params`,
      params: exampleParams,
      result: { name: `${m.name}_example_result`, value: sampleOf(result.schema) },
    }],
    'x-scope': m.scope,
    ...(m.audited ? { 'x-audited': true } : {}),
    ...(m.websocketOnly ? { 'x-websocket-only': true } : {}),
    ...(m.aliases ? { 'x-param-aliases': { ...m.aliases } } : {}),
  };
}

/** Builds the OpenRPC document for a method table; rpc.discover itself is the discovery method, not a listed one. */
export function buildOpenRpcDocument(methods: readonly AnyMethod[], version: string): OpenRpcDocument {
  return {
    openrpc: OPENRPC_VERSION,
    info: {
      title: 'walletd',
      version,
      description:
        'Headless Bitcoin wallet daemon: JSON-RPC 2.0 over HTTP (POST /rpc), a unix socket and WebSocket (GET /ws). ' +
        'Authenticate with `Authorization: Bearer <token>`; each method needs the scope in x-scope. ' +
        'Errors carry a numeric code and a stable string in data.code. ' +
        '`rpc.discover`, OpenRPC\'s service discovery method, returns this document to any valid token.',
      license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
    },
    methods: methods.filter((m) => m.name !== DISCOVER_METHOD).map(describeMethod),
    'x-service-discovery': {
      method: DISCOVER_METHOD,
      scope: 'any-token',
      description: 'OpenRPC service discovery: returns this document (params: none)',
    },
  };
}
