/** Node-level methods: get_node_info and rpc.discover (SPEC §3, §5). */
import { Type } from '@sinclair/typebox';
import { redactConfig } from '../../config/load-config.ts';
import type { WalletdConfig } from '../../config/schema.ts';
import type { Clock } from '../../wallet/ports.ts';
import { defineMethod } from '../define-method.ts';
import { buildOpenRpcDocument, type OpenRpcDocument } from '../discover.ts';
import { NodeInfoSchema, type NodeInfo } from '../schemas.ts';

/** walletd's version, as rpc.discover and get_node_info report it. */
export const WALLETD_VERSION = '0.1.0';

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

/** What the daemon knows about the chain, from `WalletService.chainStatus()`. */
export interface ChainStatusSource {
  chainStatus(): { backend: string; tipHeight: number | null; syncHeight: number | null; state: string };
}

/** Builds `RpcServices.nodeInfo` from the config, the start time and the wallet service's chain status. */
export function makeNodeInfo(opts: {
  config: WalletdConfig;
  clock: Clock;
  startedAt: number;
  chain: ChainStatusSource;
  version?: string;
}): () => Promise<NodeInfo> {
  const redacted = redactConfig(opts.config);
  return async () => {
    const status = opts.chain.chainStatus();
    return {
      version: opts.version ?? WALLETD_VERSION,
      network: opts.config.network,
      backend: status.backend,
      state: status.state,
      tipHeight: status.tipHeight,
      syncHeight: status.syncHeight,
      uptimeSec: Math.max(0, Math.floor((opts.clock.now() - opts.startedAt) / 1000)),
      config: redacted,
    };
  };
}

/** The node entries of the method table. */
export const NODE_METHODS = [getNodeInfo, rpcDiscover];
