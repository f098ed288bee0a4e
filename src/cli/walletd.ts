/**
 * `walletd` (SPEC §9): parses flags, loads the four-layer config, starts the daemon and owns
 * the process lifecycle. Subcommands (e.g. `walletd recovery-phrase`) register on `program`.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { Logger } from 'pino';
import { ConfigError, loadConfig } from '../config/load-config.ts';
import { startDaemon, StartupError, type DaemonHandle } from '../server/daemon.ts';
import { createLogger } from '../server/logger.ts';
import { registerRecoveryPhrase } from './recovery-phrase.ts';
import { registerSandbox } from './sandbox-command.ts';
import { VERSION } from './version.ts';
import { safeError } from '../rpc/redact.ts';

/** Hard limit for a graceful stop (SPEC §10); past it the process exits 1 regardless. */
const SHUTDOWN_LIMIT_MS = 9_500;

interface DaemonFlags {
  datadir?: string;
  config?: string;
  rpcHost?: string;
  rpcPort?: string;
  network?: string;
  chainBackend?: string;
  chainUrl?: string;
  chainUser?: string;
  chainPasswordFile?: string;
  chainCookieFile?: string;
  networkParams?: string;
  allowRemote?: boolean;
  logLevel?: string;
}

/** Writes pending log lines, then exits; pino's async destination would otherwise drop them. */
function exitAfterFlush(logger: Logger | null, code: number): void {
  const hardExit = setTimeout(() => process.exit(code), 1_000);
  hardExit.unref();
  if (!logger) {
    process.exit(code);
    return;
  }
  logger.flush(() => process.exit(code));
}

/**
 * Handles SIGTERM/SIGINT from the very start, so a signal during start-up (keystore KDF, listen)
 * still shuts down gracefully once the daemon is up, instead of killing it mid-write.
 */
function installSignalHandlers(logger: Logger): (daemon: DaemonHandle) => void {
  let daemon: DaemonHandle | null = null;
  let signalled: NodeJS.Signals | null = null;
  const stop = (d: DaemonHandle, signal: NodeJS.Signals) => {
    const limit = setTimeout(() => {
      logger.error('graceful shutdown took too long: forcing exit');
      exitAfterFlush(logger, 1);
    }, SHUTDOWN_LIMIT_MS);
    limit.unref();
    d.close(signal).then(
      () => exitAfterFlush(logger, 0),
      (err: unknown) => {
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
        exitAfterFlush(logger, 1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: forcing exit');
      exitAfterFlush(logger, 1);
      return;
    }
    signalled = signal;
    if (daemon) stop(daemon, signal);
    else logger.info({ signal }, 'signal during start-up: stopping once started');
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return (started) => {
    daemon = started;
    if (signalled) stop(started, signalled);
  };
}

/** `--network-params` takes inline JSON or the path of a JSON file. */
function networkParamsFlag(value: string | undefined): string | undefined {
  if (value === undefined || value.trim().startsWith('{')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    throw new ConfigError(`networkParams: cannot read --network-params ${value} (${(err as NodeJS.ErrnoException).code})`);
  }
}

async function runDaemon(flags: DaemonFlags): Promise<void> {
  let config;
  try {
    config = loadConfig({
      configFile: flags.config,
      flags: {
        datadir: flags.datadir,
        'rpc.host': flags.rpcHost,
        'rpc.port': flags.rpcPort,
        network: flags.network,
        'chain.backend': flags.chainBackend,
        'chain.url': flags.chainUrl,
        'chain.user': flags.chainUser,
        'chain.cookieFile': flags.chainCookieFile,
        networkParams: networkParamsFlag(flags.networkParams),
        'rpc.allowRemote': flags.allowRemote,
        'log.level': flags.logLevel,
      },
      // A password on argv would show in `ps`; the flag names a file, like Docker secrets.
      secretFileFlags: { 'chain.password': flags.chainPasswordFile },
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`walletd: ${err.message}\n`);
      exitAfterFlush(null, 1);
      return;
    }
    throw err;
  }
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty });
  process.on('uncaughtException', (err) => {
    // Scrubbed: a library error may quote its input, and that input may be a secret.
    logger.fatal({ err: safeError(err) }, 'uncaught exception');
    exitAfterFlush(logger, 1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: safeError(reason) }, 'unhandled rejection');
  });
  const started = installSignalHandlers(logger);
  let daemon: DaemonHandle;
  try {
    daemon = await startDaemon(config, logger);
  } catch (err) {
    const text = err instanceof StartupError || err instanceof Error ? err.message : String(err);
    logger.fatal({ err: text }, `walletd cannot start: ${text}`);
    process.stderr.write(`walletd: ${text}\n`);
    exitAfterFlush(logger, 1);
    return;
  }
  started(daemon);
}

/** The `walletd` command; subcommands attach here before `parseAsync`. */
export const program = new Command('walletd')
  .description('Headless Bitcoin wallet daemon: SQLCipher keystore, JSON-RPC 2.0 on localhost')
  .version(VERSION, '--version', 'print the version and exit')
  .option('--datadir <dir>', 'data directory (keystore, socket, admin token)')
  .option('--config <file>', 'JSON config file (default config/walletd.json when it exists)')
  .option('--rpc-host <host>', 'HTTP bind address')
  .option('--rpc-port <port>', 'HTTP port (0 picks a free one)')
  .option('--network <name>', 'mainnet, testnet, signet or regtest')
  .option('--chain-backend <kind>', 'bitcoind, esplora or none')
  .option('--chain-url <url>', 'chain backend URL')
  .option('--chain-user <user>', 'bitcoind RPC user (rpcuser)')
  .option('--chain-password-file <file>', 'file holding the bitcoind RPC password (rpcpassword)')
  .option('--chain-cookie-file <file>', "bitcoind's .cookie file, its default auth (e.g. ~/.bitcoin/regtest/.cookie)")
  .option('--network-params <json|file>', 'custom chain parameters (networkParams) as JSON or a JSON file')
  .option('--allow-remote', 'allow binding a non-loopback address')
  .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
  .action(async (flags: DaemonFlags) => runDaemon(flags));

// Subcommands (e.g. `walletd recovery-phrase`) register on `program` here, before parsing; the
// root action above runs only when no subcommand is named.
registerRecoveryPhrase(program);
registerSandbox(program);

await program.parseAsync(process.argv);
