/**
 * The errors each method can return, for rpc.discover (OpenRPC `errors`) and docs/api.md: the
 * ones the dispatcher raises for every call (token, scope, rate, params, wallet resolution),
 * then the method's own, declared in its table entry. Codes and messages come from src/errors.ts.
 */
import { ERRORS, type ErrorCode } from '../errors.ts';
import type { AnyMethod } from './define-method.ts';
import { ANY_TOKEN } from './scopes.ts';

/** One OpenRPC error object; `data.code` is the stable string clients match on (SPEC §6). */
export interface OpenRpcError {
  code: number;
  message: string;
  data: { code: string };
}

/** Whether the method resolves a wallet (it has the optional `wallet` param of SPEC §5). */
export function takesWallet(m: AnyMethod): boolean {
  return Object.prototype.hasOwnProperty.call(m.params.properties ?? {}, 'wallet');
}

/** The string codes a method can return, the dispatcher's first, without repeats. */
export function errorCodesOf(m: AnyMethod): ErrorCode[] {
  const codes: ErrorCode[] = ['UNAUTHORIZED', 'TOKEN_EXPIRED', 'RATE_LIMITED', 'INVALID_PARAMS'];
  if (m.scope !== ANY_TOKEN) codes.push('FORBIDDEN_SCOPE');
  if (takesWallet(m)) codes.push('FORBIDDEN_SCOPE', 'WALLET_NOT_FOUND', 'WALLET_NOT_SELECTED');
  codes.push(...(m.errors ?? []), 'SHUTTING_DOWN', 'STORAGE_FULL', 'INTERNAL');
  return [...new Set(codes)];
}

/** The OpenRPC error objects of a method. */
export function openRpcErrorsOf(m: AnyMethod): OpenRpcError[] {
  const errors: OpenRpcError[] = errorCodesOf(m).map((code) => ({
    code: ERRORS[code].rpcCode,
    message: ERRORS[code].message,
    data: { code },
  }));
  // The JSON-RPC standard code a WebSocket-only method answers over HTTP (dispatcher).
  if (m.websocketOnly) errors.push({ code: -32601, message: 'Method is only available over a WebSocket', data: { code: 'METHOD_NOT_FOUND' } });
  return errors;
}
