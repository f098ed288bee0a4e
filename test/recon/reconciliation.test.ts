/**
 * Issue 13, point 11 (reconciliation), against a real daemon and regtest node: history and the
 * `tx` event carry every output with its address, ownership, change flag and label;
 * get_transaction gives one transaction in full; set_label labels addresses and transactions;
 * export_labels / import_labels move them as BIP329 JSON Lines into a restored wallet.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walletctl } from '../cli/run-walletctl.ts';
import { errorCode, ok, until, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import type { WsClient } from '../notify/ws-client.ts';
import { connectWs, outAddress, sats, settle, useDaemons, walletCaller, type NodeTx } from '../ledger/ledger-helpers.ts';

const ctx = useRegtestNode();
const startDaemon = useDaemons();

interface Output { vout: number; address: string | null; amount: number; mine: boolean; change: boolean; label: string | null }
interface Entry { txid: string; direction: string; amount: number; fee: number | null; status: string; label: string | null; outputs: Output[] }
interface Details extends Entry {
  inputs: Array<{ txid: string; vout: number; address: string | null; amount: number | null; mine: boolean }>;
  vsize: number; hex: string; confirmations: number; blockHeight: number | null; blockHash: string | null; replacedBy: string | null;
}
interface NodeTxV extends NodeTx { vsize: number; blockhash?: string }

const EXPORT_PASS = 'labels-move-passphrase';

describe('reconciliation: outputs, get_transaction and labels', () => {
  let d: RunningDaemon;
  let wallet: string;
  let call: ReturnType<typeof walletCaller>;
  let ws: WsClient;
  let order: string;
  let incoming: string;
  let payee: string;
  let sent: { txid: string; fee: number };

  const history = async () => (await call<{ transactions: Entry[] }>('get_transaction_history', { limit: 50 })).transactions;
  const nodeTx = (txid: string) => ctx.node.rpc<NodeTxV>('getrawtransaction', txid, true);

  beforeAll(async () => {
    d = await startDaemon(ctx.node);
    wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'shop' })).id;
    call = walletCaller(d, wallet);
    ws = await connectWs(d, d.adminToken);
    await ws.result('subscribe', { wallet, events: ['tx'] });
    order = (await call<{ address: string }>('generate_address', { label: 'order-17' })).address;
    incoming = await ctx.node.fund(order, 50_000_000n);
    await ctx.node.mine(1);
    await settle(d, wallet, ctx.node);
  });
  afterAll(async () => ws?.close());

  it('history and the tx event show which address a payment paid, with its label', async () => {
    const node = await nodeTx(incoming);
    const entry = (await history()).find((t) => t.txid === incoming)!;
    // Every output the node sees, in order, with the node's address for it.
    expect(entry.outputs.map((o) => [o.vout, o.address, o.amount])).toEqual(node.vout.map((o) => [o.n, outAddress(o), sats(o.value)]));
    const ours = entry.outputs.find((o) => o.address === order)!;
    expect(ours).toMatchObject({ amount: 50_000_000, mine: true, change: false, label: 'order-17' });
    expect(entry.outputs.filter((o) => o.mine)).toHaveLength(1);
    await ws.waitForEvents((events) => events.some((e) => e.type === 'tx' && e.data.txid === incoming), 10_000);
    const event = ws.events.find((e) => e.type === 'tx' && e.data.txid === incoming)!;
    expect(event.data.outputs).toEqual(entry.outputs);
    expect(event.data.label).toBeNull();
  });

  it('an own send shows the recipient and the change output, and get_transaction gives it in full', async () => {
    payee = await ctx.node.rpc<string>('getnewaddress');
    sent = await call<{ txid: string; fee: number }>('send_transaction', { outputs: [{ address: payee, amount: 12_345_678 }], feeRate: 3 });
    await ctx.node.mine(1);
    await settle(d, wallet, ctx.node);
    const node = await nodeTx(sent.txid);
    const entry = (await history()).find((t) => t.txid === sent.txid)!;
    expect(entry.outputs.map((o) => [o.address, o.amount])).toEqual(node.vout.map((o) => [outAddress(o), sats(o.value)]));
    expect(entry.outputs.find((o) => o.address === payee)).toMatchObject({ amount: 12_345_678, mine: false, change: false });
    expect(entry.outputs.find((o) => o.mine)).toMatchObject({ change: true });

    const tx = await call<Details>('get_transaction', { txid: sent.txid });
    expect(tx).toMatchObject({
      txid: sent.txid, direction: 'outgoing', fee: sent.fee, status: 'confirmed', confirmations: 1,
      blockHash: node.blockhash, vsize: node.vsize, hex: node.hex, replacedBy: null, outputs: entry.outputs,
    });
    expect(tx.inputs.map((i) => [i.txid, i.vout])).toEqual(node.vin.map((i) => [i.txid, i.vout]));
    expect(tx.inputs).toEqual([{ txid: incoming, vout: expect.any(Number), address: order, amount: 50_000_000, mine: true }]);
    // An incoming payment's inputs are someone else's: no fee, no input amounts.
    const paid = await call<Details>('get_transaction', { txid: incoming });
    expect(paid.fee).toBeNull();
    expect(paid.inputs.every((i) => !i.mine && i.amount === null)).toBe(true);
  });

  it('get_transaction of a replaced send names its replacement', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress');
    const first = await call<{ txid: string }>('send_transaction', { outputs: [{ address: to, amount: 1_000_000 }], feeRate: 2 });
    const cancel = await call<{ txid: string }>('cancel_transaction', { txid: first.txid, feeRate: 10 });
    expect(await ctx.node.rpc<string[]>('getrawmempool')).toContain(cancel.txid);
    // A sync pass that read the mempool before the cancel may flip it back for one pass; the next settles it.
    const replaced = await until(() => call<Details>('get_transaction', { txid: first.txid }), (t) => t.status === 'replaced');
    expect(replaced).toMatchObject({ status: 'replaced', replacedBy: cancel.txid, confirmations: 0, blockHeight: null, blockHash: null });
    const replacement = await call<Details>('get_transaction', { txid: cancel.txid });
    expect(replacement.inputs.map((i) => `${i.txid}:${i.vout}`).sort()).toEqual(replaced.inputs.map((i) => `${i.txid}:${i.vout}`).sort());
    expect(replacement.outputs.every((o) => o.mine && o.change)).toBe(true);
    await ctx.node.mine(1);
    await settle(d, wallet, ctx.node);
  });

  it('an output with no address form shows address null', async () => {
    const raw = await ctx.node.rpc<string>('createrawtransaction', [], [{ [order]: 0.001 }, { data: 'cafe' }]);
    const funded = await ctx.node.rpc<{ hex: string }>('fundrawtransaction', raw);
    const signed = await ctx.node.rpc<{ hex: string }>('signrawtransactionwithwallet', funded.hex);
    const txid = await ctx.node.rpc<string>('sendrawtransaction', signed.hex);
    const entry = await (async () => {
      for (let i = 0; i < 100; i++) {
        const found = (await history()).find((t) => t.txid === txid);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('payment with OP_RETURN not seen');
    })();
    expect(entry.outputs.find((o) => o.address === null)).toMatchObject({ amount: 0, mine: false, change: false, label: null });
    expect(entry.outputs.find((o) => o.address === order)).toMatchObject({ mine: true, label: 'order-17' });
  });

  it('set_label labels a transaction and a counterparty address; an empty label clears it', async () => {
    expect(await call('set_label', { txid: sent.txid, label: 'payout batch 4' })).toBe(true);
    expect(await call('set_label', { address: payee, label: 'supplier' })).toBe(true);
    const entry = (await history()).find((t) => t.txid === sent.txid)!;
    expect(entry.label).toBe('payout batch 4');
    expect(entry.outputs.find((o) => o.address === payee)?.label).toBe('supplier');
    expect((await call<Details>('get_transaction', { txid: sent.txid })).label).toBe('payout batch 4');
    await call('set_label', { address: order, label: 'order-17 (paid)' });
    expect((await call<Array<{ address: string; label: string | null }>>('get_addresses')).find((a) => a.address === order)?.label).toBe('order-17 (paid)');
    await call('set_label', { txid: incoming, label: 'temporary' });
    await call('set_label', { txid: incoming, label: '' });
    expect((await history()).find((t) => t.txid === incoming)?.label).toBeNull();
  });

  it('an imported output label names that output ahead of its address label', async () => {
    const vout = (await history()).find((t) => t.txid === sent.txid)!.outputs.find((o) => o.address === payee)!.vout;
    const result = await call<{ imported: number }>('import_labels', { labels: `{"type":"output","ref":"${sent.txid}:${vout}","label":"invoice 88"}\n` });
    expect(result).toEqual({ imported: 1, refused: [] });
    const outputs = (await history()).find((t) => t.txid === sent.txid)!.outputs;
    expect(outputs.find((o) => o.vout === vout)?.label).toBe('invoice 88');
    expect(outputs.filter((o) => o.vout !== vout).every((o) => o.label !== 'invoice 88')).toBe(true);
  });

  it('refuses unclear label and lookup requests with stable codes', async () => {
    const e = (method: string, params: Record<string, unknown>) => errorCode(d, d.adminToken, method, { wallet, ...params });
    expect(await e('set_label', { label: 'x' })).toBe('INVALID_PARAMS');
    expect(await e('set_label', { address: payee, txid: sent.txid, label: 'x' })).toBe('INVALID_PARAMS');
    expect(await e('set_label', { txid: 'ab'.repeat(32), label: 'x' })).toBe('TX_NOT_FOUND');
    expect(await e('set_label', { address: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', label: 'x' })).toBe('WRONG_NETWORK');
    expect(await e('get_transaction', { txid: 'ab'.repeat(32) })).toBe('TX_NOT_FOUND');
  });

  it('moves labels as BIP329 into a restored wallet, refusing bad lines by number and keeping the rest', async () => {
    const exported = await call<{ labels: string; count: number }>('export_labels');
    const lines = exported.labels.trim().split('\n').map((l) => JSON.parse(l) as { type: string; ref: string; label: string });
    expect(lines).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'addr', ref: order, label: 'order-17 (paid)' }),
      expect.objectContaining({ type: 'addr', ref: payee, label: 'supplier' }),
      expect.objectContaining({ type: 'tx', ref: sent.txid, label: 'payout batch 4' }),
    ]));
    expect(exported.count).toBe(lines.length);

    // A second daemon on the same node restores the wallet from its bundle, then takes the labels.
    const { bundle } = await call<{ bundle: string }>('export_wallet', { passphrase: EXPORT_PASS });
    const d2 = await startDaemon(ctx.node);
    const restored = (await ok<{ id: string }>(d2, d2.adminToken, 'import_wallet', { bundle, passphrase: EXPORT_PASS })).id;
    const call2 = walletCaller(d2, restored);
    await settle(d2, restored, ctx.node);
    const doc = `${exported.labels}not json\n{"type":"tx","ref":"nope","label":"x"}\n`;
    const result = await call2<{ imported: number; refused: Array<{ line: number; reason: string }> }>('import_labels', { labels: doc });
    expect(result.imported).toBe(lines.length);
    expect(result.refused.map((r) => r.line)).toEqual([lines.length + 1, lines.length + 2]);
    // A record without a label changes nothing (BIP329: "should not alter").
    await call2('import_labels', { labels: `{"type":"tx","ref":"${sent.txid}"}` });
    const entry = (await call2<{ transactions: Entry[] }>('get_transaction_history')).transactions.find((t) => t.txid === sent.txid)!;
    expect(entry.label).toBe('payout batch 4');
    expect(entry.outputs.find((o) => o.address === payee)?.label).toBe('invoice 88');
    expect((await call2<{ labels: string }>('export_labels')).labels).toBe(exported.labels);
  });

  it('walletctl prints export_labels as a BIP329 file and imports one with --labels-file', async () => {
    const { labels, count } = await call<{ labels: string; count: number }>('export_labels');
    const out = await walletctl(['--datadir', d.datadir, 'export_labels', '--wallet', wallet]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(labels);
    const dir = mkdtempSync(join(tmpdir(), 'labels-'));
    try {
      writeFileSync(join(dir, 'labels.jsonl'), out.stdout);
      const imported = await walletctl(['--datadir', d.datadir, '--json', 'import_labels', '--wallet', wallet, '--labels-file', join(dir, 'labels.jsonl')]);
      expect(imported.code).toBe(0);
      expect(imported.json()).toEqual({ imported: count, refused: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
