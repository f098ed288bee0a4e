/**
 * `@walletd/client`: the typed walletd client for Node 18+ and bundlers. HTTP, unix socket and
 * WebSocket transports; method and param types generated from walletd's method table.
 */
export { createClient, toWireName } from './create-client.js';
export type { CallFn, ClientEndpoint, ClientOptions, WalletdClient } from './create-client.js';
export { WalletdConnectionClosedError, WalletdRpcError, isWalletdConnectionClosedError, isWalletdRpcError } from './errors.js';
export type { WalletdErrorData } from './errors.js';
export type { Subscription, WalletEvent } from './subscription.js';
export type { JsonRpcReply, JsonRpcRequest, RpcNotification } from './transports.js';
export type { WebSocketConstructor, WebSocketLike } from './ws-transport.js';
export type { CamelCase, CamelMethods, MethodCall, MethodMap, MethodName, ParamsOf, ResultOf } from './types.js';
export { METHOD_ERRORS, METHOD_NAMES, METHOD_SCOPES } from './generated/methods.js';
