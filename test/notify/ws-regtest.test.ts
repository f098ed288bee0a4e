/**
 * Issue 6's WebSocket "done when", end to end: a real `walletd` process following a real regtest
 * node. Subscribe, receive `tx` then `confirmation` while the node mines, disconnect, miss 3
 * blocks, reconnect with `sinceSeq` and receive exactly the missed events, once each.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { chainEnv, startDaemonProcess, type DaemonProcess } from '../daemon/daemon-process.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { WsClient } from './ws-client.ts';

const ctx = useRegtestNode();
let datadir: string;
let daemon: (DaemonProcess & { url: string }) | undefined;
let admin: string;

beforeAll(async () => {
  datadir = await mkdtemp(join(tmpdir(), 'walletd-notify-e2e-'));
  const node = ctx.node;
  daemon = await startDaemonProcess(datadir, [], { ...chainEnv(node), WALLETD_NOTIFY_CONFIRMATION_DEPTH: '6' });
  admin = (await readFile(join(datadir, 'admin.token'), 'utf8')).trim();
}, 60_000);

afterAll(async () => {
  if (daemon) {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  }
  await rm(datadir, { recursive: true, force: true });
});

/** One JSON-RPC call over HTTP. */
async function rpc<T>(method: string, params: unknown, token = admin): Promise<T> {
  const res = await fetch(`${daemon!.url}/rpc`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: unknown };
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result as T;
}

async function connect(token: string): Promise<WsClient> {
  const ws = new WebSocket(`${daemon!.url.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return new WsClient(ws);
}

/** Waits until the daemon has synced `wallet` to the node's current tip (read over HTTP). */
async function waitSynced(wallet: string): Promise<number> {
  const tip = await ctx.node.rpc<number>('getblockcount');
  for (;;) {
    const info = await rpc<{ sync: { syncHeight: number | null } }>('get_wallet_info', { wallet });
    if (info.sync.syncHeight === tip) return tip;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('notifications against a real daemon and regtest node', () => {
  it('delivers tx then confirmation live, and exactly the missed events on reconnect with sinceSeq', async () => {
    const { id: wallet } = await rpc<{ id: string }>('create_wallet', { name: 'notify-e2e' });
    const { address } = await rpc<{ address: string }>('generate_address', { wallet });
    // A read-only token bound to this wallet, as an app would hold.
    const { token } = await rpc<{ token: string }>('token_create', {
      name: 'watcher',
      scopes: ['wallet:read'],
      constraints: { wallets: [wallet] },
    });
    await waitSynced(wallet);

    const first = await connect(token);
    const sub = await first.result<{ snapshot: { seq: number; tipHeight: number; balance: { total: number } } }>('subscribe', {
      wallet,
      events: ['tx', 'confirmation'],
    });
    expect(sub.snapshot.balance.total).toBe(0);
    expect(sub.snapshot.tipHeight).toBe(await ctx.node.rpc<number>('getblockcount'));

    const txid = await ctx.node.fund(address, 25_000_000n);
    await first.waitForEvents((e) => e.some((x) => x.type === 'tx'));
    expect(first.events).toEqual([expect.objectContaining({
      type: 'tx', wallet,
      data: expect.objectContaining({ txid, status: 'pending', outputs: expect.arrayContaining([expect.objectContaining({ address, mine: true })]) }),
    })]);
    expect(first.events[0]!.seq).toBeGreaterThan(sub.snapshot.seq);

    await ctx.node.mine(1);
    await first.waitForEvents((e) => e.some((x) => x.type === 'confirmation'));
    // Every status change is a `tx` event (issue 11), carrying its history entry (issue 13), then the confirmation count.
    expect(first.events.map((e) => [e.type, e.data.txid, e.data.status, e.data.confirmations])).toEqual([
      ['tx', txid, 'pending', 0],
      ['tx', txid, 'confirmed', 1],
      ['confirmation', txid, undefined, 1],
    ]);
    const lastSeen = Math.max(...first.events.map((e) => e.seq));
    await first.close();

    // Missed while disconnected: one block at a time, so the daemon sees each new tip.
    for (let i = 0; i < 3; i++) {
      await ctx.node.mine(1);
      await waitSynced(wallet);
    }

    const second = await connect(token);
    await second.result('subscribe', { wallet, events: ['tx', 'confirmation'], sinceSeq: lastSeen });
    await second.waitForEvents((e) => e.length >= 3);
    // Two more poll rounds of the daemon: anything extra would have arrived by then.
    await new Promise((r) => setTimeout(r, 600));
    await waitSynced(wallet);
    expect(second.events.map((e) => [e.type, e.wallet, e.data.txid, e.data.confirmations])).toEqual([
      ['confirmation', wallet, txid, 2],
      ['confirmation', wallet, txid, 3],
      ['confirmation', wallet, txid, 4],
    ]);
    const seqs = [...first.events, ...second.events].map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(second.events.every((e) => e.seq > lastSeen)).toBe(true);
    expect(second.events.map((e) => e.seq)).toEqual([...second.events.map((e) => e.seq)].sort((a, b) => a - b));
    await second.close();
  }, 120_000);
});
