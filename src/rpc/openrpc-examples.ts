/**
 * Example values built from JSON Schemas, for the example pairing of each rpc.discover method and
 * for docs/api.md. A schema's own `examples`, `default` or `const` is used where it has one;
 * otherwise the smallest value its keywords allow. A test validates every example against its
 * schema, so a schema whose example is wrong fails there rather than in a reader's hands.
 */

type Schema = Record<string, unknown>;

function firstOf(list: unknown): unknown {
  return Array.isArray(list) && list.length > 0 ? list[0] : undefined;
}

function sampleString(s: Schema): string {
  if (s.format === 'date-time') return '2030-01-01T00:00:00.000Z';
  if (typeof s.pattern === 'string' && s.pattern.startsWith('^[0-9a-fA-F]{64}')) return 'a'.repeat(64);
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  return 'example'.padEnd(min, 'x');
}

function sampleNumber(s: Schema, integer: boolean): number {
  if (typeof s.minimum === 'number') return s.minimum;
  if (typeof s.exclusiveMinimum === 'number') return s.exclusiveMinimum + 1;
  return integer ? 0 : 1;
}

/** A value that the schema accepts (best effort; the discover test checks each one). */
export function sampleOf(schema: Schema, depth = 0): unknown {
  for (const key of ['examples'] as const) {
    const example = firstOf(schema[key]);
    if (example !== undefined) return example;
  }
  if ('const' in schema) return schema.const;
  if ('default' in schema) return schema.default;
  const union = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (union) {
    // Prefer a non-null branch: `null` says little about the shape.
    const branch = union.find((b) => b.type !== 'null') ?? union[0];
    return branch ? sampleOf(branch, depth + 1) : null;
  }
  switch (schema.type) {
    case 'string':
      return sampleString(schema);
    case 'integer':
      return sampleNumber(schema, true);
    case 'number':
      return sampleNumber(schema, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const items = schema.items as Schema | undefined;
      if (!items || depth > 8) return [];
      return Array.from({ length: Math.max(min, 1) }, () => sampleOf(items, depth + 1));
    }
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props)) if (required.has(k)) out[k] = sampleOf(v, depth + 1);
      return out;
    }
    default:
      return {};
  }
}
