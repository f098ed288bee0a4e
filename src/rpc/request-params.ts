/**
 * A request's params as the method table declares them: JSON-RPC 2.0's request shape, positional
 * params mapped to names, renamed params, the wallet binding and the compiled schema. Pure: the
 * dispatcher calls these before a handler runs.
 */
import type { JSONRPCRequest } from 'json-rpc-2.0';
import { fail } from '../errors.ts';
import type { CallerToken } from './context.ts';
import type { AnyMethod } from './define-method.ts';
import { secretValuesOf } from './redact.ts';
import type { RegisteredMethod } from './registry.ts';

const isId = (id: unknown) => id === undefined || id === null || typeof id === 'string' || typeof id === 'number';

/** True for a well-formed JSON-RPC 2.0 request object (JSON-RPC 2.0 §4). */
export function isWellFormed(req: unknown): req is JSONRPCRequest {
  if (typeof req !== 'object' || req === null || Array.isArray(req)) return false;
  const r = req as Record<string, unknown>;
  const paramsOk = r.params === undefined || (typeof r.params === 'object' && r.params !== null);
  return r.jsonrpc === '2.0' && typeof r.method === 'string' && isId(r.id) && paramsOk;
}

/** Renames aliased params to their current names; giving both spellings is INVALID_PARAMS. */
function applyAliases(aliases: Readonly<Record<string, string>>, params: Record<string, unknown>): Record<string, unknown> {
  let out = params;
  for (const [alias, name] of Object.entries(aliases)) {
    if (!(alias in out)) continue;
    if (name in out) fail('INVALID_PARAMS', `Give ${name} or its old name ${alias}, not both`, { field: alias });
    const { [alias]: value, ...rest } = out;
    out = { ...rest, [name]: value };
  }
  return out;
}

/** Whether a call of `def` with these (possibly unvalidated) params runs a passphrase KDF. */
export function needsKdf(def: AnyMethod, params: unknown): boolean {
  if (typeof def.kdf !== 'function') return def.kdf === true;
  const named = params !== null && typeof params === 'object' && !Array.isArray(params) ? params : {};
  return (def.kdf as (p: unknown) => boolean)(named);
}

/** Positional → by-name, then the compiled schema; INVALID_PARAMS names the first bad field. */
export function parseParams(entry: RegisteredMethod, raw: unknown, token: CallerToken | null): Record<string, unknown> {
  const { def } = entry;
  let params: Record<string, unknown>;
  if (raw === undefined) {
    params = {};
  } else if (Array.isArray(raw)) {
    const order = def.positional;
    if (!order) fail('INVALID_PARAMS', 'This method takes params by name', { field: 'params' });
    if (raw.length > order.length) fail('INVALID_PARAMS', `At most ${order.length} positional params`, { field: 'params' });
    params = {};
    // As in Bitcoin Core, a null in a position skips that optional param.
    raw.forEach((value, i) => {
      if (value !== null && value !== undefined) params[order[i]!] = value;
    });
  } else {
    params = raw as Record<string, unknown>;
  }
  if (def.aliases) params = applyAliases(def.aliases, params);
  // Wallet binding before shape: a token bound elsewhere learns nothing more about the call.
  const bound = token?.constraints.wallets;
  if (entry.takesWallet && bound && typeof params.wallet === 'string' && !bound.includes(params.wallet)) {
    fail('FORBIDDEN_SCOPE', 'Token may not use this wallet', { wallet: params.wallet });
  }
  if (!entry.params.Check(params)) {
    const first = entry.params.Errors(params).First();
    const field = first?.path.replace(/^\//, '').replace(/\//g, '.') || 'params';
    fail('INVALID_PARAMS', `Invalid param ${field}: ${first?.message ?? 'invalid'}`, { field });
  }
  return params;
}

/** The call's secret param values (by name or by position), so a logged error can be scrubbed of them. */
export function secretsOf(entry: RegisteredMethod, raw: unknown): string[] {
  const order = entry.def.positional;
  const named = Array.isArray(raw) && order ? Object.fromEntries(order.map((k, i) => [k, raw[i]])) : raw;
  return secretValuesOf(named);
}
