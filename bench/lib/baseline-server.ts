/**
 * The RPC baselines, run as their own process like the daemon: a bare fastify route returning
 * constant JSON, and fastify + json-rpc-2.0 answering `ping`, each on TCP, a unix socket and a
 * WebSocket route, so every transport of walletd has a same-transport reference.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { JSONRPCServer, type JSONRPCRequest } from 'json-rpc-2.0';

/** Addresses of one baseline kind. */
export interface BaselineAddrs {
  origin: string;
  socketPath: string;
  wsUrl: string;
}

const CONSTANT = JSON.stringify({ jsonrpc: '2.0', id: 1, result: 'pong' });

async function build(kind: 'bare' | 'jsonrpc'): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(fastifyWebsocket);
  const rpc = new JSONRPCServer();
  rpc.addMethod('ping', () => 'pong');
  if (kind === 'bare') {
    app.post('/rpc', async (_req, reply) => reply.header('content-type', 'application/json').send(CONSTANT));
    app.get('/ws', { websocket: true }, (socket) => {
      socket.on('message', () => socket.send(CONSTANT));
    });
  } else {
    app.post('/rpc', async (req) => rpc.receive(req.body as JSONRPCRequest));
    app.get('/ws', { websocket: true }, (socket) => {
      socket.on('message', (data) => {
        void rpc.receive(JSON.parse(data.toString()) as JSONRPCRequest).then((r) => socket.send(JSON.stringify(r)));
      });
    });
  }
  return app;
}

async function serve(kind: 'bare' | 'jsonrpc', dir: string): Promise<BaselineAddrs> {
  const tcp = await build(kind);
  const origin = await tcp.listen({ host: '127.0.0.1', port: 0 });
  const unix = await build(kind);
  const socketPath = join(dir, `${kind}.sock`);
  await unix.listen({ path: socketPath });
  return { origin, socketPath, wsUrl: `${origin.replace('http', 'ws')}/ws` };
}

if (process.send) {
  const dir = mkdtempSync(join(tmpdir(), 'walletd-bench-baseline-'));
  const bare = await serve('bare', dir);
  const jsonrpc = await serve('jsonrpc', dir);
  process.send({ bare, jsonrpc });
}
