/**
 * rpc.discover (SPEC §3): an OpenRPC 1.x document generated from the method table, so the
 * published interface can never drift from what the dispatcher enforces. Each method carries
 * its required scope in the `x-scope` extension.
 */
import type { TSchema } from '@sinclair/typebox';
import type { AnyMethod } from './define-method.ts';

/** The OpenRPC version the document declares. */
export const OPENRPC_VERSION = '1.3.2' as const;

/** One OpenRPC content descriptor. */
export interface ContentDescriptor {
  name: string;
  required?: boolean;
  description?: string;
  schema: Record<string, unknown>;
}

/** One OpenRPC method object, with walletd's extensions. */
export interface OpenRpcMethod {
  name: string;
  summary: string;
  paramStructure: 'by-name' | 'either';
  params: ContentDescriptor[];
  result: ContentDescriptor;
  'x-scope': string;
  'x-audited'?: boolean;
  'x-websocket-only'?: boolean;
}

/** The OpenRPC document. */
export interface OpenRpcDocument {
  openrpc: typeof OPENRPC_VERSION;
  info: { title: string; version: string; description: string };
  methods: OpenRpcMethod[];
}

/** Plain JSON Schema from a TypeBox schema: JSON round-trip drops TypeBox's symbol keys. */
function plain(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

function describeMethod(m: AnyMethod): OpenRpcMethod {
  const properties = (m.params.properties ?? {}) as Record<string, TSchema>;
  const required = new Set<string>((m.params.required as string[] | undefined) ?? []);
  // Positional params come first, in their documented order (SPEC §3), so position = index.
  const order = [...(m.positional ?? []), ...Object.keys(properties).filter((k) => !m.positional?.includes(k))];
  return {
    name: m.name,
    summary: m.summary,
    paramStructure: m.positional ? 'either' : 'by-name',
    params: order.map((name) => ({ name, required: required.has(name), schema: plain(properties[name]!) })),
    result: { name: `${m.name}_result`, schema: plain(m.result) },
    'x-scope': m.scope,
    ...(m.audited ? { 'x-audited': true } : {}),
    ...(m.websocketOnly ? { 'x-websocket-only': true } : {}),
  };
}

/** Builds the OpenRPC document for a method table. */
export function buildOpenRpcDocument(methods: readonly AnyMethod[], version: string): OpenRpcDocument {
  return {
    openrpc: OPENRPC_VERSION,
    info: {
      title: 'walletd',
      version,
      description: 'Headless Bitcoin wallet daemon. Authenticate with `Authorization: Bearer <token>`; each method needs the scope in x-scope.',
    },
    methods: methods.map(describeMethod),
  };
}
