/**
 * `walletd/client`: the typed TypeScript client. The package ships TypeScript sources, so a
 * consumer runs it through tsx (or any TS-aware loader) and type-checks against the method table.
 */
export { createClient, toWireName } from './create-client.ts';
export type { CallFn, ClientEndpoint, ClientOptions, WalletdClient } from './create-client.ts';
export { WalletdRpcError, isWalletdRpcError } from './errors.ts';
export type { WalletdErrorData } from './errors.ts';
export type { JsonRpcReply, JsonRpcRequest, RpcNotification } from './transports.ts';
export type { CamelCase, CamelMethods, MethodCall, MethodMap, MethodName, ParamsOf, ResultOf } from './types.ts';
