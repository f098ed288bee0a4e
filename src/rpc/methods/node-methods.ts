/** Node-level methods: get_node_info and rpc.discover (SPEC §3, §5). */
import { Type } from '@sinclair/typebox';
import { defineMethod } from '../define-method.ts';
import { buildOpenRpcDocument, type OpenRpcDocument } from '../discover.ts';
import { NodeInfoSchema } from '../schemas.ts';
import { walletdVersion } from '../../package-version.ts';

/** walletd's version from package.json, as rpc.discover reports it. */
export const WALLETD_VERSION: string = walletdVersion(import.meta.url);

/** The `get_node_info` entry of the method table. */
export const getNodeInfo = defineMethod({
  name: 'get_node_info',
  summary: 'Version, network, backend kind, tip and sync heights, uptime, and the effective config with secrets redacted',
  scope: 'node:read',
  params: Type.Object({}, { additionalProperties: false }),
  result: NodeInfoSchema,
  handler: async ({ ctx }) => ctx.services.nodeInfo(),
});

// One document per method table: it is pure data and the table never changes at runtime.
const discoverCache = new WeakMap<readonly unknown[], OpenRpcDocument>();

/** The `rpc.discover` entry of the method table. */
export const rpcDiscover = defineMethod({
  name: 'rpc.discover',
  summary: 'The OpenRPC document of this API, generated from the method table',
  scope: 'any-token',
  params: Type.Object({}, { additionalProperties: false }),
  result: Type.Object({ openrpc: Type.String(), info: Type.Object({}), methods: Type.Array(Type.Object({})) }),
  handler: async ({ ctx }) => {
    let doc = discoverCache.get(ctx.methods);
    if (!doc) {
      doc = buildOpenRpcDocument(ctx.methods, WALLETD_VERSION);
      discoverCache.set(ctx.methods, doc);
    }
    return doc;
  },
});

/** The node entries of the method table. */
export const NODE_METHODS = [getNodeInfo, rpcDiscover];
