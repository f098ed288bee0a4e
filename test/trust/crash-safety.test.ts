/**
 * Issue 16, point 2: crash loops. Each iteration starts walletd on the same data dir against a
 * regtest node, fires concurrent state-changing calls, kills it with SIGKILL at a random moment,
 * then checks the keystore (SQLCipher cipher_integrity_check and SQLite integrity_check), that
 * every acknowledged call's effect survived, that every send is either recorded by walletd and
 * known to the node or absent from both, and that no address was handed out twice.
 * Iterations: WALLETD_TRUST_CRASH_ITERATIONS.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openKeystore } from '../../src/keystore/index.ts';
import { ok, rpc, startChainDaemon, until, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { trustSize } from './trust-sizes.ts';

const ITERATIONS = trustSize('WALLETD_TRUST_CRASH_ITERATIONS', 5);
const ctx = useRegtestNode();
const datadir = mkdtempSync(join(tmpdir(), 'walletd-crash-'));
let d: RunningDaemon | undefined;
afterAll(async () => {
  d?.child.kill('SIGKILL');
  await d?.exited;
});

/** What the acknowledged calls of all iterations promise. */
const acked = { wallets: new Set<string>(), addresses: [] as string[], tokens: new Set<string>(), sends: new Map<string, string>(), keyed: new Map<string, string>() };

