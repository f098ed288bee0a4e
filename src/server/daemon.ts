/**
 * The walletd process (SPEC §2, §10): takes the data-dir lock, opens the keystore, writes the
 * admin token, starts the wallet and its chain sync, and serves the app on TCP and the unix
 * socket. `close()` drains in-flight calls and releases everything in reverse order.
 */
import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { WalletdConfig } from '../config/schema.ts';
import { acquireDataDirLock, checkKeystoreNetwork, KeystoreKeyError, openKeystore, type DataDirLock, type Keystore } from '../keystore/index.ts';
import { resolveNetwork } from '../wallet/keys/networks.ts';
import { isWalletdError } from '../errors.ts';
import { ensureAdminToken } from '../rpc/tokens.ts';
import { startBackupSchedule } from '../portability/portability-service.ts';
import { buildApp } from './app.ts';
import { Inflight } from './inflight.ts';
import { createRuntime, type Runtime } from './daemon-services.ts';
import { listenUnixSocket } from './unix-socket.ts';

/** The unix socket's file name inside the data dir (SPEC §2). */
export const SOCKET_FILE_NAME = 'walletd.sock';
/** The admin token's file name inside the data dir (SPEC §2). */
export const ADMIN_TOKEN_FILE_NAME = 'admin.token';

/** How long shutdown waits for in-flight calls; the rest of the 10 s budget closes resources. */
export const DRAIN_DEADLINE_MS = 8_000;

/** A start-up failure with a message fit to print as the one line an operator reads. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** A running daemon. */
export interface DaemonHandle {
  /** Graceful stop: refuse new calls, drain, close sockets, sync, keystore and lock. Idempotent. */
  close(reason?: string): Promise<void>;
  /** `http://host:port` with the real port (useful with `rpc.port` 0). */
  httpAddress: string;
  socketPath: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '::1', '[::1]']);

