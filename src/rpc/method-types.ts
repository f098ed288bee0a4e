/**
 * Wire types of every method, derived from the method table's TypeBox schemas. The typed client
 * and walletctl use these, so a renamed method or a changed param breaks a caller's build.
 * Type-only: importing this file loads no server code.
 */
import type { Static } from '@sinclair/typebox';
import type { MethodEntry } from './method-table.ts';

/** Each wire method name mapped to its params and result, as JSON values. */
export type MethodMap = {
  [E in MethodEntry as E['name']]: { params: Static<E['params']>; result: Static<E['result']> };
};

/** A wire method name, e.g. `get_balance`. */
export type MethodName = keyof MethodMap & string;

/** The params object of a method. */
export type ParamsOf<N extends MethodName> = MethodMap[N]['params'];

/** The result of a method. */
export type ResultOf<N extends MethodName> = MethodMap[N]['result'];
