/**
 * The shape of one entry in walletd's method table (STYLE: "declare each behaviour once").
 * Param validation, the scope check, rpc.discover, walletctl's subcommands, the typed client and
 * the auth test matrix are all generated from these entries.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { RequiredScope } from './scopes.ts';
import type { CallContext } from './context.ts';
import type { ErrorCode } from '../errors.ts';

/** A method as declared in the table. */
export interface MethodDefinition<P extends TSchema = TSchema, R extends TSchema = TSchema, N extends string = string> {
  /** Wire name, snake_case as in SPEC §5; kept as a literal type so the typed client sees it. */
  name: N;
  /** One line for rpc.discover and `walletctl help`. */
  summary: string;
  /** Scope the caller's token must hold. */
  scope: RequiredScope;
  /** Param object schema; params arrive by name. */
  params: P;
  /** Result schema; tests validate every result against it. */
  result: R;
  /** Order of params when a caller sends them positionally (SPEC §3). */
  positional?: readonly string[];
  /** True when the call changes state and so goes to the audit log. */
  audited?: boolean;
  /** True when the method only works over a WebSocket connection (subscribe). */
  websocketOnly?: boolean;
  /**
   * True (or true for these params) when the call runs a passphrase KDF (scrypt): such calls go
   * through the bounded KDF queue, and a batch may hold at most one (SPEC §10).
   */
  kdf?: boolean | ((params: Partial<Static<P>>) => boolean);
  /**
   * Error codes this method raises beyond the ones every call can get (auth, scope, rate, params,
   * wallet resolution): rpc.discover lists them, so clients know what to match on.
   */
  errors?: readonly ErrorCode[];
  /** Old param names still accepted, mapped to their current name (`new` → `newPassphrase`). */
  aliases?: Readonly<Record<string, string>>;
  handler: (call: { params: Static<P>; ctx: CallContext }) => Promise<Static<R>>;
}

/** Declares a method; the identity function exists so TypeScript infers P, R and the literal name N. */
export function defineMethod<P extends TSchema, R extends TSchema, N extends string = string>(
  definition: MethodDefinition<P, R, N>,
): MethodDefinition<P, R, N> {
  return definition;
}

/** Any entry of the table, with its param and result types erased. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMethod = MethodDefinition<any, any>;
