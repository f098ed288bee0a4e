/**
 * JSON Schema (as TypeBox emits it) to a TypeScript type expression, for the generated client
 * types and docs/api.md. It covers what the method table uses: const, unions, arrays, objects
 * (strict or with extra keys), the primitive types and null; anything else becomes `unknown`.
 */

/** A JSON Schema object. */
export type JsonSchema = Record<string, unknown>;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property key as TypeScript source: bare when it is an identifier, quoted otherwise. */
export function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** A one-line JSDoc comment, or nothing; `*\/` cannot end it early. */
export function jsDoc(text: unknown, indent: string): string {
  if (typeof text !== 'string' || text.length === 0) return '';
  return `${indent}/** ${text.replace(/\*\//g, '*\\/').replace(/\s+/g, ' ').trim()} */\n`;
}

function union(parts: string[]): string {
  const unique = [...new Set(parts)];
  return unique.length === 0 ? 'never' : unique.join(' | ');
}

function objectType(schema: JsonSchema, indent: string, multiline: boolean): string {
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const extra = schema.additionalProperties;
  const entries = Object.entries(props);
  const lines: string[] = [];
  const inner = `${indent}  `;
  for (const [key, value] of entries) {
    const doc = multiline ? jsDoc(value.description, inner) : '';
    lines.push(`${doc}${inner}${propertyKey(key)}${required.has(key) ? '' : '?'}: ${tsType(value, inner, multiline)};`);
  }
  // Extra keys: a schema for them, `true`, patternProperties (the redacted config), or an open
  // object with no named properties at all.
  if (extra && typeof extra === 'object') lines.push(`${inner}[key: string]: ${tsType(extra as JsonSchema, inner, multiline)};`);
  else if (extra === true || schema.patternProperties || (extra === undefined && entries.length === 0)) {
    lines.push(`${inner}[key: string]: unknown;`);
  }
  if (lines.length === 0) return '{}';
  if (!multiline) return `{ ${lines.map((l) => l.trim()).join(' ')} }`;
  return `{\n${lines.join('\n')}\n${indent}}`;
}

/** The TypeScript type of values the schema accepts. */
export function tsType(schema: JsonSchema, indent = '', multiline = true): string {
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return union(schema.enum.map((v) => JSON.stringify(v)));
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (branches) return union(branches.map((b) => tsType(b, indent, multiline)));
  if (Array.isArray(schema.type)) return union(schema.type.map((t) => tsType({ ...schema, type: t }, indent, multiline)));
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array': {
      const items = schema.items as JsonSchema | undefined;
      return `Array<${items ? tsType(items, indent, multiline) : 'unknown'}>`;
    }
    case 'object':
      return objectType(schema, indent, multiline);
    default:
      return 'unknown';
  }
}