async function integrity(): Promise<void> {
  const ks = await openKeystore({ datadir });
  try {
    expect(await ks.db.all('PRAGMA cipher_integrity_check')).toEqual([]);
    expect(await ks.db.all<Record<string, string>>('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  } finally {
    await ks.close();
  }
}

/** Txids the node's wallet received at `dest`, mempool included. */
async function nodeSends(dest: string): Promise<Set<string>> {
  const list = await ctx.node.rpc<Array<{ address?: string; txid: string; category: string }>>('listtransactions', '*', 10_000, 0, true);
  return new Set(list.filter((t) => t.address === dest && t.category === 'receive').map((t) => t.txid));
}

/** Txids walletd's ledger says it sent, every page. */
async function walletSends(daemon: RunningDaemon, wallet: string): Promise<Set<string>> {
  const out = new Set<string>();
  let cursor: string | null = null;
  do {
    const page: { transactions: Array<{ txid: string; direction: string }>; nextCursor: string | null } = await ok(
      daemon, daemon.adminToken, 'get_transaction_history', { wallet, limit: 1000, ...(cursor ? { cursor } : {}) },
    );
    for (const t of page.transactions) if (t.direction === 'outgoing') out.add(t.txid);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

describe(`crash safety: ${ITERATIONS} SIGKILLs during concurrent writes`, () => {
  it('keeps the keystore intact and every acknowledged write, and sends agree with the node', async () => {
    d = await startChainDaemon(ctx.node, datadir);
    const wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'payer' })).id;
    acked.wallets.add(wallet);
    const funding = await ok<{ address: string }>(d, d.adminToken, 'generate_address', { wallet });
    acked.addresses.push(funding.address);
    for (let i = 0; i < 20; i += 1) await ctx.node.fund(funding.address, 1_000_000n);
    await ctx.node.mine(1);
    await until(() => ok<{ confirmed: number }>(d!, d!.adminToken, 'get_balance', { wallet }), (b) => b.confirmed === 20_000_000);
    const dest = await ctx.node.rpc<string>('getnewaddress');
    let killedInFlight = 0;

    for (let iter = 0; iter < ITERATIONS; iter += 1) {
      // The daemon restarted by the previous iteration's checks is this one's victim.
      const daemon = d!;
      const token = daemon.adminToken;
      const call = async (method: string, params: Record<string, unknown>, onAck: (r: Record<string, unknown>) => void) => {
        const answer = await rpc(daemon, token, method, params).catch(() => null);
        if (answer && answer.result) onAck(answer.result as Record<string, unknown>);
        return answer;
      };
      // A wallet whose passphrase is set while the kill may land: an acknowledged set must hold.
      const guarded = (await ok<{ id: string }>(daemon, token, 'create_wallet', { name: `p-${iter}` })).id;
      acked.wallets.add(guarded);
      let passphraseSet = false;
      const calls: Array<Promise<unknown>> = [
        call('set_passphrase', { wallet: guarded, newPassphrase: `crash passphrase ${iter}` }, () => (passphraseSet = true)),
      ];
      for (let i = 0; i < 3; i += 1) {
        calls.push(call('create_wallet', { name: `w-${iter}-${i}` }, (r) => acked.wallets.add(r.id as string)));
        calls.push(call('generate_address', { wallet }, (r) => acked.addresses.push(r.address as string)));
        calls.push(call('token_create', { scopes: ['wallet:read'], name: `t-${iter}-${i}` }, (r) => acked.tokens.add((r.id ?? (r.token as { id: string })?.id) as string)));
        calls.push(call('send_transaction', { wallet, outputs: [{ address: dest, amount: 10_000 + i }], feeRate: 2 }, (r) => acked.sends.set(r.txid as string, 'plain')));
        const key = `k-${iter}-${i}`;
        calls.push(call('send_transaction', { wallet, outputs: [{ address: dest, amount: 20_000 + i }], feeRate: 2, idempotencyKey: key }, (r) => {
          acked.sends.set(r.txid as string, key);
          acked.keyed.set(key, r.txid as string);
        }));
      }
      calls.push(call('backup_wallet', { passphrase: 'crash loop backup passphrase' }, () => undefined));
      const all = Promise.allSettled(calls);
      let settled = false;
      void all.then(() => (settled = true));
      // Early kills land among the first writes, late ones between broadcast and answer.
      await new Promise((r) => setTimeout(r, (iter % 2) * 2_500 + Math.floor(Math.random() * 2_000)));
      if (!settled) killedInFlight += 1;
      daemon.child.kill('SIGKILL');
      await daemon.exited;
      await all;

      await integrity();
      d = await startChainDaemon(ctx.node, datadir);
      const after = d;
      const wallets = new Set((await ok<Array<{ id: string }>>(after, after.adminToken, 'list_wallets')).map((w) => w.id));
      for (const id of acked.wallets) expect(wallets.has(id), `wallet ${id}`).toBe(true);
      const addresses = (await ok<Array<{ address: string }>>(after, after.adminToken, 'get_addresses', { wallet })).map((a) => a.address);
      expect(new Set(addresses).size).toBe(addresses.length);
      for (const a of acked.addresses) expect(addresses).toContain(a);
      expect(new Set(acked.addresses).size).toBe(acked.addresses.length);
      const tokens = new Set((await ok<Array<{ id: string }>>(after, after.adminToken, 'token_list')).map((t) => t.id));
      for (const id of acked.tokens) expect(tokens.has(id), `token ${id}`).toBe(true);
      const unlock = await rpc(after, after.adminToken, 'unlock_wallet', { wallet: guarded, passphrase: `crash passphrase ${iter}`, timeoutSec: 5 });
      const info = await ok<{ encrypted?: boolean; locked?: boolean; hasPassphrase?: boolean }>(after, after.adminToken, 'get_wallet_info', { wallet: guarded });
      if (passphraseSet) expect(unlock.error, JSON.stringify(info)).toBeUndefined();
      // A keyed send retried after the crash answers with its first txid, never a second payment.
      for (const [key, txid] of acked.keyed) {
        if (!key.startsWith(`k-${iter}-`)) continue;
        const retry = await ok<{ txid: string }>(after, after.adminToken, 'send_transaction', {
          wallet, outputs: [{ address: dest, amount: 20_000 + Number(key.split('-')[2]) }], feeRate: 2, idempotencyKey: key,
        });
        expect(retry.txid).toBe(txid);
      }
      // Recorded and known to the node, or absent from both (a recorded one is rebroadcast).
      await until(async () => ({ w: await walletSends(after, wallet), n: await nodeSends(dest) }), ({ w, n }) => w.size === n.size && [...w].every((t) => n.has(t)), 30_000);
      const sends = await walletSends(after, wallet);
      for (const txid of acked.sends.keys()) expect(sends.has(txid), `acknowledged send ${txid}`).toBe(true);
      // Confirm this round's sends, and top the wallet up so a long run never runs dry.
      const balance = await ok<{ confirmed: number }>(after, after.adminToken, 'get_balance', { wallet });
      if (balance.confirmed < 3_000_000) for (let i = 0; i < 10; i += 1) await ctx.node.fund(funding.address, 1_000_000n);
      await ctx.node.mine(1);
    }
    console.log(`crash: ${ITERATIONS} kills (${killedInFlight} with calls in flight), ${acked.sends.size} acknowledged sends, ${acked.addresses.length} addresses, 0 lost`);
  });
});
