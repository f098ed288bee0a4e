/**
 * Issue 16's table row "SIGTERM with 50 calls in flight: every call answered; exit 0", against a
 * real daemon on a real regtest node. test/daemon/daemon.test.ts covers 20 create_wallet calls
 * and lets a connection close unanswered; here 50 mixed state-changing calls (sends among them)
 * are on the wire when SIGTERM lands, and each must get a JSON-RPC answer: its result, or
 * SHUTTING_DOWN. Every acknowledged effect is there after a restart, and every acknowledged send
 * is known to the node.
 */
import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { ok, startChainDaemon, until, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { nodeKnows } from './crash-checks.ts';

const ctx = useRegtestNode();
let d: RunningDaemon | undefined;
afterAll(async () => {
  d?.child.kill('SIGKILL');
  await d?.exited;
});

/** A JSON-RPC answer, or how the connection ended without one. */
type Outcome = { answered: true; status: number; body: { result?: Record<string, unknown>; error?: { data?: { code?: string } } } } | { answered: false; why: string };

/** POSTs one call on its own connection; `sent` resolves once the whole request is on the wire. */
function post(url: string, token: string, method: string, params: unknown): { sent: Promise<void>; outcome: Promise<Outcome> } {
  let markSent!: () => void;
  const sent = new Promise<void>((r) => (markSent = r));
  const outcome = new Promise<Outcome>((resolve) => {
    const req = request(`${url}/rpc`, { method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        try {
          resolve({ answered: true, status: res.statusCode ?? 0, body: JSON.parse(text) as Extract<Outcome, { answered: true }>['body'] });
        } catch {
          resolve({ answered: false, why: `unparseable body ${text.slice(0, 80)}` });
        }
      });
      res.on('error', (err) => resolve({ answered: false, why: err.message }));
    });
    req.on('finish', markSent);
    req.on('error', (err) => {
      markSent();
      resolve({ answered: false, why: err.message });
    });
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
  });
  return { sent, outcome };
}

describe('SIGTERM with 50 calls in flight', () => {
  it('answers every call (its result or SHUTTING_DOWN), exits 0, and keeps every acknowledged effect', async () => {
    d = await startChainDaemon(ctx.node);
    const daemon = d;
    const token = daemon.adminToken;
    const wallet = (await ok<{ id: string }>(daemon, token, 'create_wallet', { name: 'payer' })).id;
    const { address } = await ok<{ address: string }>(daemon, token, 'generate_address', { wallet });
    for (let i = 0; i < 10; i += 1) await ctx.node.fund(address, 1_000_000n);
    await ctx.node.mine(1);
    await until(() => ok<{ confirmed: number }>(daemon, token, 'get_balance', { wallet }), (b) => b.confirmed === 10_000_000);
    const dest = await ctx.node.rpc<string>('getnewaddress');

    const calls: Array<{ method: string; call: ReturnType<typeof post> }> = [];
    const fire = (method: string, params: unknown) => calls.push({ method, call: post(daemon.url, token, method, params) });
    for (let i = 0; i < 10; i += 1) {
      fire('send_transaction', { wallet, outputs: [{ address: dest, amount: 10_000 + i }], feeRate: 2 });
      fire('create_wallet', { name: `w-${i}` });
      fire('generate_address', { wallet });
      fire('token_create', { name: `t-${i}`, scopes: ['wallet:read'] });
      fire('get_balance', { wallet });
    }
    expect(calls).toHaveLength(50);
    await Promise.all(calls.map((c) => c.call.sent));
    daemon.child.kill('SIGTERM');
    const outcomes = await Promise.all(calls.map((c) => c.call.outcome));
    expect(await daemon.exited).toBe(0);
    const shutdown = await daemon.waitForLog((l) => l.msg === 'shutting down', 1_000);

    const unanswered = outcomes.flatMap((o, i) => (o.answered ? [] : [`${calls[i]!.method}: ${o.why}`]));
    expect(unanswered).toEqual([]);
    const acked = { wallets: [] as string[], addresses: [] as string[], tokens: [] as string[], sends: [] as string[] };
    let refused = 0;
    for (const [i, o] of outcomes.entries()) {
      if (!o.answered) continue;
      const { method } = calls[i]!;
      if (o.body.error) {
        expect(o.body.error.data?.code, method).toBe('SHUTTING_DOWN');
        refused += 1;
        continue;
      }
      const r = o.body.result!;
      if (method === 'send_transaction') acked.sends.push(r.txid as string);
      if (method === 'create_wallet') acked.wallets.push(r.id as string);
      if (method === 'generate_address') acked.addresses.push(r.address as string);
      if (method === 'token_create') acked.tokens.push((r.id ?? (r.token as { id?: string })?.id) as string);
    }

    d = await startChainDaemon(ctx.node, daemon.datadir);
    const again = d;
    const wallets = (await ok<Array<{ id: string }>>(again, again.adminToken, 'list_wallets')).map((w) => w.id);
    for (const id of acked.wallets) expect(wallets).toContain(id);
    const addresses = (await ok<Array<{ address: string }>>(again, again.adminToken, 'get_addresses', { wallet })).map((a) => a.address);
    for (const a of acked.addresses) expect(addresses).toContain(a);
    const tokens = (await ok<Array<{ id: string }>>(again, again.adminToken, 'token_list')).map((t) => t.id);
    for (const id of acked.tokens) expect(tokens).toContain(id);
    for (const txid of acked.sends) expect(await nodeKnows(ctx.node, txid), `send ${txid}`).toBe(true);
    console.log(
      `sigterm: 50 calls on the wire, ${String(shutdown.inflight)} running at SIGTERM; ${50 - refused} answered with a result ` +
      `(${acked.sends.length} sends), ${refused} with SHUTTING_DOWN, 0 unanswered; exit 0`,
    );
  });
});
