/**
 * Four-layer configuration (SPEC §2): built-in defaults, then the JSON file, then `WALLETD_*`
 * environment variables (and `_FILE` variants for secrets), then command-line flags.
 * Every key's variable name is derived from its path in the schema, so there is no second list.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Kind, OptionalKind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, type WalletdConfig } from './schema.ts';

/** A configuration problem; the message names the key and where its value came from. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** One settable key of the schema. */
export interface ConfigKey {
  /** Dotted path, e.g. `chain.pollIntervalMs`. */
  path: string;
  /** `WALLETD_CHAIN_POLL_INTERVAL_MS`. */
  envName: string;
  schema: TSchema;
  secret: boolean;
}

const DEFAULT_CONFIG_FILE = 'config/walletd.json';

const snake = (segment: string) => segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** Every leaf key of the schema. Optional objects (networkParams) are leaves that take JSON. */
export function configKeys(schema: TSchema = ConfigSchema, prefix: string[] = []): ConfigKey[] {
  const keys: ConfigKey[] = [];
  for (const [name, child] of Object.entries(schema.properties as Record<string, TSchema>)) {
    const path = [...prefix, name];
    if (child[Kind] === 'Object' && child[OptionalKind] !== 'Optional') {
      keys.push(...configKeys(child, path));
    } else {
      keys.push({
        path: path.join('.'),
        envName: `WALLETD_${path.map(snake).join('_')}`,
        schema: child,
        secret: child.secret === true,
      });
    }
  }
  return keys;
}

/** Turns an env/flag string into the key's type; leaves it a string when it does not parse, so validation names it. */
function coerce(raw: string, schema: TSchema): unknown {
  const kind = schema[Kind];
  if (kind === 'Integer' || kind === 'Number') {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
  }
  if (kind === 'Boolean') {
    if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
    return raw;
  }
  if (kind === 'Array') {
    if (raw.trim().startsWith('[')) return parseJson(raw, raw);
    return raw.split(',').map((s) => s.trim()).filter(Boolean);
  }
  if (kind === 'Object') return parseJson(raw, raw);
  return raw;
}

function parseJson(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

/** Where a value came from, to name it in errors. */
type Sources = Map<string, string>;

function readConfigFile(file: string | undefined, cwd: string, sources: Sources): Record<string, unknown> {
  const explicit = file !== undefined;
  const path = resolve(cwd, file ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (explicit) throw new ConfigError(`config file not found: ${path}`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  for (const key of configKeys()) sources.set(key.path, `config file ${path}`);
  return parsed as Record<string, unknown>;
}

function applyEnv(target: Record<string, unknown>, env: NodeJS.ProcessEnv, sources: Sources): void {
  for (const key of configKeys()) {
    const fileVar = `${key.envName}_FILE`;
    if (key.secret && env[fileVar]) {
      let content: string;
      try {
        content = readFileSync(env[fileVar]!, 'utf8');
      } catch (err) {
        throw new ConfigError(`${key.path}: cannot read ${fileVar} (${(err as NodeJS.ErrnoException).code})`);
      }
      setPath(target, key.path, coerce(content.replace(/\r?\n$/, ''), key.schema));
      sources.set(key.path, fileVar);
    } else if (env[key.envName] !== undefined) {
      setPath(target, key.path, coerce(env[key.envName]!, key.schema));
      sources.set(key.path, key.envName);
    }
  }
}

/** Options for loadConfig; flags are keyed by dotted config path (`rpc.port`). */
export interface LoadConfigOptions {
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  flags?: Record<string, string | boolean | undefined>;
  /** Secret keys whose value is read from a file named by a flag (`--chain-password-file`). */
  secretFileFlags?: Record<string, string | undefined>;
  cwd?: string;
}

/** Builds the effective configuration, or throws ConfigError naming the bad key. */
export function loadConfig(opts: LoadConfigOptions = {}): WalletdConfig {
  const sources: Sources = new Map();
  const cwd = opts.cwd ?? process.cwd();
  const merged = readConfigFile(opts.configFile, cwd, sources);
  applyEnv(merged, opts.env ?? process.env, sources);
  const byPath = new Map(configKeys().map((k) => [k.path, k]));
  for (const [path, value] of Object.entries(opts.flags ?? {})) {
    if (value === undefined) continue;
    const key = byPath.get(path);
    if (!key) throw new ConfigError(`unknown config key ${path}`);
    setPath(merged, path, typeof value === 'string' ? coerce(value, key.schema) : value);
    sources.set(path, `flag --${path.replace(/\./g, '-')}`);
  }
  for (const [path, file] of Object.entries(opts.secretFileFlags ?? {})) {
    if (file === undefined) continue;
    const key = byPath.get(path);
    const flag = `--${path.replace(/\./g, '-').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}-file`;
    if (!key?.secret) throw new ConfigError(`${path} is not a secret key; it has no ${flag}`);
    let content: string;
    try {
      content = readFileSync(resolve(cwd, file), 'utf8');
    } catch (err) {
      throw new ConfigError(`${path}: cannot read ${flag} ${file} (${(err as NodeJS.ErrnoException).code})`);
    }
    setPath(merged, path, coerce(content.replace(/\r?\n$/, ''), key.schema));
    sources.set(path, `flag ${flag}`);
  }
  const withDefaults = Value.Default(ConfigSchema, merged);
  const firstError = Value.Errors(ConfigSchema, withDefaults).First();
  if (firstError) {
    const path = firstError.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    const known = [...sources.keys()].find((p) => path === p || path.startsWith(`${p}.`));
    const from = known ? ` (from ${sources.get(known)})` : '';
    // A value anywhere under a secret key (e.g. notify.webhooks.0.secret) is never echoed.
    const secret = configKeys().some((k) => k.secret && (path === k.path || path.startsWith(`${k.path}.`)));
    const got = secret ? '' : `, got ${JSON.stringify(firstError.value)}`;
    throw new ConfigError(`invalid config key ${path}${from}: ${firstError.message}${got}`);
  }
  const config = withDefaults as WalletdConfig;
  config.datadir = resolve(cwd, config.datadir);
  if (config.chain.cookieFile !== undefined) config.chain.cookieFile = resolve(cwd, config.chain.cookieFile);
  return config;
}

/** A copy of the config with every secret replaced, for get_node_info and logs. */
export function redactConfig(config: WalletdConfig): WalletdConfig {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const key of configKeys()) {
    if (!key.secret) continue;
    const parts = key.path.split('.');
    const parent = parts.slice(0, -1).reduce<Record<string, unknown> | undefined>(
      (node, part) => node?.[part] as Record<string, unknown> | undefined,
      copy,
    );
    const leaf = parts.at(-1)!;
    if (parent && parent[leaf] !== undefined) parent[leaf] = '[redacted]';
  }
  const redacted = copy as unknown as WalletdConfig;
  // A bitcoind URL may carry rpcuser:rpcpassword, which the per-key secret marks cannot see.
  if (redacted.chain.url !== undefined) redacted.chain.url = withoutCredentials(redacted.chain.url);
  return redacted;
}

/**
 * `text` with every URL's userinfo and any `user:password` Basic credential removed, for errors
 * that quote a backend URL (the adapters already strip them; this is the second line).
 */
export function redactCredentials(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/gi, '$1[redacted]@')
    .replace(/(Basic\s+)[A-Za-z0-9+/=]+/g, '$1[redacted]');
}

/** `url` without its userinfo (`http://user:pass@host` → `http://[redacted]@host`), which is a credential. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1[redacted]@');
  } catch {
    return url;
  }
}

