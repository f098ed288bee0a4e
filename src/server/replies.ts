/**
 * JSON-RPC 2.0 envelopes the transport writes itself: errors raised before the dispatcher runs
 * (guards, auth, parse errors, size limits) must still be well-formed JSON-RPC responses.
 */
import { WalletdError, type ErrorCode } from '../errors.ts';

/** A JSON-RPC id as the spec allows it. */
export type JsonRpcId = string | number | null;

/** A JSON-RPC error response object. */
export interface JsonRpcErrorResponse {
  jsonrpc: '2.0';
  id: JsonRpcId;
  error: { code: number; message: string; data?: Record<string, unknown> };
}

/** JSON-RPC 2.0 §5.1 pre-defined protocol errors. */
export const PARSE_ERROR = { code: -32700, message: 'Parse error' } as const;

/** An error response from a registered walletd error code. */
export function errorReply(id: JsonRpcId, code: ErrorCode, message?: string): JsonRpcErrorResponse {
  return { jsonrpc: '2.0', id, error: new WalletdError(code, message).toJsonRpc() };
}

/** An error response for a thrown WalletdError. */
export function errorReplyFrom(id: JsonRpcId, err: WalletdError): JsonRpcErrorResponse {
  return { jsonrpc: '2.0', id, error: err.toJsonRpc() };
}

/** The JSON-RPC -32700 parse error; the id is null because it could not be read (§5). */
export function parseErrorReply(): JsonRpcErrorResponse {
  return { jsonrpc: '2.0', id: null, error: { ...PARSE_ERROR } };
}

/** The request's id when it is a single request with a valid id; otherwise null. */
export function requestId(body: unknown): JsonRpcId {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const id = (body as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

/** JSON text with bigints written as numbers (wire amounts are integers, never strings). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
}
