/**
 * The peer: bcoin 1.0.2's full node with its wallet plugin, in this process, `memory: true`
 * (no disk writes), on bcoin's own regtest chain (bech32 prefix `rb`). Forked by the peer
 * scenario; it funds a wallet of `utxos` coins and reports the wallet HTTP address over IPC.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';

/** What the peer process reports once its wallet is funded. */
export interface PeerReady {
  walletUrl: string;
  nodeUrl: string;
  apiKey: string;
  walletId: string;
  payTo: string;
  prefix: string;
}

// The slice of bcoin's untyped API this file uses.
interface BcoinAddress { toString(network: string): string }
interface BcoinWallet {
  receiveAddress(): Promise<BcoinAddress>;
  createReceive(): Promise<{ getAddress(): BcoinAddress }>;
  send(opts: { outputs: Array<{ address: string; value: number }>; rate: number }): Promise<unknown>;
  getBalance(): Promise<{ confirmed: number; tx: number }>;
}
interface BcoinNode {
  use(plugin: unknown): void;
  open(): Promise<void>;
  connect(): Promise<void>;
  require(name: string): { wdb: { primary: BcoinWallet; create(o: Record<string, unknown>): Promise<BcoinWallet> } };
}

const require = createRequire(import.meta.url);
const bcoin = require('bcoin') as { FullNode: new (o: Record<string, unknown>) => BcoinNode; wallet: { plugin: unknown } };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function main(utxos: number, coin: number): Promise<PeerReady> {
  const apiKey = randomBytes(16).toString('hex');
  const [httpPort, walletPort] = [await freePort(), await freePort()];
  const node = new bcoin.FullNode({
    network: 'regtest',
    memory: true,
    workers: false,
    listen: false,
    logLevel: 'error',
    httpHost: '127.0.0.1',
    httpPort,
    apiKey,
    walletHttpHost: '127.0.0.1',
    walletHttpPort: walletPort,
    walletWitness: true,
  });
  node.use(bcoin.wallet.plugin);
  await node.open();
  await node.connect();
  const nodeUrl = `http://127.0.0.1:${httpPort}`;
  const auth = `Basic ${Buffer.from(`x:${apiKey}`).toString('base64')}`;
  const rpc = async (method: string, params: unknown[]) => {
    const res = await fetch(nodeUrl, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ method, params }) });
    const j = (await res.json()) as { result: unknown; error: unknown };
    if (j.error) throw new Error(`bcoin ${method}: ${JSON.stringify(j.error)}`);
    return j.result;
  };
  const wdb = node.require('walletdb').wdb;
  const primary = wdb.primary;
  const mineTo = (await primary.receiveAddress()).toString('regtest');
  // Coinbases mature after 100 blocks; 1,000 coins in one tx need a few of them.
  await rpc('generatetoaddress', [110, mineTo]);
  // The wallet plugin catches up with the chain asynchronously.
  for (let i = 0; i < 600 && (await primary.getBalance()).tx < 110; i++) await new Promise((r) => setTimeout(r, 50));
  const bench = await wdb.create({ id: 'bench', witness: true });
  const addrs: string[] = [];
  for (let i = 0; i < 20; i++) addrs.push((await bench.createReceive()).getAddress().toString('regtest'));
  for (let sent = 0; sent < utxos; sent += 500) {
    const n = Math.min(500, utxos - sent);
    await primary.send({ outputs: Array.from({ length: n }, (_, i) => ({ address: addrs[i % addrs.length]!, value: coin })), rate: 10_000 });
  }
  await rpc('generatetoaddress', [1, mineTo]);
  for (let i = 0; i < 200; i++) {
    if ((await bench.getBalance()).confirmed >= utxos * coin) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { walletUrl: `http://127.0.0.1:${walletPort}`, nodeUrl, apiKey, walletId: 'bench', payTo: mineTo, prefix: mineTo.slice(0, 2) };
}

if (process.send) {
  const [utxos, coin] = [Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 50_000)];
  main(utxos, coin).then(
    (ready) => process.send!(ready),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
