/**
 * The unix-socket listener (SPEC §2): `<datadir>/walletd.sock`, mode 0600, always on. It feeds
 * the same fastify app as the TCP port, so both transports share routes, guards and sessions.
 */
import { chmod, lstat, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { UNIX_SOCKET_REQUEST } from './app.ts';

/** True when some process accepts connections on the socket at `path`. */
export async function socketIsLive(path: string, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = connect({ path });
    const done = (live: boolean) => {
      conn.destroy();
      resolve(live);
    };
    conn.setTimeout(timeoutMs, () => done(true));
    conn.once('connect', () => done(true));
    conn.once('error', () => done(false));
  });
}

/**
 * Removes a socket file left by a daemon that died (kill -9), after checking nothing answers
 * on it; throws when a live process is listening there.
 */
export async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  if (await socketIsLive(path)) throw new Error(`another process is listening on ${path}`);
  await rm(path, { force: true });
}

function mark(req: IncomingMessage): void {
  (req as unknown as Record<symbol, unknown>)[UNIX_SOCKET_REQUEST] = true;
}

/** Listens on `path` with mode 0600 and forwards requests and upgrades to the ready `app`. */
export async function listenUnixSocket(app: FastifyInstance, path: string): Promise<Server> {
  await removeStaleSocket(path);
  // The same bounds as the TCP listener (SPEC §10).
  const server = createServer({
    headersTimeout: app.server.headersTimeout,
    requestTimeout: app.server.requestTimeout,
    connectionsCheckingInterval: Math.min(1_000, app.server.headersTimeout),
  }, (req, res) => {
    mark(req);
    app.server.emit('request', req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    mark(req);
    app.server.emit('upgrade', req, socket, head);
  });
  server.keepAliveTimeout = app.server.keepAliveTimeout;
  server.maxConnections = app.server.maxConnections;
  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // The socket file takes its mode from the umask at bind(), which listen() performs
  // synchronously for a path: 0177 makes it 0600 from birth, and the umask is restored at once
  // so no other file of this process is affected.
  const previous = process.umask(0o177);
  try {
    server.listen(path);
  } finally {
    process.umask(previous);
  }
  await listening;
  await chmod(path, 0o600);
  return server;
}
