/**
 * Builds the method registry from the table once, at start (SPEC §4): a duplicate name, a
 * missing or unknown scope, or a malformed declaration stops the daemon with the method's name.
 * Each params and result schema is compiled here, once.
 */
import { Kind } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import type { AnyMethod } from './define-method.ts';
import { ANY_TOKEN, isScope } from './scopes.ts';

/** A method with its compiled validators. */
export interface RegisteredMethod {
  def: AnyMethod;
  params: TypeCheck<TSchema>;
  result: TypeCheck<TSchema>;
  /** True when the method takes a `wallet` param, so the wallet binding of tokens applies. */
  takesWallet: boolean;
}

/** The validated method table. */
export interface Registry {
  /** By wire name. */
  byName: ReadonlyMap<string, RegisteredMethod>;
  /** In table order. */
  methods: readonly AnyMethod[];
}

/** Validates the table and compiles its schemas; throws naming the first bad method. */
export function buildRegistry(methods: readonly AnyMethod[]): Registry {
  const byName = new Map<string, RegisteredMethod>();
  for (const def of methods) {
    const name = typeof def?.name === 'string' ? def.name : '';
    if (!/^[a-z][a-z0-9_.]*$/.test(name)) throw new Error(`method table: invalid method name ${JSON.stringify(name)}`);
    if (byName.has(name)) throw new Error(`method table: ${name} is registered twice`);
    const scope: unknown = def.scope;
    if (typeof scope !== 'string' || (scope !== ANY_TOKEN && !isScope(scope))) {
      throw new Error(`method table: ${name} has no valid scope (got ${JSON.stringify(scope)})`);
    }
    if (typeof def.handler !== 'function') throw new Error(`method table: ${name} has no handler`);
    if (!def.params || def.params[Kind] !== 'Object') {
      throw new Error(`method table: ${name} params must be an object schema (params are by name)`);
    }
    if (!def.result || typeof def.result !== 'object') throw new Error(`method table: ${name} has no result schema`);
    const properties = def.params.properties as Record<string, TSchema>;
    for (const p of def.positional ?? []) {
      if (!(p in properties)) throw new Error(`method table: ${name} lists unknown positional param ${p}`);
    }
    byName.set(name, {
      def,
      params: TypeCompiler.Compile(def.params),
      result: TypeCompiler.Compile(def.result),
      takesWallet: 'wallet' in properties,
    });
  }
  return { byName, methods: [...methods] };
}
