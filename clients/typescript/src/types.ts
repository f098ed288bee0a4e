/**
 * Type-level view of the method table for callers: snake_case wire names become camelCase
 * methods whose params and results are the generated types of the table's schemas.
 */
import type { MethodMap } from './generated/methods.js';

export type { MethodMap } from './generated/methods.js';

/** A wire method name, e.g. `get_balance`. */
export type MethodName = keyof MethodMap & string;

/** The params object of a method. */
export type ParamsOf<N extends MethodName> = MethodMap[N]['params'];

/** The result of a method. */
export type ResultOf<N extends MethodName> = MethodMap[N]['result'];

/** `get_balance` → `getBalance` at the type level. */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** What a call with a `dryRun` param answers: the preview exactly when it passes `dryRun: true`. */
export type DryRunOutcome<Q, R> = 'dryRun' extends keyof Q
  ? Q extends { dryRun: true } ? Extract<R, { dryRun: true }> : Q extends { dryRun?: false } ? Exclude<R, { dryRun: true }> : R
  : Exclude<R, { dryRun: true }>;

/** A call signature; params may be omitted when the method has no required param. */
export type MethodCall<N extends MethodName> = 'dryRun' extends keyof MethodMap[N]['params']
  ? <Q extends MethodMap[N]['params']>(params: Q) => Promise<DryRunOutcome<Q, MethodMap[N]['result']>>
  : {} extends MethodMap[N]['params']
  ? (params?: MethodMap[N]['params']) => Promise<MethodMap[N]['result']>
  : (params: MethodMap[N]['params']) => Promise<MethodMap[N]['result']>;

/** Every method with a plain snake_case name as a camelCase function (`rpc.discover` goes through `call`; `subscribe` is the helper). */
export type CamelMethods = {
  [N in MethodName as N extends `${string}.${string}` | 'subscribe' ? never : CamelCase<N>]: MethodCall<N>;
};