/** True when `host` only reaches this machine. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(host);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Starts the daemon; throws StartupError (having released what it took) when it cannot. */
export async function startDaemon(config: WalletdConfig, logger: Logger): Promise<DaemonHandle> {
  const { datadir } = config;
  const cleanup: Array<() => Promise<void>> = [];
  const unwind = async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  };

  try {
    if (!isLoopbackHost(config.rpc.host)) {
      if (!config.rpc.allowRemote) {
        throw new StartupError(
          `rpc.host ${config.rpc.host} is not a loopback address; pass --allow-remote (rpc.allowRemote) to bind it`,
        );
      }
      logger.warn({ host: config.rpc.host }, 'binding the RPC port to a non-loopback address (rpc.allowRemote)');
    }
    await mkdir(datadir, { recursive: true, mode: 0o700 });
    // Issue 12: an existing data dir keeps its mode; like sshd and gpg, refuse to leave it open
    // to other local users (the cookie and the keystore key live in it).
    const mode = (await stat(datadir)).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      await chmod(datadir, 0o700);
      logger.warn({ datadir, was: mode.toString(8), now: '700' }, 'data dir was readable by other users; tightened to 0700');
    }

    let lock: DataDirLock;
    try {
      lock = await acquireDataDirLock(datadir);
    } catch (err) {
      throw new StartupError(`data dir is busy: ${message(err)}`);
    }
    cleanup.push(() => lock.release());

    let keystore: Keystore;
    try {
      keystore = await openKeystore({
        datadir,
        // Secret keys are typed `unknown` by the schema helper; validation made them strings.
        passphrase: config.keystore.passphrase as string | undefined,
        onGeneratedKey: (path) =>
          logger.warn({ keyFile: path }, `generated a keystore key; the keystore is only as safe as ${path}`),
      });
    } catch (err) {
      if (err instanceof KeystoreKeyError) {
        throw new StartupError(
          `cannot open the keystore in ${datadir}: the keystore key is wrong (check WALLETD_KEYSTORE_PASSPHRASE or keystore.key)`,
        );
      }
      throw new StartupError(`cannot open the keystore in ${datadir}: ${message(err)}`);
    }
    cleanup.push(() => keystore.close());
    // SPEC §7: a keystore serves the network it was made for; another one fails the start.
    const network = resolveNetwork(config.network, config.networkParams);
    await checkKeystoreNetwork(keystore.db, { name: network.name, bech32: network.params.bech32 }, datadir);

    const adminTokenPath = join(datadir, ADMIN_TOKEN_FILE_NAME);
    const admin = await ensureAdminToken(keystore.tokens, adminTokenPath);
    // Where the token is, never what it is.
    logger.info({ adminTokenFile: adminTokenPath, tokenId: admin.id }, `admin cookie is in ${adminTokenPath}; it is replaced at every start`);

    let runtime: Runtime;
    try {
      runtime = createRuntime({ config, keystore, logger });
    } catch (err) {
      throw new StartupError(message(err));
    }
    const { wallet, chain, metrics, dispatcher } = runtime;
    if (chain) cleanup.push(() => chain.close());
    wallet.start();
    cleanup.push(() => wallet.stop());
    // backup.intervalHours > 0: backup_wallet on a schedule (needs backup.passphrase).
    const stopBackups = startBackupSchedule(config.backup.intervalHours, () => runtime.services.portability!.backupWallets(), {
      clock: runtime.clock, log: logger.child({ component: 'backup' }),
    });
    cleanup.push(async () => stopBackups());

    const inflight = new Inflight();
    let keystoreOpen = true;
    const app = await buildApp({
      dispatcher,
      config,
      logger,
      metrics,
      inflight,
      // SPEC §10: ready = able to serve; a chain outage must not empty a one-replica Service.
      readiness: async ({ chain: needChain }) => {
        if (!keystoreOpen) return false;
        if (!needChain) return true;
        const status = wallet.chainStatus();
        return status.state === 'offline' || status.state === 'synced';
      },
    });
    cleanup.push(() => app.close());

    let httpAddress: string;
    try {
      await app.listen({ host: config.rpc.host, port: config.rpc.port });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.rpc.port;
      const host = config.rpc.host.includes(':') && !config.rpc.host.startsWith('[') ? `[${config.rpc.host}]` : config.rpc.host;
      httpAddress = `http://${host}:${port}`;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') {
        throw new StartupError(`rpc.port ${config.rpc.port} on ${config.rpc.host} is already in use`);
      }
      throw new StartupError(`cannot listen on ${config.rpc.host}:${config.rpc.port} (rpc.host/rpc.port): ${message(err)}`);
    }

    const socketPath = join(datadir, SOCKET_FILE_NAME);
    let unixServer: Server;
    try {
      unixServer = await listenUnixSocket(app, socketPath);
    } catch (err) {
      throw new StartupError(`cannot listen on the unix socket ${socketPath}: ${message(err)}`);
    }

    logger.info(
      { datadir, adminTokenFile: adminTokenPath, http: httpAddress, socket: socketPath, network: config.network, backend: config.chain.backend },
      `walletd listening on ${httpAddress} and ${socketPath}`,
    );

    let closing: Promise<void> | null = null;
    const close = (reason = 'requested'): Promise<void> => {
      closing ??= shutdown(reason);
      return closing;
    };

    const shutdown = async (reason: string) => {
      logger.info({ reason, inflight: inflight.size }, 'shutting down');
      // Stop taking new connections on the socket; the TCP side refuses new calls via `draining`.
      unixServer.close();
      unixServer.closeIdleConnections();
      const drained = await inflight.drain(DRAIN_DEADLINE_MS);
      if (!drained) logger.warn({ inflight: inflight.size }, 'drain deadline passed; closing with calls still running');
      unixServer.closeAllConnections();
      await closeApp(app, 1_000);
      keystoreOpen = false;
      stopBackups();
      await wallet.stop().catch((err: unknown) => logger.error({ err: message(err) }, 'wallet stop failed'));
      // Sync has stopped, so no new events: store the queued ones and stop webhook retries.
      await runtime.notify.notifier.idle().catch((err: unknown) => logger.error({ err: message(err) }, 'event flush failed'));
      await runtime.notify.webhooks?.stop();
      await chain?.close().catch(() => undefined);
      // SPEC §4: the cookie dies with this run (the next start revokes it and writes a new one).
      await rm(adminTokenPath, { force: true }).catch(() => undefined);
      await keystore.close().catch((err: unknown) => logger.error({ err: message(err) }, 'keystore close failed'));
      await lock.release().catch(() => undefined);
      logger.info('walletd stopped');
    };

    return { close, httpAddress, socketPath };
  } catch (err) {
    await unwind();
    if (err instanceof StartupError) throw err;
    throw new StartupError(isWalletdError(err) ? `${err.code}: ${err.message}` : message(err));
  }
}

/** Closes the app, forcing connections shut if in-flight responses outlive `graceMs`. */
async function closeApp(app: FastifyInstance, graceMs: number): Promise<void> {
  const timer = setTimeout(() => app.server.closeAllConnections(), graceMs);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}
