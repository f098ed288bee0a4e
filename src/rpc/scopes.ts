/**
 * Capability scopes (SPEC §4). Which method needs which scope is declared on each method in the
 * method table, never here: this file only names the scopes that exist.
 */
export const SCOPES = [
  'wallet:read',
  'wallet:receive',
  'wallet:sign',
  'wallet:send',
  'wallet:admin',
  // The only ways a seed leaves (an encrypted bundle under a passphrase the caller chose): kept
  // out of wallet:admin so an admin token cannot walk off with the keys (issue 12).
  'wallet:export',
  'tokens:admin',
  'node:read',
] as const;

/** One capability scope, `entity:action`. */
export type Scope = (typeof SCOPES)[number];

/**
 * Pseudo-scope for methods any valid token may call (`token_info`, `rpc.discover`, `auth`).
 * It is explicit so the registry can still refuse a method that declares no scope at all.
 */
export const ANY_TOKEN = 'any-token' as const;

/** What a method declares it needs. */
export type RequiredScope = Scope | typeof ANY_TOKEN;

/** True when `value` names a real scope. */
export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
