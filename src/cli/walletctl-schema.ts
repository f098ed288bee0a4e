/**
 * Turns a method's param schema (JSON Schema) into walletctl flags: each property becomes
 * `--kebab-name <value>` (the as-is camelCase name works too), parsed by its JSON Schema type.
 */
import { parseStrictInteger } from './walletctl-amounts.ts';

/** A JSON Schema as walletctl reads it: a TypeBox schema or a plain one from the catalog. */
export type TSchema = object;

/** A bad command line: walletctl exits 2 (SPEC §9). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One param of a method, as walletctl shows and parses it. */
export interface ParamSpec {
  /** Wire name (camelCase), e.g. `feeRate`. */
  name: string;
  /** Flag name, e.g. `fee-rate`. */
  flag: string;
  schema: TSchema;
  required: boolean;
  /** Human type, e.g. `integer`, `p2wpkh|p2tr`, `array<object>`. */
  type: string;
  description: string;
}

type JsonSchema = {
  type?: string;
  anyOf?: JsonSchema[];
  const?: unknown;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  minimum?: number;
  maximum?: number;
};

/** `feeRate` → `fee-rate`. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** A short human name of a schema's type. */
export function typeName(schema: TSchema): string {
  const s = schema as JsonSchema;
  if (s.anyOf) return s.anyOf.map((x) => (x.const !== undefined ? String(x.const) : typeName(x as TSchema))).join('|');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.type === 'array') return `array<${s.items ? typeName(s.items as TSchema) : 'any'}>`;
  if (s.type === 'object' && s.properties) {
    return `{${Object.keys(s.properties).join(', ')}}`;
  }
  return s.type ?? 'json';
}

/** The params of an object schema, in declaration order. */
export function paramSpecs(params: TSchema): ParamSpec[] {
  const s = params as JsonSchema;
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {}).map(([name, schema]) => ({
    name,
    flag: kebab(name),
    schema: schema as TSchema,
    required: required.has(name),
    type: typeName(schema as TSchema),
    description: schema.description ?? '',
  }));
}

function parseJson(raw: string, what: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new UsageError(`${what}: not valid JSON: ${raw.length > 60 ? `${raw.slice(0, 60)}…` : raw}`);
  }
}

/**
 * Parses one flag value by its schema: numbers and booleans are checked here (exit 2 on a bad
 * one); arrays take JSON or a comma list; objects take JSON. Ranges and formats are the
 * daemon's job, so its INVALID_PARAMS stays the single source of those rules.
 */
export function parseValue(schema: TSchema, raw: string | boolean, what: string): unknown {
  const s = schema as JsonSchema;
  if (typeof raw === 'boolean') {
    if (s.type === 'boolean') return raw;
    throw new UsageError(`${what} needs a value`);
  }
  switch (s.type) {
    case 'string':
      return raw;
    case 'integer':
      return parseStrictInteger(raw, what, s.minimum);
    case 'number':
      // Decimal notation only: `Number()` would also take hex, exponents and padding.
      if (!/^-?(0|[1-9]\d*)(\.\d+)?$/.test(raw)) throw new UsageError(`${what} must be a decimal number, got ${JSON.stringify(raw)}`);
      return Number(raw);
    case 'boolean':
      if (/^(true|1|yes)$/i.test(raw)) return true;
      if (/^(false|0|no)$/i.test(raw)) return false;
      throw new UsageError(`${what} must be true or false, got ${JSON.stringify(raw)}`);
    case 'array':
      if (raw.trim().startsWith('[')) return parseJson(raw, what);
      return raw === '' ? [] : raw.split(',').map((item) => parseValue((s.items ?? {}) as TSchema, item.trim(), what));
    case 'object':
      return parseJson(raw, what);
    default:
      break;
  }
  // Unions (literal enums, nullable values): a string member takes the raw text, else JSON.
  if (s.anyOf?.some((x) => x.type === 'string' || typeof x.const === 'string')) return raw;
  return parseJson(raw, what);
}
