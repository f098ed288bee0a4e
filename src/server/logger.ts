/**
 * pino logger with secret redaction (SPEC §10). Secrets should never be handed to the logger in
 * the first place; these paths are the second line of defence for request/param objects.
 */
import { pino, type Bindings, type ChildLoggerOptions, type Logger, type LoggerOptions } from 'pino';

/** Field paths that may hold secrets anywhere a request, params or config object is logged. */
export const REDACT_PATHS = [
  'passphrase', 'old', 'new', 'oldPassphrase', 'newPassphrase', 'mnemonic', 'seed', 'xprv', 'token', 'bundle', 'psbt', 'password',
  'authorization', 'secret',
  '*.passphrase', '*.old', '*.new', '*.oldPassphrase', '*.newPassphrase', '*.mnemonic', '*.seed', '*.xprv', '*.token', '*.bundle',
  '*.psbt', '*.password', '*.authorization', '*.secret',
  'params.*.passphrase', 'req.headers.authorization', 'headers.authorization',
  'config.keystore.passphrase', 'config.chain.password', 'config.backup.passphrase',
];

/** Options for createLogger. */
export interface LoggerSettings {
  level: string;
  pretty?: boolean;
  /** Where lines go; defaults to stdout. Tests pass a stream to capture output. */
  destination?: NodeJS.WritableStream;
}

/** The daemon's root logger: JSON lines to stdout, or a pino-pretty-like line format when pretty. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: 'walletd' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const destination = settings.destination ?? (settings.pretty ? prettyStream() : pino.destination({ fd: 1, sync: false }));
  return pino(options, destination as pino.DestinationStream);
}

const LEVEL_METHODS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * A child of `parent` that is built only when first used. fastify makes one child per request
 * (for `req.log`), and pino's `child()` costs 8–17 µs, more than a cached read: a request that
 * never logs should not pay for it. Lines it does write carry the same bindings as a real child.
 */
export function lazyChild(parent: Logger, bindings: Bindings, options: ChildLoggerOptions = {}): Logger {
  let real: Logger | undefined;
  const get = () => (real ??= parent.child(bindings, options));
  const lazy: Record<string, unknown> = {
    child: (b: Bindings, o?: ChildLoggerOptions) => get().child(b, o),
    isLevelEnabled: (level: string) => (real ?? parent).isLevelEnabled(level),
    bindings: () => get().bindings(),
  };
  for (const method of LEVEL_METHODS) {
    lazy[method] = (...args: unknown[]) => {
      // A line below the level would be dropped anyway: do not build the child for it.
      if (real === undefined && options.level === undefined && !parent.isLevelEnabled(method)) return;
      (get()[method] as (...a: unknown[]) => void)(...args);
    };
  }
  Object.defineProperty(lazy, 'level', {
    get: () => (real ?? parent).level,
    set: (level: string) => {
      get().level = level;
    },
  });
  return lazy as unknown as Logger;
}

/** A dependency-free human format for development: `time LEVEL msg {fields}`. */
function prettyStream(): pino.DestinationStream {
  const labels: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
  return {
    write(line: string) {
      const { time, level, msg, service: _service, pid: _pid, hostname: _host, ...rest } = JSON.parse(line);
      const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
      process.stdout.write(`${time} ${labels[level] ?? level} ${msg ?? ''}${extra}\n`);
    },
  };
}
