/** Generates valid params for any method from its schema (required fields only), for table-driven tests. */
import { Kind, type TSchema } from '@sinclair/typebox';
import type { AnyMethod } from '../../src/rpc/define-method.ts';

/** A value that satisfies `schema`, preferring its first `examples` entry. */
export function sampleOf(schema: TSchema): unknown {
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  switch (schema[Kind]) {
    case 'Literal': return schema.const;
    case 'Union': return sampleOf(schema.anyOf[0]);
    case 'String': return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'Integer':
    case 'Number': return schema.minimum ?? 1;
    case 'Boolean': return true;
    case 'Array': return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => sampleOf(schema.items));
    case 'Object': return sampleObject(schema);
    default: throw new Error(`no sample for schema kind ${String(schema[Kind])}`);
  }
}

function sampleObject(schema: TSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of (schema.required as string[] | undefined) ?? []) out[key] = sampleOf(schema.properties[key]);
  return out;
}

/** Valid by-name params for `method`, with `extra` merged in. */
export function sampleParams(method: AnyMethod, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = sampleObject(method.params);
  // sign_transaction needs one of outputs/psbt, which the schema cannot say; give it a draft.
  if (method.name === 'sign_transaction') base.outputs = sampleOf(method.params.properties.outputs);
  return { ...base, ...extra };
}
